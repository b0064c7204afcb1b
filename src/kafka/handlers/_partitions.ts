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
  if (broker.meta.tables.partition(topic, index) === undefined) {
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

/** A request's topics with every partition once; see {@link oncePerPartition}. */
export interface Deduplicated<T, P> {
  readonly topics: readonly T[];
  /** The partitions (as kept) that the request named more than once. */
  readonly repeated: ReadonlySet<P>;
}

/**
 * A request's topics with every partition once, as Kafka reads Produce, Fetch, ListOffsets and
 * DeleteRecords requests into a map keyed by topic and partition: a partition named more than once
 * keeps the place of its first naming and the fields of its last, and a topic given in several
 * entries becomes one entry at its first place. A request that names each partition once (every
 * client's) comes back as it is.
 */
export function oncePerPartition<T, P>(
  topics: readonly T[],
  topicKey: (t: T) => unknown,
  partitionsOf: (t: T) => readonly P[],
  indexOf: (p: P) => number,
  withPartitions: (t: T, partitions: P[]) => T,
): Deduplicated<T, P> {
  if (topics.length === 1 && partitionsOf(topics[0]!).length <= 1) {
    return { topics, repeated: new Set() };
  }
  const byTopic = new Map<unknown, { first: T; partitions: Map<number, P> }>();
  const repeatedAt = new Map<unknown, Set<number>>();
  let named = 0;
  for (const t of topics) {
    const key = topicKey(t);
    let entry = byTopic.get(key);
    if (entry === undefined) byTopic.set(key, entry = { first: t, partitions: new Map() });
    for (const p of partitionsOf(t)) {
      named++;
      const index = indexOf(p);
      if (entry.partitions.has(index)) {
        let at = repeatedAt.get(key);
        if (at === undefined) repeatedAt.set(key, at = new Set());
        at.add(index);
      }
      entry.partitions.set(index, p); // a Map keeps the first place of a key set again
    }
  }
  let kept = 0;
  for (const entry of byTopic.values()) kept += entry.partitions.size;
  if (kept === named && byTopic.size === topics.length) return { topics, repeated: new Set() };
  const repeated = new Set<P>();
  for (const [key, at] of repeatedAt) {
    for (const index of at) repeated.add(byTopic.get(key)!.partitions.get(index)!);
  }
  return {
    topics: [...byTopic.values()].map((e) => withPartitions(e.first, [...e.partitions.values()])),
    repeated,
  };
}
