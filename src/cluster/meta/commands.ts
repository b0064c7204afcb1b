/**
 * Metadata commands: the numbered, versioned changes that make up the cluster's metadata log.
 * A standalone node writes them to a local durable log; a cluster will replicate the same commands
 * through the `__meta` Raft group. Applying them (see `tables.ts`) is deterministic, so every node
 * that applies the same commands holds the same tables.
 *
 * Encoding is JSON with an explicit version field: small, inspectable, and easy to evolve (a new
 * field gets a default on decode; a new command kind gets a new `type`).
 *
 * @module
 */

/** Replicas of one partition, preferred leader first. */
export interface PartitionAssignment {
  readonly replicas: readonly number[];
}

export type MetaCommand =
  | {
    readonly type: "registerBroker";
    readonly nodeId: number;
    readonly host: string;
    readonly port: number;
    readonly rack: string | null;
  }
  | {
    readonly type: "createTopic";
    readonly name: string;
    /** Kafka's 22-character text form of the topic UUID (see kafka/protocol/uuid.ts). */
    readonly topicId: string;
    readonly partitions: readonly PartitionAssignment[];
    readonly configs: Readonly<Record<string, string>>;
  }
  | { readonly type: "deleteTopic"; readonly name: string; readonly topicId: string }
  | {
    readonly type: "createPartitions";
    readonly name: string;
    readonly added: readonly PartitionAssignment[];
  }
  | {
    /** Reserves `count` producer ids for one node; ids are never handed out twice. */
    readonly type: "allocateProducerIds";
    readonly nodeId: number;
    readonly count: number;
  }
  | {
    readonly type: "alterConfigs";
    /** `topic` with a topic name, or `broker` with a node id as string ("" = cluster default). */
    readonly resource: "topic" | "broker";
    readonly name: string;
    readonly set: Readonly<Record<string, string>>;
    readonly remove: readonly string[];
  };

export type MetaCommandType = MetaCommand["type"];

/** Current encoding version. Decoders accept every version up to this one. */
export const META_COMMAND_VERSION = 1;

export class MetaCommandDecodeError extends Error {
  override readonly name = "MetaCommandDecodeError";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeMetaCommand(cmd: MetaCommand): Uint8Array {
  return encoder.encode(JSON.stringify({ v: META_COMMAND_VERSION, cmd }));
}

export function decodeMetaCommand(bytes: Uint8Array): MetaCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    throw new MetaCommandDecodeError(`metadata command is not JSON: ${String(err)}`);
  }
  if (!isObject(parsed) || typeof parsed.v !== "number" || !isObject(parsed.cmd)) {
    throw new MetaCommandDecodeError("metadata command lacks version or body");
  }
  if (parsed.v < 1 || parsed.v > META_COMMAND_VERSION) {
    throw new MetaCommandDecodeError(`metadata command version ${parsed.v} is not supported`);
  }
  const cmd = parsed.cmd;
  switch (cmd.type) {
    case "registerBroker":
    case "createTopic":
    case "deleteTopic":
    case "createPartitions":
    case "alterConfigs":
    case "allocateProducerIds":
      return cmd as unknown as MetaCommand;
    default:
      throw new MetaCommandDecodeError(`unknown metadata command type ${String(cmd.type)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
