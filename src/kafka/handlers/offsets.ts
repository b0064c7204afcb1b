/**
 * Offset queries and moves: ListOffsets (earliest, earliest local, latest, by timestamp, max
 * timestamp), OffsetForLeaderEpoch (end offset of an epoch, KIP-101/320) and DeleteRecords (moves
 * the log start offset).
 *
 * @module
 */
import { ErrorCode } from "../protocol/errors.ts";
import {
  epochError,
  isUnknownPartition,
  oncePerPartition,
  resolvePartition,
} from "./_partitions.ts";
import { internalTopicRefusal } from "./_topics.ts";
import { big, defineHandler, num } from "./_util.ts";

interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel: number;
  topics: {
    name: string;
    partitions: { partitionIndex: number; currentLeaderEpoch: number; timestamp: bigint }[];
  }[];
}

/**
 * The first ListOffsets version that may ask for each special (negative) timestamp: -2 earliest,
 * -1 latest, -3 max timestamp, -4 earliest local, -5 latest tiered, -6 earliest pending upload
 * (KIP-1023). As in Kafka, any other negative timestamp, or one asked below its version, gets
 * UNSUPPORTED_VERSION. With no tiered storage, -5 and -6 find no offset: NONE with offset,
 * timestamp and leader epoch -1, as Kafka 4.3.1 answers them for a topic without it.
 */
const SPECIAL_TIMESTAMP_SINCE: ReadonlyMap<bigint, number> = new Map([
  [-2n, 0],
  [-1n, 0],
  [-3n, 7],
  [-4n, 8],
  [-5n, 9],
  [-6n, 11],
]);

export const listOffsetsHandler = defineHandler<ListOffsetsRequest>(
  async (broker, { version, body }) => {
    // A partition named more than once is answered once, INVALID_REQUEST, as Kafka answers it.
    const { topics, repeated } = oncePerPartition(
      body.topics,
      (t) => t.name,
      (t) => t.partitions,
      (p) => p.partitionIndex,
      (t, partitions) => ({ ...t, partitions }),
    );
    return {
      throttleTimeMs: 0,
      topics: await Promise.all(topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(t.partitions.map(async (p) => {
          const base = {
            partitionIndex: p.partitionIndex,
            timestamp: -1n,
            offset: -1n,
            leaderEpoch: -1,
          };
          if (repeated.has(p)) {
            return { ...base, errorCode: ErrorCode.INVALID_REQUEST };
          }
          const since = p.timestamp < 0n ? SPECIAL_TIMESTAMP_SINCE.get(p.timestamp) : 0;
          if (since === undefined || version < since) {
            return { ...base, errorCode: ErrorCode.UNSUPPORTED_VERSION };
          }
          const resolved = resolvePartition(broker, t.name, p.partitionIndex, false);
          if (!resolved.ok) return { ...base, errorCode: resolved.errorCode };
          const fenced = epochError(resolved.partition, p.currentLeaderEpoch);
          if (fenced !== ErrorCode.NONE) return { ...base, errorCode: fenced };
          const found = await resolved.partition.listOffset(num(p.timestamp), body.isolationLevel);
          if (found === null) return { ...base, errorCode: ErrorCode.NONE };
          return {
            partitionIndex: p.partitionIndex,
            errorCode: ErrorCode.NONE,
            timestamp: big(found.timestamp),
            offset: big(found.offset),
            leaderEpoch: found.leaderEpoch,
          };
        })),
      }))),
    };
  },
);

interface OffsetForLeaderEpochRequest {
  replicaId: number;
  topics: {
    topic: string;
    partitions: { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[];
  }[];
}

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest>(
  (broker, { body }) => ({
    throttleTimeMs: 0,
    topics: body.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const base = { partition: p.partition, leaderEpoch: -1, endOffset: -1n };
        const resolved = resolvePartition(broker, t.topic, p.partition, false);
        if (!resolved.ok) return { ...base, errorCode: resolved.errorCode };
        const fenced = epochError(resolved.partition, p.currentLeaderEpoch);
        if (fenced !== ErrorCode.NONE) return { ...base, errorCode: fenced };
        const end = resolved.partition.endOffsetForEpoch(p.leaderEpoch);
        return {
          partition: p.partition,
          errorCode: ErrorCode.NONE,
          leaderEpoch: end.leaderEpoch,
          endOffset: big(end.endOffset),
        };
      }),
    })),
  }),
);

interface DeleteRecordsRequest {
  topics: { name: string; partitions: { partitionIndex: number; offset: bigint }[] }[];
  timeoutMs: number;
}

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest>(async (
  broker,
  { body },
) => ({
  throttleTimeMs: 0,
  // A partition named twice is moved once, to its last naming's offset, as Kafka's map of the
  // request keeps it.
  topics: await Promise.all(
    oncePerPartition(
      body.topics,
      (t) => t.name,
      (t) => t.partitions,
      (p) => p.partitionIndex,
      (t, partitions) => ({ ...t, partitions }),
    ).topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(t.partitions.map(async (p) => {
        const refused = (errorCode: number) => ({
          partitionIndex: p.partitionIndex,
          lowWatermark: -1n,
          errorCode,
        });
        // Kafka answers a partition it does not know first, then refuses every internal topic
        // (there, the group offsets), then checks leadership.
        const resolved = resolvePartition(broker, t.name, p.partitionIndex, false);
        if (!resolved.ok && isUnknownPartition(resolved.errorCode)) {
          return refused(resolved.errorCode);
        }
        if (internalTopicRefusal(t.name) !== undefined) {
          return refused(ErrorCode.INVALID_TOPIC_EXCEPTION);
        }
        if (!resolved.ok) return refused(resolved.errorCode);
        const result = await resolved.partition.deleteRecordsBefore(num(p.offset));
        return {
          partitionIndex: p.partitionIndex,
          lowWatermark: big(result.lowWatermark),
          errorCode: result.errorCode,
        };
      })),
    })),
  ),
}));
