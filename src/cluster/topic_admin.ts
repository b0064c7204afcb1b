/**
 * Topic lifecycle rules shared by CreateTopics, Metadata auto-creation, DeleteTopics and
 * CreatePartitions: validation with Kafka's error codes, replica placement, and the metadata
 * commands that carry out a change. Nothing here touches partitions directly: the reconciler
 * (`partition_registry.ts`) follows the tables.
 *
 * @module
 */
import { ErrorCode } from "../kafka/protocol/errors.ts";
import { randomUuid } from "../kafka/protocol/uuid.ts";
import type { PartitionAssignment } from "./meta/commands.ts";
import type { MetaStore } from "./meta/store.ts";
import { validateTopicConfig } from "./meta/topic_configs.ts";

export const MAX_TOPIC_NAME_LENGTH = 249;
/** Upper bound on partitions per topic: each one is files and memory on every replica. */
export const MAX_PARTITIONS_PER_TOPIC = 10_000;
/** Kafka's cap on the partitions one CreateTopics request may ask for, over all its topics. */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;

export interface AdminOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const OK: AdminOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };

function fail(errorCode: number, errorMessage: string): AdminOutcome {
  return { errorCode, errorMessage };
}

/**
 * Kafka's topic name rule: 1-249 of [a-zA-Z0-9._-], not "." or "..". The problem is Kafka's own
 * message (`Topic.validate`), which clients show as it is.
 */
export function topicNameProblem(name: string): string | undefined {
  const invalid = (reason: string) => `Topic name is invalid: ${reason}`;
  if (name.length === 0) return invalid("the empty string is not allowed");
  if (name === "." || name === "..") return invalid(`'${name}' is not allowed`);
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return invalid(
      `the length of '${name}' is longer than the max allowed length ${MAX_TOPIC_NAME_LENGTH}`,
    );
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) {
    return invalid(
      `'${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`,
    );
  }
  return undefined;
}

export interface CreateTopicRequest {
  readonly name: string;
  /** -1: broker default. */
  readonly numPartitions: number;
  /** -1: broker default. */
  readonly replicationFactor: number;
  /** Explicit placement, partition index → broker ids; empty for automatic placement. */
  readonly assignments: readonly { partitionIndex: number; brokerIds: readonly number[] }[];
  readonly configs: readonly { name: string; value: string | null }[];
}

export interface TopicDefaults {
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /**
   * The most partition replicas one broker may hold (`max.partitions.per.broker`); a creation
   * that would place more is refused. Unset: no bound (internal topics, created by their owner).
   * Checked when a request is admitted, so requests admitted together may pass it by their sizes.
   */
  readonly maxReplicasPerBroker?: number;
}

export interface CreatedTopic extends AdminOutcome {
  readonly topicId: string | null;
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

export class TopicAdmin {
  constructor(readonly meta: MetaStore, readonly defaults: TopicDefaults) {}

  /**
   * POLICY_VIOLATION if one CreateTopics request asks for more than
   * {@link MAX_PARTITIONS_PER_REQUEST} partitions over all its topics; Kafka's controller refuses
   * such a request whole.
   */
  requestProblem(reqs: readonly CreateTopicRequest[]): AdminOutcome | undefined {
    let asked = 0;
    for (const req of reqs) {
      if (req.assignments.length > 0) asked += req.assignments.length;
      else if (req.numPartitions === -1) asked += this.defaults.numPartitions;
      else if (req.numPartitions > 0) asked += req.numPartitions;
    }
    if (asked <= MAX_PARTITIONS_PER_REQUEST) return undefined;
    return fail(
      ErrorCode.POLICY_VIOLATION,
      `one request may ask for at most ${MAX_PARTITIONS_PER_REQUEST} partitions; ` +
        `this one asks ${asked}`,
    );
  }

  /** Validates and (unless `validateOnly`) creates a topic through the metadata log. */
  async createTopic(req: CreateTopicRequest, validateOnly: boolean): Promise<CreatedTopic> {
    const planned = this.#plan(req);
    if ("errorCode" in planned) {
      return { ...planned, topicId: null, numPartitions: -1, replicationFactor: -1 };
    }
    const { partitions, configs } = planned;
    const over = this.#overBrokerBound(partitions);
    if (over !== undefined) {
      return { ...over, topicId: null, numPartitions: -1, replicationFactor: -1 };
    }
    const result = {
      numPartitions: partitions.length,
      replicationFactor: partitions[0]!.replicas.length,
    };
    if (validateOnly) return { ...OK, topicId: null, ...result };
    const topicId = randomUuid();
    const applied = await this.meta.propose({
      type: "createTopic",
      name: req.name,
      topicId,
      partitions,
      configs,
    });
    if (!applied.ok) {
      return {
        ...fail(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${req.name}" already exists`),
        topicId: null,
        ...result,
      };
    }
    return { ...OK, topicId, ...result };
  }

  #plan(req: CreateTopicRequest):
    | AdminOutcome
    | { partitions: PartitionAssignment[]; configs: Record<string, string> } {
    const nameProblem = topicNameProblem(req.name);
    if (nameProblem !== undefined) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
    if (this.meta.tables.topic(req.name) !== undefined) {
      return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${req.name}" already exists`);
    }
    // Kafka's metric names turn '.' into '_', so it refuses names equal up to that swap.
    const folded = req.name.replaceAll(".", "_");
    for (const t of this.meta.tables.topics()) {
      if (t.name.replaceAll(".", "_") === folded) {
        return fail(
          ErrorCode.INVALID_TOPIC_EXCEPTION,
          `topic "${req.name}" collides with existing topic "${t.name}"`,
        );
      }
    }
    const configs: Record<string, string> = {};
    for (const c of req.configs) {
      const problem = validateTopicConfig(c.name, c.value);
      if (problem !== undefined) return fail(ErrorCode.INVALID_CONFIG, problem);
      configs[c.name] = c.value!;
    }
    const brokers = [...this.meta.tables.brokers()].map((b) => b.nodeId).sort((a, b) => a - b);
    if (req.assignments.length > 0) {
      if (req.numPartitions !== -1 || req.replicationFactor !== -1) {
        return fail(
          ErrorCode.INVALID_REQUEST,
          "both assignments and numPartitions/replicationFactor were given",
        );
      }
      return this.#explicitPlacement(req.assignments, brokers, configs);
    }
    const count = req.numPartitions === -1 ? this.defaults.numPartitions : req.numPartitions;
    const factor = req.replicationFactor === -1
      ? this.defaults.replicationFactor
      : req.replicationFactor;
    // Kafka checks the factor before the count: a request bad in both is refused for its factor.
    if (factor <= 0) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `replication factor ${factor} must be positive`,
      );
    }
    if (count <= 0 || count > MAX_PARTITIONS_PER_TOPIC) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `partition count ${count} outside 1-${MAX_PARTITIONS_PER_TOPIC}`,
      );
    }
    if (factor > brokers.length) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `replication factor ${factor} larger than the ${brokers.length} available brokers`,
      );
    }
    return { partitions: placeReplicas(brokers, 0, count, factor), configs };
  }

  #explicitPlacement(
    assignments: CreateTopicRequest["assignments"],
    brokers: number[],
    configs: Record<string, string>,
  ): AdminOutcome | { partitions: PartitionAssignment[]; configs: Record<string, string> } {
    const sorted = [...assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
    const problem = assignmentProblem(sorted.map((a) => a.brokerIds), brokers);
    if (problem !== undefined) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
    if (sorted.some((a, i) => a.partitionIndex !== i)) {
      return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "partition indexes must be 0..n-1");
    }
    return { partitions: sorted.map((a) => ({ replicas: [...a.brokerIds] })), configs };
  }

  /** POLICY_VIOLATION if placing `added` would put a broker above its replica bound. */
  #overBrokerBound(added: readonly PartitionAssignment[]): AdminOutcome | undefined {
    const bound = this.defaults.maxReplicasPerBroker;
    if (bound === undefined) return undefined;
    const adding = new Map<number, number>();
    for (const p of added) {
      for (const b of p.replicas) adding.set(b, (adding.get(b) ?? 0) + 1);
    }
    const held = new Map<number, number>();
    for (const topic of this.meta.tables.topics()) {
      for (const p of topic.partitions) {
        for (const b of p.replicas) if (adding.has(b)) held.set(b, (held.get(b) ?? 0) + 1);
      }
    }
    for (const [broker, count] of adding) {
      const total = (held.get(broker) ?? 0) + count;
      if (total > bound) {
        const holds = held.get(broker) ?? 0;
        return fail(
          ErrorCode.POLICY_VIOLATION,
          `broker ${broker} would hold ${total} partition replicas, above ` +
            `max.partitions.per.broker (${bound}); it holds ${holds}`,
        );
      }
    }
    return undefined;
  }

  /** Deletes the topic named `name`, or when that is null the one with id `topicId`. */
  async deleteTopic(
    name: string | null,
    topicId: string | null,
  ): Promise<AdminOutcome & { name: string | null; topicId: string | null }> {
    const tables = this.meta.tables;
    const topic = name !== null
      ? tables.topic(name)
      : topicId !== null
      ? tables.topicById(topicId)
      : undefined;
    if (topic === undefined) {
      // An empty name is a name: Kafka answers it as an unknown topic, not an unknown id.
      const byId = name === null;
      return {
        ...fail(
          byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          byId ? `unknown topic id ${topicId}` : `unknown topic "${name}"`,
        ),
        name,
        topicId,
      };
    }
    const applied = await this.meta.propose({
      type: "deleteTopic",
      name: topic.name,
      topicId: topic.topicId,
    });
    if (!applied.ok) {
      return {
        ...fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic.name}" is already gone`),
        name: topic.name,
        topicId: topic.topicId,
      };
    }
    return { ...OK, name: topic.name, topicId: topic.topicId };
  }

  async createPartitions(
    name: string,
    count: number,
    assignments: readonly (readonly number[])[] | null,
    validateOnly: boolean,
  ): Promise<AdminOutcome> {
    const topic = this.meta.tables.topic(name);
    if (topic === undefined) {
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic "${name}"`);
    }
    const current = topic.partitions.length;
    if (count <= current) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `topic has ${current} partitions; ${count} would not add any`,
      );
    }
    if (count > MAX_PARTITIONS_PER_TOPIC) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `partition count ${count} above ${MAX_PARTITIONS_PER_TOPIC}`,
      );
    }
    const brokers = [...this.meta.tables.brokers()].map((b) => b.nodeId).sort((a, b) => a - b);
    let added: PartitionAssignment[];
    if (assignments !== null && assignments.length > 0) {
      if (assignments.length !== count - current) {
        return fail(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `expected ${count - current} assignments, got ${assignments.length}`,
        );
      }
      const problem = assignmentProblem(assignments, brokers);
      if (problem !== undefined) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
      added = assignments.map((r) => ({ replicas: [...r] }));
    } else {
      const factor = topic.partitions[0]!.replicas.length;
      if (factor > brokers.length) {
        return fail(
          ErrorCode.INVALID_REPLICATION_FACTOR,
          `replication factor ${factor} larger than ${brokers.length} brokers`,
        );
      }
      added = placeReplicas(brokers, current, count - current, factor);
    }
    const over = this.#overBrokerBound(added);
    if (over !== undefined) return over;
    if (validateOnly) return OK;
    const applied = await this.meta.propose({ type: "createPartitions", name, added });
    return applied.ok ? OK : fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" is gone`);
  }
}

/** Round-robin placement: partition p's replicas start at broker (p mod n), preferred leader first. */
export function placeReplicas(
  brokers: readonly number[],
  firstPartition: number,
  count: number,
  factor: number,
): PartitionAssignment[] {
  const out: PartitionAssignment[] = [];
  for (let p = firstPartition; p < firstPartition + count; p++) {
    const replicas: number[] = [];
    for (let r = 0; r < factor; r++) replicas.push(brokers[(p + r) % brokers.length]!);
    out.push({ replicas });
  }
  return out;
}

function assignmentProblem(
  assignments: readonly (readonly number[])[],
  brokers: readonly number[],
): string | undefined {
  const factor = assignments[0]?.length ?? 0;
  for (const replicas of assignments) {
    if (replicas.length === 0) return "an assignment has no replicas";
    if (replicas.length !== factor) return "assignments have different replication factors";
    if (new Set(replicas).size !== replicas.length) return "an assignment repeats a broker";
    const unknown = replicas.find((b) => !brokers.includes(b));
    if (unknown !== undefined) return `broker ${unknown} is not registered`;
  }
  return undefined;
}
