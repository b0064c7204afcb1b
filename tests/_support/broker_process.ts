/**
 * Runs Chronik as a child process for fault tests: start on a given data dir and port, kill with
 * any signal, restart on the same data. Output is kept (bounded) for failure messages.
 */
import { nativeCrc32cFlags } from "../../src/kafka/records/crc32c_native.ts";
import { waitForPort } from "./kafka_client.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const OUTPUT_TAIL_BYTES = 16_384;

export interface BrokerProcess {
  readonly port: number;
  readonly dataDir: string;
  kill(signal: Deno.Signal): Promise<Deno.CommandStatus>;
  outputTail(): string;
}

/**
 * The permissions a launched broker gets: the ones the `start` task grants (`--allow-sys=statfs`
 * for the data volume's size in DescribeLogDirs), with `--allow-ffi` scoped to the native
 * CRC32C's directory as found on this machine. Tests, interop and bench launch brokers with these.
 */
export function brokerPermissions(): string[] {
  return [
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-sys=statfs",
    ...nativeCrc32cFlags(),
  ];
}

/** `entry` is `main.ts` by default; a bundle path runs the bundled broker instead. */
export async function startChronik(
  port: number,
  dataDir: string,
  options: { entry?: string; args?: string[] } = {},
): Promise<BrokerProcess> {
  const entry = options.entry ?? `${REPO}main.ts`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...brokerPermissions(),
      entry,
      "--kafka-port",
      String(port),
      "--data-dir",
      dataDir,
      "--admin-port",
      "0",
      ...(options.args ?? []),
    ],
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let tail = "";
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      tail = (tail + decoder.decode(chunk, { stream: true })).slice(-OUTPUT_TAIL_BYTES);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let status: Promise<Deno.CommandStatus> | undefined;
  const proc: BrokerProcess = {
    port,
    dataDir,
    outputTail: () => tail,
    async kill(signal) {
      if (status === undefined) {
        try {
          child.kill(signal);
        } catch { /* already exited */ }
        status = child.status;
      }
      const result = await status;
      await drained;
      return result;
    },
  };
  try {
    await waitForPort(port);
  } catch (e) {
    await proc.kill("SIGKILL");
    throw new Error(`broker did not start: ${e}\n${tail}`);
  }
  return proc;
}
