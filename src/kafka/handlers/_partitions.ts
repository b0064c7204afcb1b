/** Resolving (topic name | topic id, partition) from a request to a local partition or an error. */
import type { Partition } from "../../cluster/partition.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { BrokerContext } from "./context.ts";

export type Resolved =
  | { readonly ok: true; readonly partition: Partition }
  | { readonly ok: false; readonly errorCode: number };

/** Topic name for a request that names topics by id (newer versions) or by name. */
export function topicName(
  broker: BrokerContext,
  byId: boolean,
  name: string | undefined,
  topicId: string | undefined,
): string | undefined {
  if (!byId) return name;
  return topicId === undefined ? undefined : broker.meta.tables.topicById(topicId)?.name;
}

export function resolvePartition(
  broker: BrokerContext,
  topic: string | undefined,
  index: number,
  byId: boolean,
): Resolved {
  if (topic === undefined) {
    return {
      ok: false,
      errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    };
  }
  const record = broker.meta.tables.topic(topic);
  if (record === undefined || index < 0 || index >= record.partitions.length) {
    return { ok: false, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  }
  const partition = broker.partitions.get(topic, index);
  if (partition !== undefined) return { ok: true, partition };
  // In the tables but not open here (being created, or led elsewhere): Kafka's answer on the data
  // path, which every client handles by refreshing its metadata. LEADER_NOT_AVAILABLE belongs in
  // Metadata answers only; the Java consumer throws on it in a Fetch answer.
  return { ok: false, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
}

/**
 * Whether a {@link resolvePartition} refusal says the partition does not exist (rather than that
 * it is not served here). Kafka answers those first, before checking anything else of a request.
 */
export function isUnknownPartition(errorCode: number): boolean {
  return errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ||
    errorCode === ErrorCode.UNKNOWN_TOPIC_ID;
}

/** The current leader epoch of a client that does not know it (KIP-320). */
export const NO_LEADER_EPOCH = -1;

/**
 * KIP-320 epoch fencing: a client that knows a newer epoch than ours is ahead of us
 * (UNKNOWN_LEADER_EPOCH, retry); one that knows an older epoch must refresh (FENCED_LEADER_EPOCH).
 * Only -1 means "no epoch": Kafka's ListOffsets and OffsetForLeaderEpoch fence any other negative
 * one as older (Fetch maps every negative epoch to -1 before asking).
 */
export function epochError(partition: Partition, currentLeaderEpoch: number): number {
  if (currentLeaderEpoch === NO_LEADER_EPOCH || currentLeaderEpoch === partition.leaderEpoch) {
    return ErrorCode.NONE;
  }
  return currentLeaderEpoch > partition.leaderEpoch
    ? ErrorCode.UNKNOWN_LEADER_EPOCH
    : ErrorCode.FENCED_LEADER_EPOCH;
}
