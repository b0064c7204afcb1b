/**
 * The metadata tables: plain data built by applying {@link MetaCommand}s in log order.
 *
 * `apply` is deterministic and total: a command that no longer fits the tables (a topic created
 * twice by racing proposers, a delete of a topic already gone) is rejected with a result and
 * changes nothing, so every replica that applies the same log reaches the same tables.
 *
 * @module
 */
import type { MetaCommand, PartitionAssignment } from "./commands.ts";

export interface BrokerRecord {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface TopicRecord {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: readonly PartitionAssignment[];
  readonly configs: Readonly<Record<string, string>>;
}

export type ApplyResult =
  /** `firstProducerId` is set for `allocateProducerIds`: the first id of the reserved block. */
  | { readonly ok: true; readonly firstProducerId?: number }
  | { readonly ok: false; readonly reason: "topicExists" | "unknownTopic" | "invalid" };

export class MetaTables {
  readonly #topics = new Map<string, TopicRecord>();
  readonly #topicsById = new Map<string, TopicRecord>();
  readonly #brokers = new Map<number, BrokerRecord>();
  /** Broker-level dynamic configs by node id as string; "" holds cluster-wide defaults. */
  readonly #brokerConfigs = new Map<string, Readonly<Record<string, string>>>();
  /** Next producer id not yet reserved by any node. */
  #nextProducerId = 0;
  /** Count of commands applied; a cheap version number for caches and tests. */
  #applied = 0;

  get appliedCount(): number {
    return this.#applied;
  }

  topic(name: string): TopicRecord | undefined {
    return this.#topics.get(name);
  }

  topicById(topicId: string): TopicRecord | undefined {
    return this.#topicsById.get(topicId);
  }

  topics(): IterableIterator<TopicRecord> {
    return this.#topics.values();
  }

  /** Partition `index` of `topic`, when the topic exists and has it. */
  partition(topic: string, index: number): PartitionAssignment | undefined {
    return this.#topics.get(topic)?.partitions[index];
  }

  brokers(): IterableIterator<BrokerRecord> {
    return this.#brokers.values();
  }

  broker(nodeId: number): BrokerRecord | undefined {
    return this.#brokers.get(nodeId);
  }

  get nextProducerId(): number {
    return this.#nextProducerId;
  }

  brokerConfigs(name: string): Readonly<Record<string, string>> {
    return this.#brokerConfigs.get(name) ?? {};
  }

  apply(cmd: MetaCommand): ApplyResult {
    const result = this.#apply(cmd);
    this.#applied++;
    return result;
  }

  #apply(cmd: MetaCommand): ApplyResult {
    switch (cmd.type) {
      case "registerBroker":
        this.#brokers.set(cmd.nodeId, {
          nodeId: cmd.nodeId,
          host: cmd.host,
          port: cmd.port,
          rack: cmd.rack,
        });
        return { ok: true };
      case "createTopic": {
        if (this.#topics.has(cmd.name) || this.#topicsById.has(cmd.topicId)) {
          return { ok: false, reason: "topicExists" };
        }
        if (cmd.partitions.length === 0) return { ok: false, reason: "invalid" };
        this.#putTopic({
          name: cmd.name,
          topicId: cmd.topicId,
          partitions: cmd.partitions,
          configs: { ...cmd.configs },
        });
        return { ok: true };
      }
      case "deleteTopic": {
        const topic = this.#topics.get(cmd.name);
        if (topic === undefined || topic.topicId !== cmd.topicId) {
          return { ok: false, reason: "unknownTopic" };
        }
        this.#topics.delete(cmd.name);
        this.#topicsById.delete(cmd.topicId);
        return { ok: true };
      }
      case "createPartitions": {
        const topic = this.#topics.get(cmd.name);
        if (topic === undefined) return { ok: false, reason: "unknownTopic" };
        this.#putTopic({ ...topic, partitions: [...topic.partitions, ...cmd.added] });
        return { ok: true };
      }
      case "alterConfigs":
        return this.#alterConfigs(cmd);
      case "allocateProducerIds": {
        if (cmd.count <= 0) return { ok: false, reason: "invalid" };
        const first = this.#nextProducerId;
        this.#nextProducerId += cmd.count;
        return { ok: true, firstProducerId: first };
      }
    }
  }

  #alterConfigs(cmd: Extract<MetaCommand, { type: "alterConfigs" }>): ApplyResult {
    const current = cmd.resource === "topic"
      ? this.#topics.get(cmd.name)?.configs
      : this.#brokerConfigs.get(cmd.name) ?? {};
    if (current === undefined) return { ok: false, reason: "unknownTopic" };
    const next: Record<string, string> = { ...current, ...cmd.set };
    for (const key of cmd.remove) delete next[key];
    if (cmd.resource === "topic") {
      const topic = this.#topics.get(cmd.name)!;
      this.#putTopic({ ...topic, configs: next });
    } else {
      this.#brokerConfigs.set(cmd.name, next);
    }
    return { ok: true };
  }

  #putTopic(topic: TopicRecord): void {
    this.#topics.set(topic.name, topic);
    this.#topicsById.set(topic.topicId, topic);
  }
}
