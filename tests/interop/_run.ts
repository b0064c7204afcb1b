/**
 * Runs a child process to completion under a time bound, keeping a bounded tail of its output.
 * Uses a cleared timer instead of `AbortSignal.timeout` so test sanitizers see no leftover timer.
 *
 * @module
 */

export interface RunResult {
  code: number;
  success: boolean;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Bound on the run; the child gets SIGKILL when it passes. */
  timeoutMs: number;
  /** Bytes of stdout/stderr kept (the tail). */
  maxOutputBytes?: number;
}

const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export async function runBounded(
  cmd: string,
  args: string[],
  options: RunOptions,
): Promise<RunResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: controller.signal,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.env === undefined ? {} : { env: options.env }),
    }).output();
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const decoder = new TextDecoder();
    return {
      code: out.code,
      success: out.success && !timedOut,
      timedOut,
      stdout: decoder.decode(out.stdout.subarray(Math.max(0, out.stdout.length - max))),
      stderr: decoder.decode(out.stderr.subarray(Math.max(0, out.stderr.length - max))),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** True when `cmd` runs (`cmd ...args` exits 0) within the bound. */
export async function commandWorks(cmd: string, args: string[], timeoutMs = 30_000) {
  try {
    return (await runBounded(cmd, args, { timeoutMs })).success;
  } catch {
    return false;
  }
}
