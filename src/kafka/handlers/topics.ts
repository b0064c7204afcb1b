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
import type { BrokerContext } from "./context.ts";
import type { CreatedTopic } from "../../cluster/topic_admin.ts";
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
  // Kafka answers a name given more than once with one INVALID_REQUEST entry, not one per naming,
  // and creates nothing under it.
  const { once, repeated } = splitRepeated(body.topics.map((t) => t.name));
  const results = [];
  for (const t of body.topics) {
    if (!once.has(t.name)) continue;
    const internal = internalTopicRefusal(t.name);
    if (internal !== undefined) {
      results.push(createdError(t.name, ErrorCode.INVALID_REQUEST, internal));
      continue;
    }
    const created = await topicAdmin(broker).createTopic(t, body.validateOnly);
    results.push(
      created.errorCode === ErrorCode.NONE
        ? createdResult(broker, t, created)
        : createdError(t.name, created.errorCode, created.errorMessage),
    );
  }
  for (const name of repeated) {
    results.push(createdError(name, ErrorCode.INVALID_REQUEST, REPEATED_NAME));
  }
  if (!body.validateOnly) await broker.partitions.settled();
  return { throttleTimeMs: 0, topics: results };
});

const REPEATED_NAME = "topic named more than once in one request";

/**
 * The names given exactly once, and those given more than once (each listed once, first seen
 * first).
 */
function splitRepeated(names: readonly string[]): { once: Set<string>; repeated: string[] } {
  const once = new Set<string>();
  const repeated = new Set<string>();
  for (const name of names) (once.has(name) ? repeated : once).add(name);
  for (const name of repeated) once.delete(name);
  return { once, repeated: [...repeated] };
}

function createdResult(
  broker: BrokerContext,
  t: CreateTopicsRequest["topics"][number],
  created: CreatedTopic,
) {
  const overrides = Object.fromEntries(t.configs.map((c) => [c.name, c.value ?? ""]));
  const effective = effectiveTopicConfigs(overrides, effectiveBrokerDefaults(broker));
  return {
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
      configSource: v.isDefault ? CONFIG_SOURCE.DEFAULT_CONFIG : CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG,
      isSensitive: false,
      configType: configTypeCode(topicConfigDef(name)!.type),
    })),
  };
}

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

interface DeletableTopicResult {
  name: string | null;
  topicId: string;
  errorCode: number;
  errorMessage: string | null;
}

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest>(
  async (broker, { version, body }) => {
    const entries = version >= 6
      ? body.topics!
      : body.topicNames!.map((name) => ({ name, topicId: ZERO_UUID }));
    const plan = planDeletions(entries);
    const responses = [...plan.refused];
    const coveredIds = new Set<string>();
    for (const name of plan.names) {
      const id = broker.meta.tables.topic(name)?.topicId;
      if (id !== undefined && plan.idsGiven.has(id)) {
        // Kafka refuses the name and leaves the id naming the same topic unanswered.
        responses.push(deleteRefused(name, id, `topic "${name}" was also given by its id`));
        coveredIds.add(id);
        continue;
      }
      responses.push(await deleteOne(broker, name, null));
    }
    for (const id of plan.ids) {
      if (!coveredIds.has(id)) responses.push(await deleteOne(broker, null, id));
    }
    await broker.partitions.settled();
    return { throttleTimeMs: 0, responses };
  },
);

/**
 * Sorts DeleteTopics entries into names and ids to delete. Kafka answers INVALID_REQUEST, and
 * deletes nothing, for an entry with both a name and an id or with neither, and (in one entry,
 * however often given) for a name or an id given more than once.
 */
function planDeletions(entries: readonly { name: string | null; topicId: string }[]) {
  const refused: DeletableTopicResult[] = [];
  const names: string[] = [];
  const ids: string[] = [];
  for (const { name, topicId } of entries) {
    if (name === null && topicId === ZERO_UUID) {
      refused.push(deleteRefused(null, ZERO_UUID, "neither a topic name nor a topic id was given"));
    } else if (name !== null && topicId !== ZERO_UUID) {
      refused.push(deleteRefused(name, topicId, "give a topic name or a topic id, not both"));
    } else if (name !== null) names.push(name);
    else ids.push(topicId);
  }
  const byName = splitRepeated(names);
  const byId = splitRepeated(ids);
  for (const name of byName.repeated) refused.push(deleteRefused(name, ZERO_UUID, REPEATED_NAME));
  for (const id of byId.repeated) {
    refused.push(deleteRefused(null, id, "topic id given more than once in one request"));
  }
  return { refused, names: [...byName.once], ids: [...byId.once], idsGiven: new Set(ids) };
}

function deleteRefused(name: string | null, topicId: string, errorMessage: string) {
  return { name, topicId, errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

async function deleteOne(
  broker: BrokerContext,
  name: string | null,
  topicId: string | null,
): Promise<DeletableTopicResult> {
  const named = name ?? broker.meta.tables.topicById(topicId!)?.name;
  const internal = internalTopicRefusal(named);
  if (internal !== undefined) return deleteRefused(name, topicId ?? ZERO_UUID, internal);
  const r = await topicAdmin(broker).deleteTopic(name, topicId);
  return {
    name: r.name,
    topicId: r.topicId ?? ZERO_UUID,
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
  };
}

interface CreatePartitionsRequest {
  topics: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[];
  timeoutMs: number;
  validateOnly: boolean;
}

export const createPartitionsHandler = defineHandler<CreatePartitionsRequest>(
  async (broker, { body }) => {
    // Kafka answers a name given more than once with one INVALID_REQUEST entry and grows nothing
    // under it.
    const { once, repeated } = splitRepeated(body.topics.map((t) => t.name));
    const results: { name: string; errorCode: number; errorMessage: string | null }[] = repeated
      .map((name) => ({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: REPEATED_NAME }));
    for (const t of body.topics) {
      if (!once.has(t.name)) continue;
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
