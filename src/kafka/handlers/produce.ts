/**
 * Produce: hands each partition's record batches to the partition, which validates, assigns
 * offsets and makes them durable before resolving. Partitions of one request proceed in parallel;
 * the response lists them in request order. acks=0 gets no response at all, or a closed connection
 * when a partition failed.
 *
 * @module
 */
import { ErrorCode } from "../protocol/errors.ts";
import { CloseConnection } from "../server/types.ts";
import { BatchView, hasTransactionalBatch } from "../records/mod.ts";
import type { ProduceResult } from "../../cluster/partition.ts";
import { topicNameProblem } from "../../cluster/topic_admin.ts";
import {
  isUnknownPartition,
  oncePerPartition,
  resolvePartition,
  topicName,
} from "./_partitions.ts";
import { autoCreateTopic, internalTopicRefusal } from "./_topics.ts";
import { big, defineHandler } from "./_util.ts";

interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: {
    name?: string;
    topicId?: string;
    partitionData: { index: number; records: Uint8Array | null }[];
  }[];
}

const failed = (errorCode: number, errorMessage: string | null = null): ProduceResult => ({
  errorCode,
  errorMessage,
  baseOffset: -1,
  logAppendTimeMs: -1,
  logStartOffset: -1,
  recordErrors: [],
});

/** Whether the first batch of `records` says zstd, which Produce before v7 cannot carry (KIP-110). */
function isZstd(records: Uint8Array): boolean {
  try {
    return new BatchView(records).codec === "zstd";
  } catch {
    return false; // truncated or an unknown codec: the partition's validation refuses it
  }
}

/**
 * Whether the request carries transactional batches. Kafka refuses the whole request then unless
 * its transactional id may write; with no transactions here, none may. A transactional id beside
 * plain batches is ignored, as Kafka ignores it.
 */
function hasTransactionalRecords(body: ProduceRequest): boolean {
  return body.topicData.some((t) =>
    t.partitionData.some((p) => p.records !== null && hasTransactionalBatch(p.records))
  );
}

export const produceHandler = defineHandler<ProduceRequest>(async (broker, { version, body }) => {
  const byId = version >= 13;
  const acks = body.acks;
  const refuseAll = hasTransactionalRecords(body)
    ? failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "transactions are not supported")
    : undefined;
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  if (refuseAll === undefined && validAcks && !byId && broker.settings.autoCreateTopics) {
    for (const topic of body.topicData) {
      const name = topic.name ?? "";
      if (broker.meta.tables.topic(name) === undefined && topicNameProblem(name) === undefined) {
        await autoCreateTopic(broker, name);
      }
    }
  }
  // A partition named twice is written once, with its last naming's batch, as Kafka's map of the
  // request keeps it.
  const { topics } = oncePerPartition(
    body.topicData,
    (t) => byId ? t.topicId : t.name,
    (t) => t.partitionData,
    (p) => p.index,
    (t, partitionData) => ({ ...t, partitionData }),
  );
  const pending = topics.map((topic) => {
    const name = topicName(broker, byId, topic.name, topic.topicId);
    return topic.partitionData.map((p): Promise<ProduceResult> => {
      // Kafka's order: unknown partitions, the records' form, acks, then the partition itself.
      if (refuseAll !== undefined) return Promise.resolve(refuseAll);
      const resolved = resolvePartition(broker, name, p.index, byId);
      if (!resolved.ok && isUnknownPartition(resolved.errorCode)) {
        return Promise.resolve(failed(resolved.errorCode));
      }
      if (p.records === null || p.records.length === 0) {
        return Promise.resolve(failed(ErrorCode.INVALID_RECORD, "no record batch"));
      }
      if (version < 7 && isZstd(p.records)) {
        return Promise.resolve(
          failed(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, "zstd needs Produce v7 or later"),
        );
      }
      if (!validAcks) {
        return Promise.resolve(
          failed(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, not ${acks}`),
        );
      }
      const internal = internalTopicRefusal(name);
      if (internal !== undefined) {
        return Promise.resolve(failed(ErrorCode.INVALID_TOPIC_EXCEPTION, internal));
      }
      if (!resolved.ok) return Promise.resolve(failed(resolved.errorCode));
      return resolved.partition.produce(p.records, acks);
    });
  });
  const results = await Promise.all(pending.map((parts) => Promise.all(parts)));
  if (acks === 0) {
    // No response: a failure is told by closing the connection, so the client refreshes its
    // metadata instead of sending on into the same error (Kafka does the same).
    const errors = results.flat().filter((r) => r.errorCode !== ErrorCode.NONE).length;
    if (errors === 0) return null;
    return new CloseConnection(`acks=0 produce failed on ${errors} partition(s)`);
  }
  return {
    responses: topics.map((topic, t) => ({
      name: topic.name ?? "",
      topicId: topic.topicId,
      partitionResponses: topic.partitionData.map((p, i) => {
        const r = results[t]![i]!;
        return {
          index: p.index,
          errorCode: r.errorCode,
          baseOffset: big(r.baseOffset),
          logAppendTimeMs: big(r.logAppendTimeMs),
          logStartOffset: big(r.logStartOffset),
          recordErrors: r.recordErrors.map((e) => ({
            batchIndex: e.batchIndex,
            batchIndexErrorMessage: e.message,
          })),
          errorMessage: r.errorMessage,
        };
      }),
    })),
    throttleTimeMs: 0,
  };
});
