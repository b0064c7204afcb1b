/**
 * DescribeTopicPartitions (KIP-966): Metadata's topic half, paged, as Kafka 4.3's broker answers
 * it. Kafka 4's Admin `describeTopics` (kafka-topics --describe) asks this first.
 *
 * Topics come in name order (UTF-16 code units, as Java's `compareTo`), from the cursor's topic
 * on; the cursor's topic starts at the cursor's partition, every other one at 0. An answer holds
 * at most `responsePartitionLimit` partitions, clamped to [1, `max.request.partition.size.limit`]; when
 * the limit stops it, `nextCursor` names where the next request goes on. No topic list means every
 * topic; a named topic that does not exist is answered UNKNOWN_TOPIC_OR_PARTITION (or
 * INVALID_TOPIC_EXCEPTION for an invalid name) and counts nothing against the limit.
 *
 * @module
 */
import { ErrorCode } from "../protocol/errors.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import { topicNameProblem } from "../../cluster/topic_admin.ts";
import type { TopicRecord } from "../../cluster/meta/tables.ts";
import type { BrokerContext } from "./context.ts";
import { partitionState } from "./metadata.ts";
import { isInternalTopic } from "./_topics.ts";
import {
  AUTHORIZED_OPERATIONS_OMITTED,
  byCodeUnits,
  defineHandler,
  TOPIC_OPERATIONS_ALL,
} from "./_util.ts";

interface Cursor {
  topicName: string;
  partitionIndex: number;
}

interface DescribeTopicPartitionsRequest {
  topics: { name: string }[];
  responsePartitionLimit: number;
  cursor: Cursor | null;
}

export const describeTopicPartitionsHandler = defineHandler<DescribeTopicPartitionsRequest>(
  (broker, { body }) => {
    const refusal = refusalOf(body);
    return refusal === undefined ? describePage(broker, body) : refused(body, refusal);
  },
);

/**
 * Kafka refuses the whole request (INVALID_REQUEST) for a cursor with a negative partition or
 * naming a topic the topic list lacks. Without a cursor, Kafka takes the topic named "" for the
 * cursor's and reads the missing cursor's partition for it: a named empty topic fails the request,
 * which Kafka answers UNKNOWN_SERVER_ERROR.
 */
function refusalOf({ topics, cursor }: DescribeTopicPartitionsRequest): number | undefined {
  if (cursor === null) {
    return topics.some((t) => t.name === "") ? ErrorCode.UNKNOWN_SERVER_ERROR : undefined;
  }
  const named = topics.length > 0;
  if (named && !topics.some((t) => t.name === cursor.topicName)) return ErrorCode.INVALID_REQUEST;
  return cursor.partitionIndex < 0 ? ErrorCode.INVALID_REQUEST : undefined;
}

/** Each requested topic as asked (in order, repeats too) with the error alone, no cursor. */
function refused(body: DescribeTopicPartitionsRequest, errorCode: number) {
  return {
    throttleTimeMs: 0,
    topics: body.topics.map((t) => ({
      errorCode,
      name: t.name,
      topicId: ZERO_UUID,
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    })),
    nextCursor: null,
  };
}

function describePage(broker: BrokerContext, body: DescribeTopicPartitionsRequest) {
  const tables = broker.meta.tables;
  const named = body.topics.length > 0;
  const cursor = body.cursor;
  const first = cursor?.topicName ?? "";
  const names = named ? body.topics.map((t) => t.name) : [...tables.topics()].map((t) => t.name);
  const ordered = [...new Set(names)].filter((name) => name >= first).sort(byCodeUnits);
  const most = broker.settings.maxRequestPartitionSizeLimit;
  let remaining = Math.max(Math.min(most, body.responsePartitionLimit), 1);
  const topics: Record<string, unknown>[] = [];
  const page = (nextCursor: Cursor | null) => ({ throttleTimeMs: 0, topics, nextCursor });
  for (const name of ordered) {
    if (remaining === 0) return page({ topicName: name, partitionIndex: 0 });
    const topic = tables.topic(name);
    if (topic === undefined) {
      if (named) topics.push(missingTopic(name));
      continue;
    }
    const start = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0;
    // Java int arithmetic, as Kafka's: a start near 2^31 wraps the end (and the cursor) negative.
    const end = Math.min(topic.partitions.length, (start + remaining) | 0);
    topics.push(describeTopic(broker, topic, start, end));
    if (end < topic.partitions.length) return page({ topicName: name, partitionIndex: end });
    remaining -= Math.max(end - start, 0);
  }
  return page(null);
}

/** Partitions [start, end) of a topic; Kafka sets no partition error, even without a leader. */
function describeTopic(broker: BrokerContext, topic: TopicRecord, start: number, end: number) {
  const partitions = [];
  for (let index = start; index < end; index++) {
    partitions.push({
      errorCode: ErrorCode.NONE,
      ...partitionState(broker, topic, index),
      // No eligible leader replicas are kept here: Kafka's answer with none (empty, not null).
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
    });
  }
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: isInternalTopic(topic.name),
    partitions,
    topicAuthorizedOperations: TOPIC_OPERATIONS_ALL,
  };
}

function missingTopic(name: string) {
  return {
    errorCode: topicNameProblem(name) === undefined
      ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
      : ErrorCode.INVALID_TOPIC_EXCEPTION,
    name,
    topicId: ZERO_UUID,
    isInternal: isInternalTopic(name),
    partitions: [],
    topicAuthorizedOperations: TOPIC_OPERATIONS_ALL,
  };
}
