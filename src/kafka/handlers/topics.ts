/**
 * CreateTopics, DeleteTopics and CreatePartitions: thin adapters from the wire shapes to
 * {@link TopicAdmin}, which owns the rules. Creates wait until the local partitions exist, so a
 * client that produces right after CreateTopics finds its partitions.
 *
 * @module
 */
import { ErrorCode } from "../protocol/errors.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import { internalTopicRefusal, topicAdmin } from "./_topics.ts";
import { effectiveTopicConfigs, topicConfigDef } from "../../cluster/meta/topic_configs.ts";
import { defineHandler } from "./_util.ts";
import { CONFIG_SOURCE, configTypeCode, effectiveBrokerDefaults } from "./configs.ts";

interface CreateTopicsRequest {
  topics: {
    name: string;
    numPartitions: number;
    replicationFactor: number;
    assignments: { partitionIndex: number; brokerIds: number[] }[];
    configs: { name: string; value: string | null }[];
  }[];
  timeoutMs: number;
  validateOnly: boolean;
}

export const createTopicsHandler = defineHandler<CreateTopicsRequest>(async (broker, { body }) => {
  const tooMany = topicAdmin(broker).requestProblem(body.topics);
  if (tooMany !== undefined) {
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((t) => createdError(t.name, tooMany.errorCode, tooMany.errorMessage)),
    };
  }
  const counts = new Map<string, number>();
  for (const t of body.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const results = [];
  for (const t of body.topics) {
    if (counts.get(t.name)! > 1) {
      results.push(
        createdError(t.name, ErrorCode.INVALID_REQUEST, "topic named twice in one request"),
      );
      continue;
    }
    const internal = internalTopicRefusal(t.name);
    if (internal !== undefined) {
      results.push(createdError(t.name, ErrorCode.INVALID_REQUEST, internal));
      continue;
    }
    const created = await topicAdmin(broker).createTopic(t, body.validateOnly);
    if (created.errorCode !== ErrorCode.NONE) {
      results.push(createdError(t.name, created.errorCode, created.errorMessage));
      continue;
    }
    const overrides = Object.fromEntries(t.configs.map((c) => [c.name, c.value ?? ""]));
    const effective = effectiveTopicConfigs(overrides, effectiveBrokerDefaults(broker));
    results.push({
      name: t.name,
      topicId: created.topicId ?? ZERO_UUID,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      numPartitions: created.numPartitions,
      replicationFactor: created.replicationFactor,
      configs: [...effective].map(([name, v]) => ({
        name,
        value: v.value,
        readOnly: false,
        configSource: v.isDefault
          ? CONFIG_SOURCE.DEFAULT_CONFIG
          : CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG,
        isSensitive: false,
        configType: configTypeCode(topicConfigDef(name)!.type),
      })),
    });
  }
  if (!body.validateOnly) await broker.partitions.settled();
  return { throttleTimeMs: 0, topics: results };
});

function createdError(name: string, errorCode: number, errorMessage: string | null) {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode,
    errorMessage,
    numPartitions: -1,
    replicationFactor: -1,
    configs: null,
  };
}

interface DeleteTopicsRequest {
  topics?: { name: string | null; topicId: string }[];
  topicNames?: string[];
  timeoutMs: number;
}

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest>(
  async (broker, { version, body }) => {
    const wanted = version >= 6
      ? body.topics!.map((t) => ({
        name: t.name,
        topicId: t.topicId === ZERO_UUID ? null : t.topicId,
      }))
      : body.topicNames!.map((name) => ({ name, topicId: null }));
    const responses = [];
    for (const w of wanted) {
      const named = w.name ??
        (w.topicId === null ? null : broker.meta.tables.topicById(w.topicId)?.name);
      const internal = internalTopicRefusal(named);
      if (internal !== undefined) {
        responses.push({
          name: w.name,
          topicId: w.topicId ?? ZERO_UUID,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: internal,
        });
        continue;
      }
      const r = await topicAdmin(broker).deleteTopic(w.name, w.topicId);
      responses.push({
        name: r.name,
        topicId: r.topicId ?? ZERO_UUID,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
      });
    }
    await broker.partitions.settled();
    return { throttleTimeMs: 0, responses };
  },
);

interface CreatePartitionsRequest {
  topics: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[];
  timeoutMs: number;
  validateOnly: boolean;
}

export const createPartitionsHandler = defineHandler<CreatePartitionsRequest>(
  async (broker, { body }) => {
    const results = [];
    for (const t of body.topics) {
      const internal = internalTopicRefusal(t.name);
      if (internal !== undefined) {
        results.push({
          name: t.name,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: internal,
        });
        continue;
      }
      const r = await topicAdmin(broker).createPartitions(
        t.name,
        t.count,
        t.assignments?.map((a) => a.brokerIds) ?? null,
        body.validateOnly,
      );
      results.push({ name: t.name, errorCode: r.errorCode, errorMessage: r.errorMessage });
    }
    if (!body.validateOnly) await broker.partitions.settled();
    return { throttleTimeMs: 0, results };
  },
);
