/**
 * The group member programs, one per client, as a table: how to run one member and what the
 * client supports. Every member takes the same arguments (`--bootstrap --topic --group --name
 * --session-timeout-ms [--instance-id] --timeout-ms`) and speaks the protocol in `mod.ts`.
 *
 * @module
 */

import { DEBIAN_PYTHON, INTEROP_DIR, JAVA_CLASSES_DIR, JAVA_LIB_DIR } from "../_paths.ts";
import { commandWorks } from "../_run.ts";

export type GroupClientName =
  | "kcat"
  | "java"
  | "confluent-kafka-python"
  | "kafka-python"
  | "kafkajs"
  | "franz-go"
  | "platformatic-kafka"
  | "java-cooperative"
  | "confluent-kafka-python-cooperative";

export interface GroupClient {
  name: GroupClientName;
  /** argv of the member program, before the shared arguments. */
  command: readonly string[];
  /** Null when the client has static membership (KIP-345), else why the step is skipped. */
  noStaticMembership: string | null;
  /**
   * How the static member "restarts": `close` (a static member's close sends no LeaveGroup) or
   * `kill` for clients whose close leaves the group even when static.
   */
  staticStop: "close" | "kill";
  /** Null when a live member rides through a broker restart, else why that step is skipped. */
  noLiveRestart: string | null;
  /** Why the client is not usable here, or null when it is. */
  missing(): Promise<string | null>;
}

/** The franz-go member binary, built by `setup.ts` from `go/group/`. */
export const FRANZ_GROUP_BIN = `${INTEROP_DIR}/.cache/franz_group_member`;

const setupHint = "run `deno run -A tests/interop/setup.ts`";
const JVM_FLAGS = [
  "-Xmx256m",
  "-XX:TieredStopAtLevel=1",
  "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
];

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

const denoMember = (file: string) => [
  Deno.execPath(),
  "run",
  "-A",
  `${INTEROP_DIR}/peers/${file}`,
];

export const GROUP_CLIENTS: Record<GroupClientName, GroupClient> = {
  "kcat": {
    name: "kcat",
    command: denoMember("group_kcat.ts"),
    noStaticMembership: null,
    staticStop: "close",
    // Apache Kafka too: "All broker connections are down: terminating" ends kcat -G.
    noLiveRestart: "kcat exits once every broker connection is down",
    missing: async () =>
      await commandWorks("kcat", ["-V"]) ? null : `kcat not on PATH; ${setupHint}`,
  },
  "java": {
    name: "java",
    command: ["java", ...JVM_FLAGS, "-cp", `${JAVA_LIB_DIR}/*:${JAVA_CLASSES_DIR}`, "GroupMember"],
    noStaticMembership: null,
    staticStop: "close",
    noLiveRestart: null,
    missing: () => fileMissing(`${JAVA_CLASSES_DIR}/GroupMember.class`, "Java group member"),
  },
  "confluent-kafka-python": {
    name: "confluent-kafka-python",
    command: [DEBIAN_PYTHON, `${INTEROP_DIR}/peers/group_member.py`, "--client", "confluent"],
    noStaticMembership: null,
    staticStop: "close",
    noLiveRestart: null,
    missing: () => pythonModule("confluent_kafka"),
  },
  "kafka-python": {
    name: "kafka-python",
    command: [DEBIAN_PYTHON, `${INTEROP_DIR}/peers/group_member.py`, "--client", "kafka-python"],
    noStaticMembership: "kafka-python 2.0.2 has no group_instance_id",
    staticStop: "close",
    noLiveRestart: null,
    missing: () => pythonModule("kafka"),
  },
  "kafkajs": {
    name: "kafkajs",
    command: denoMember("group_kafkajs.ts"),
    noStaticMembership: "kafkajs 2.2.4 has no static membership",
    staticStop: "close",
    noLiveRestart: null,
    missing: () => Promise.resolve(null),
  },
  "franz-go": {
    name: "franz-go",
    command: [FRANZ_GROUP_BIN],
    noStaticMembership: null,
    staticStop: "close",
    noLiveRestart: null,
    missing: () => fileMissing(FRANZ_GROUP_BIN, "franz-go group member"),
  },
  "platformatic-kafka": {
    name: "platformatic-kafka",
    command: denoMember("group_platformatic.ts"),
    noStaticMembership: null,
    // 2.12.1 sends LeaveGroup (member id only) on close even with groupInstanceId; Apache Kafka
    // then rebalances, so the restart is a crash (SIGKILL) instead.
    staticStop: "kill",
    noLiveRestart: null,
    missing: () => Promise.resolve(null),
  },
  // The same clients with the cooperative-sticky assignor: incremental rebalances (KIP-429).
  // franz-go's default balancer is cooperative-sticky already.
  "java-cooperative": {
    name: "java-cooperative",
    command: [
      "java",
      ...JVM_FLAGS,
      "-cp",
      `${JAVA_LIB_DIR}/*:${JAVA_CLASSES_DIR}`,
      "GroupMember",
      "--assignor",
      "cooperative-sticky",
    ],
    noStaticMembership: null,
    staticStop: "close",
    noLiveRestart: null,
    missing: () => fileMissing(`${JAVA_CLASSES_DIR}/GroupMember.class`, "Java group member"),
  },
  "confluent-kafka-python-cooperative": {
    name: "confluent-kafka-python-cooperative",
    command: [
      DEBIAN_PYTHON,
      `${INTEROP_DIR}/peers/group_member.py`,
      "--client",
      "confluent",
      "--assignor",
      "cooperative-sticky",
    ],
    noStaticMembership: null,
    staticStop: "close",
    noLiveRestart: null,
    missing: () => pythonModule("confluent_kafka"),
  },
};
