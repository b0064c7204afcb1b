/**
 * Metadata: brokers, cluster id, and topics with their partitions' leaders, answered from this
 * node's applied metadata tables plus the leadership it knows first-hand (DESIGN.md decision 7).
 * Auto-creates requested topics when the broker and the request allow it.
 *
 * @module
 */
import { ErrorCode } from "../protocol/errors.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import type { TopicRecord } from "../../cluster/meta/tables.ts";
import { topicNameProblem } from "../../cluster/topic_admin.ts";
import { autoCreateTopic, isInternalTopic } from "./_topics.ts";
import type { BrokerContext } from "./context.ts";
import {
  AUTHORIZED_OPERATIONS_OMITTED,
  CLUSTER_OPERATIONS_ALL,
  defineHandler,
  TOPIC_OPERATIONS_ALL,
} from "./_util.ts";

interface MetadataRequest {
  topics: { topicId: string; name: string | null }[] | null;
  allowAutoTopicCreation: boolean;
  includeClusterAuthorizedOperations: boolean;
  includeTopicAuthorizedOperations: boolean;
}

export const metadataHandler = defineHandler<MetadataRequest>(async (broker, { version, body }) => {
  const tables = broker.meta.tables;
  const wantsAll = body.topics === null || (version === 0 && body.topics.length === 0);
  const topics: Record<string, unknown>[] = [];
  const topicOps = body.includeTopicAuthorizedOperations
    ? TOPIC_OPERATIONS_ALL
    : AUTHORIZED_OPERATIONS_OMITTED;
  if (wantsAll) {
    for (const topic of tables.topics()) topics.push(describeTopic(broker, topic, topicOps));
  } else if (version < 12 && body.topics!.some((t) => t.name === null || t.topicId !== ZERO_UUID)) {
    // Kafka refuses the whole request: these versions name topics only, never by id.
    for (const t of body.topics!) {
      topics.push(topicError(ErrorCode.INVALID_REQUEST, t.name ?? "", t.topicId, topicOps));
    }
  } else {
    const autoCreate = broker.settings.autoCreateTopics &&
      (version < 4 || body.allowAutoTopicCreation);
    for (const wanted of requestedTopics(body.topics!)) {
      topics.push(await lookupTopic(broker, wanted, autoCreate, topicOps));
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: [...tables.brokers()].map((b) => ({
      nodeId: b.nodeId,
      host: b.host,
      port: b.port,
      rack: b.rack,
    })),
    clusterId: broker.clusterId,
    controllerId: broker.nodeId,
    topics,
    clusterAuthorizedOperations: body.includeClusterAuthorizedOperations
      ? CLUSTER_OPERATIONS_ALL
      : AUTHORIZED_OPERATIONS_OMITTED,
    errorCode: ErrorCode.NONE,
  };
});

/**
 * Each topic once, as Kafka answers a set: by id alone when any entry gives an id (Kafka then
 * ignores the names), else by name.
 */
function requestedTopics(
  topics: readonly { topicId: string; name: string | null }[],
): { topicId: string; name: string | null }[] {
  const byId = topics.some((t) => t.topicId !== ZERO_UUID);
  const seen = new Set<string | null>();
  return topics.filter((t) => {
    if (byId && t.topicId === ZERO_UUID) return false;
    const key = byId ? t.topicId : t.name;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function lookupTopic(
  broker: BrokerContext,
  wanted: { topicId: string; name: string | null },
  autoCreate: boolean,
  topicOps: number,
): Promise<Record<string, unknown>> {
  const tables = broker.meta.tables;
  // A topic id, when given, names the topic; an empty name is a name (an invalid one), as in Kafka.
  if (wanted.topicId !== ZERO_UUID || wanted.name === null) {
    const byId = tables.topicById(wanted.topicId);
    if (byId !== undefined) return describeTopic(broker, byId, topicOps);
    return topicError(
      ErrorCode.UNKNOWN_TOPIC_ID,
      null,
      wanted.topicId,
      AUTHORIZED_OPERATIONS_OMITTED,
    );
  }
  const name = wanted.name;
  const existing = tables.topic(name);
  if (existing !== undefined) return describeTopic(broker, existing, topicOps);
  if (topicNameProblem(name) !== undefined) {
    return topicError(ErrorCode.INVALID_TOPIC_EXCEPTION, name, ZERO_UUID, topicOps);
  }
  if (!autoCreate) {
    return topicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, ZERO_UUID, topicOps);
  }
  const errorCode = await autoCreateTopic(broker, name);
  const topic = tables.topic(name);
  if (topic !== undefined) return describeTopic(broker, topic, topicOps);
  return topicError(errorCode, name, ZERO_UUID, topicOps);
}

/** An answer without partitions; Kafka fills in the flags a named topic has even then. */
function topicError(errorCode: number, name: string | null, topicId: string, topicOps: number) {
  return {
    errorCode,
    name,
    topicId,
    isInternal: name !== null && isInternalTopic(name),
    partitions: [],
    topicAuthorizedOperations: topicOps,
  };
}

function describeTopic(broker: BrokerContext, topic: TopicRecord, topicOps: number) {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: isInternalTopic(topic.name),
    partitions: topic.partitions.map((_, index) => {
      const state = partitionState(broker, topic, index);
      const errorCode = state.leaderId === NO_LEADER
        ? ErrorCode.LEADER_NOT_AVAILABLE
        : ErrorCode.NONE;
      return { errorCode, ...state };
    }),
    topicAuthorizedOperations: topicOps,
  };
}

/** A partition's `leaderId` while this node knows no leader for it. */
const NO_LEADER = -1;

/**
 * One partition as Metadata and DescribeTopicPartitions describe it: replicas from the tables,
 * leader, epoch and ISR from the leadership this node knows (all unknown while it knows none).
 * No replica is offline: brokers stay registered, and each has one log directory.
 */
export function partitionState(broker: BrokerContext, topic: TopicRecord, index: number) {
  const assignment = topic.partitions[index];
  if (assignment === undefined) throw new Error(`topic ${topic.name} has no partition ${index}`);
  const leadership = broker.partitions.leadership(topic.name, index);
  return {
    partitionIndex: index,
    leaderId: leadership?.leaderId ?? NO_LEADER,
    leaderEpoch: leadership?.leaderEpoch ?? -1,
    replicaNodes: [...assignment.replicas],
    isrNodes: [...(leadership?.isr ?? [])],
    offlineReplicas: [] as number[],
  };
}
