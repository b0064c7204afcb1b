/**
 * The interop peers as one table, and the call a suite makes: run one peer against a running
 * broker and get its parsed JSON verdict. Each peer is a separate program (see `peers/`, `java/`,
 * `go/`) that creates a topic, produces records 0..count-1 with a codec and idempotence flag, reads
 * them back in assign mode and checks them.
 *
 * @module
 */

import type { RunningBroker } from "./_broker.ts";
import { DEBIAN_PYTHON, FRANZ_BIN, INTEROP_DIR, JAVA_CLASSES_DIR, REPO_ROOT } from "./_paths.ts";
import { commandWorks, runBounded } from "./_run.ts";
import type { Codec, Verdict } from "./peers/_records.ts";

export type { Codec, Verdict };

export type ClientName =
  | "kcat"
  | "confluent-kafka-python"
  | "kafka-python"
  | "kafkajs"
  | "platformatic-kafka"
  | "java"
  | "franz-go";

export interface PeerSpec {
  name: ClientName;
  /** Codecs the client can produce. */
  codecs: readonly Codec[];
  /** Whether the client has an idempotent producer (the suites turn it on where it does). */
  idempotence: boolean;
  /** argv that runs the peer, before the shared `--bootstrap ...` arguments. */
  command: readonly string[];
  /** Why the client is not usable here, or null when it is. */
  missing(): Promise<string | null>;
}

const ALL: readonly Codec[] = ["none", "gzip", "snappy", "lz4", "zstd"];
const denoPeer = (file: string) => [Deno.execPath(), "run", "-A", `${INTEROP_DIR}/peers/${file}`];
const setupHint = "run `deno run -A tests/interop/setup.ts`";

async function fileMissing(path: string, what: string): Promise<string | null> {
  try {
    await Deno.stat(path);
    return null;
  } catch {
    return `${what} not built (${path}); ${setupHint}`;
  }
}

async function pythonModule(module: string): Promise<string | null> {
  return await commandWorks(DEBIAN_PYTHON, ["-c", `import ${module}`])
    ? null
    : `${DEBIAN_PYTHON} cannot import ${module}; ${setupHint}`;
}

export const PEERS: Record<ClientName, PeerSpec> = {
  "kcat": {
    name: "kcat",
    codecs: ALL,
    idempotence: true,
    command: denoPeer("kcat_peer.ts"),
    missing: async () =>
      await commandWorks("kcat", ["-V"])
        ? await pythonModule("confluent_kafka") // creates kcat's topics
        : `kcat not on PATH; ${setupHint}`,
  },
  "confluent-kafka-python": {
    name: "confluent-kafka-python",
    codecs: ALL,
    idempotence: true,
    command: [DEBIAN_PYTHON, `${INTEROP_DIR}/peers/confluent_peer.py`],
    missing: () => pythonModule("confluent_kafka"),
  },
  "kafka-python": {
    name: "kafka-python",
    codecs: ALL,
    idempotence: false, // kafka-python 2.0.2 has no idempotent producer
    command: [DEBIAN_PYTHON, `${INTEROP_DIR}/peers/kafka_python_peer.py`],
    missing: () => pythonModule("kafka, snappy, lz4, zstandard"),
  },
  "kafkajs": {
    name: "kafkajs",
    codecs: ALL,
    idempotence: true,
    command: denoPeer("kafkajs_peer.ts"),
    missing: () => Promise.resolve(null), // an npm: import, pinned in deno.lock
  },
  "platformatic-kafka": {
    name: "platformatic-kafka",
    codecs: ALL,
    idempotence: true,
    command: denoPeer("platformatic_peer.ts"),
    missing: () => Promise.resolve(null),
  },
  "java": {
    name: "java",
    codecs: ALL,
    idempotence: true,
    command: denoPeer("java_peer.ts"),
    missing: () => fileMissing(`${JAVA_CLASSES_DIR}/ProducerPeer.class`, "Java peer"),
  },
  "franz-go": {
    name: "franz-go",
    codecs: ALL,
    idempotence: true,
    command: [FRANZ_BIN],
    missing: () => fileMissing(FRANZ_BIN, "franz-go peer"),
  },
};

export interface PeerRun {
  /** The topic the peer created, produced to and read back. */
  topic: string;
  /** The parsed verdict line, or null when the peer printed none. */
  verdict: Verdict | null;
  /** Human-readable summary for assertion messages. */
  describe: string;
}

/** Runs one peer against `broker`; the topic name is unique per call. */
export async function runPeer(
  spec: PeerSpec,
  broker: RunningBroker,
  options: { codec: Codec; idempotent: boolean; count: number; timeoutMs: number },
): Promise<PeerRun> {
  const topic = `interop-${spec.name}-${options.codec}-${crypto.randomUUID().slice(0, 8)}`;
  const [cmd, ...prefix] = spec.command;
  const result = await runBounded(cmd!, [
    ...prefix,
    "--bootstrap",
    broker.bootstrap,
    "--topic",
    topic,
    "--count",
    String(options.count),
    "--compression",
    options.codec,
    "--idempotent",
    String(options.idempotent),
    "--timeout-ms",
    String(options.timeoutMs),
  ], { cwd: REPO_ROOT, timeoutMs: options.timeoutMs + 30_000 });
  const line = result.stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  let verdict: Verdict | null = null;
  try {
    verdict = line ? JSON.parse(line) as Verdict : null;
  } catch {
    verdict = null;
  }
  const where = `${spec.name} (${options.codec}, idempotent=${options.idempotent}) against ` +
    `${broker.target} at ${broker.bootstrap}`;
  const describe = verdict
    ? `${where}: ${line}`
    : `${where}: no verdict line (exit ${result.code}${result.timedOut ? ", timed out" : ""})\n` +
      `stdout: ${result.stdout.slice(-2_000)}\nstderr: ${result.stderr.slice(-3_000)}`;
  return { topic, verdict, describe };
}
