/**
 * The franz-go load generator in `bench/go/`: built into `bench/.cache/` on demand (a fresh
 * machine needs only Go), run once per case, its one JSON line parsed and checked.
 */

const BENCH = new URL("./", import.meta.url).pathname;
const BINARY = `${BENCH}.cache/producebench`;
const OUTPUT_LIMIT_BYTES = 64 * 1024;

/** One run of the load generator; `ratePerSec` 0 means as fast as the clients go. */
export interface ClientRun {
  readonly bootstrap: string;
  readonly topic: string;
  readonly partitions: number;
  readonly acks: "1" | "all";
  readonly recordBytes: number;
  readonly producers: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly ratePerSec: number;
  /** franz-go ProducerLinger; 0 sends as soon as an in-flight slot is free. */
  readonly lingerMs: number;
  /** GOMAXPROCS for the client process; undefined leaves Go's default (one per CPU). */
  readonly goMaxProcs?: number;
  /** Buffered value bytes and records per client (franz-go MaxBufferedBytes/Records). */
  readonly bufferBytesPerClient: number;
  readonly bufferRecordsPerClient: number;
}

/** The JSON line the Go program prints (field names as it prints them). */
export interface ClientResult {
  readonly topic: string;
  readonly sent: number;
  readonly acked: number;
  readonly errors: number;
  readonly canceled: number;
  readonly firstError?: string;
  readonly errorKinds?: string;
  readonly msgPerSec: number;
  readonly mbPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly clientCpuSec: number;
  /** Largest lag of a rate-limited producer behind its schedule, seconds (0 if never > 100 ms). */
  readonly pacingBehindSec: number;
  /** The measured window's seconds. */
  readonly windowSec: number;
  /**
   * 100 ms windows (by record start) in which a record took over 10 ms: [start s, max ms,
   * records over 10 ms]; the first 40 only.
   */
  readonly slowWindows?: readonly (readonly [number, number, number])[];
}

export class ClientError extends Error {
  override name = "ClientError";
}

/** `go build` into `bench/.cache/`; Go's build cache makes a repeat a no-op. Returns the path. */
export async function buildClient(): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("go", {
      args: ["build", "-o", BINARY, "."],
      cwd: `${BENCH}go`,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ClientError("`go` is not on PATH: the produce benchmark's client is Go (franz-go)");
    }
    throw error;
  }
  if (!out.success) {
    throw new ClientError(`go build failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return BINARY;
}

function limited(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes.subarray(Math.max(0, bytes.length - OUTPUT_LIMIT_BYTES)));
}

/** Runs one case; the Go side bounds itself (window + drain timeout), this adds a hard kill. */
export async function runClient(binary: string, run: ClientRun): Promise<ClientResult> {
  const drainSeconds = 15;
  const child = new Deno.Command(binary, {
    args: [
      `-bootstrap=${run.bootstrap}`,
      `-topic=${run.topic}`,
      `-partitions=${run.partitions}`,
      `-acks=${run.acks}`,
      `-record-bytes=${run.recordBytes}`,
      `-producers=${run.producers}`,
      `-duration=${run.seconds}s`,
      `-warmup=${run.warmupSeconds}s`,
      `-rate=${run.ratePerSec}`,
      `-linger=${run.lingerMs}ms`,
      `-buffer-bytes=${run.bufferBytesPerClient}`,
      `-buffer-records=${run.bufferRecordsPerClient}`,
      `-drain-timeout=${drainSeconds}s`,
    ],
    ...(run.goMaxProcs === undefined ? {} : { env: { GOMAXPROCS: String(run.goMaxProcs) } }),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const hardLimitMs = (run.seconds + run.warmupSeconds + drainSeconds + 30) * 1000;
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  }, hardLimitMs);
  let out: Deno.CommandOutput;
  try {
    out = await child.output();
  } finally {
    clearTimeout(timer);
  }
  const stdout = limited(out.stdout);
  if (!out.success) {
    throw new ClientError(
      `producebench exited ${out.code} (signal ${out.signal}):\n${limited(out.stderr)}`,
    );
  }
  const line = stdout.trim().split("\n").at(-1) ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new ClientError(`producebench printed no JSON line: ${stdout}`);
  }
  const result = parsed as ClientResult;
  if (typeof result.acked !== "number" || typeof result.p99Ms !== "number") {
    throw new ClientError(`producebench JSON lacks fields: ${line}`);
  }
  return result;
}
