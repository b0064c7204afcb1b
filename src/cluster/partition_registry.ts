/**
 * The reconciler of a standalone node: keeps the local partition logs matching the metadata
 * tables (Redpanda's controller_backend idea, STYLE.md 12). Topic created → partitions opened;
 * partitions added → opened; topic deleted → logs closed and removed; configs changed → partitions
 * reconfigured. Work is queued and done one change at a time; `settled()` waits for the queue.
 *
 * Layout: `<dataDir>/<topic>-<partition>/` with a `partition.json` naming the topic id, so a
 * directory left from a deleted topic of the same name is recognised and removed, never reused.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { RecordWalker } from "../kafka/records/mod.ts";
import { PartitionLog, type PartitionLogOptions, PRODUCER_EXPIRY_SLICE } from "../log/mod.ts";
import { LocalPartition, type PartitionConfig } from "./local_partition.ts";
import type { MetaStore } from "./meta/store.ts";
import type { TopicRecord } from "./meta/tables.ts";
import { effectiveTopicConfigs } from "./meta/topic_configs.ts";
import type { Leadership, Partition, PartitionRegistry } from "./partition.ts";

const log = getLogger(["chronik", "reconciler"]);
const PARTITION_FILE = "partition.json";

export interface RegistryOptions {
  readonly dataDir: string;
  readonly nodeId: number;
  /** Broker-level values of topic-config defaults (static settings, then dynamic overrides). */
  readonly brokerDefaults: () => Readonly<Record<string, string>>;
  /** Options every log gets beyond those derived from topic configs (disk, bounds). */
  readonly logOptions: PartitionLogOptions;
  /** How often retention runs over every partition; 0 disables the timer (tests). */
  readonly retentionCheckIntervalMs: number;
  /**
   * How often every partition forgets its expired producers (`logOptions.producerIdExpirationMs`,
   * `producer.id.expiration.check.interval.ms`); 0 or absent: no timer (tests).
   */
  readonly producerIdExpirationCheckIntervalMs?: number;
  /** Partition logs opened at once (`log.open.concurrency`). */
  readonly openConcurrency: number;
  /** Walks produced batches before they are stored (default: on the main thread). */
  readonly recordWalker?: RecordWalker;
}

export class LocalPartitionRegistry implements PartitionRegistry {
  readonly #partitions = new Map<string, LocalPartition>();
  #queue: Promise<void> = Promise.resolve();
  #retentionTimer: ReturnType<typeof setInterval> | undefined;
  #producerExpiryTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  private constructor(readonly meta: MetaStore, readonly options: RegistryOptions) {}

  static async open(meta: MetaStore, options: RegistryOptions): Promise<LocalPartitionRegistry> {
    const registry = new LocalPartitionRegistry(meta, options);
    meta.onApply(() => registry.#enqueue(() => registry.#reconcile()));
    await registry.#enqueue(() => registry.#reconcile());
    if (options.retentionCheckIntervalMs > 0) {
      const timer = setInterval(
        () => registry.#enqueue(() => registry.enforceRetention()),
        options.retentionCheckIntervalMs,
      );
      Deno.unrefTimer(timer);
      registry.#retentionTimer = timer;
    }
    const expiryIntervalMs = options.producerIdExpirationCheckIntervalMs ?? 0;
    if (expiryIntervalMs > 0) {
      const timer = setInterval(
        () => registry.#enqueue(() => registry.removeExpiredProducers()),
        expiryIntervalMs,
      );
      Deno.unrefTimer(timer);
      registry.#producerExpiryTimer = timer;
    }
    return registry;
  }

  get(topic: string, index: number): Partition | undefined {
    return this.#partitions.get(key(topic, index));
  }

  leadership(topic: string, index: number): Leadership | undefined {
    if (!this.#partitions.has(key(topic, index))) return undefined;
    return { leaderId: this.options.nodeId, leaderEpoch: 0, isr: [this.options.nodeId] };
  }

  settled(): Promise<void> {
    return this.#queue;
  }

  /** Every hosted partition (metrics, DescribeLogDirs, shutdown). */
  all(): IterableIterator<LocalPartition> {
    return this.#partitions.values();
  }

  async enforceRetention(): Promise<number> {
    let deleted = 0;
    for (const p of this.#partitions.values()) deleted += await p.log.enforceRetention();
    return deleted;
  }

  /**
   * Every partition forgets its expired producers; returns how many in all. A log's pass pauses
   * for other work every {@link PRODUCER_EXPIRY_SLICE} producers of its own; across partitions the
   * registry pauses as often, so thousands of small tables do not hold the event loop either.
   */
  async removeExpiredProducers(): Promise<number> {
    let removed = 0;
    let looked = 0;
    for (const p of this.#partitions.values()) {
      looked += p.log.producers.size;
      removed += await p.log.removeExpiredProducers();
      if (looked >= PRODUCER_EXPIRY_SLICE) {
        looked = 0;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retentionTimer !== undefined) clearInterval(this.#retentionTimer);
    if (this.#producerExpiryTimer !== undefined) clearInterval(this.#producerExpiryTimer);
    await this.#queue;
    for (const p of this.#partitions.values()) {
      p.wakeAll();
      await p.log.close();
    }
    this.#partitions.clear();
  }

  #enqueue(work: () => Promise<unknown>): Promise<void> {
    const next = this.#queue.then(async () => {
      if (this.#closed) return;
      try {
        await work();
      } catch (e) {
        log.error("reconcile failed: {error}", {
          error: e instanceof Error ? e.stack ?? e.message : String(e),
        });
      }
    });
    this.#queue = next;
    return next;
  }

  async #reconcile(): Promise<void> {
    const wanted = new Map<string, { topic: TopicRecord; index: number }>();
    for (const topic of this.meta.tables.topics()) {
      topic.partitions.forEach((a, index) => {
        if (a.replicas.includes(this.options.nodeId)) {
          wanted.set(key(topic.name, index), { topic, index });
        }
      });
    }
    for (const [k, p] of this.#partitions) {
      const want = wanted.get(k);
      if (want === undefined || want.topic.topicId !== p.topicId) await this.#drop(k, p);
    }
    const opening: [string, { topic: TopicRecord; index: number }][] = [];
    for (const [k, want] of wanted) {
      const existing = this.#partitions.get(k);
      if (existing === undefined) opening.push([k, want]);
      else this.#configure(existing, want.topic);
    }
    // Up to openConcurrency opens at a time. A failed open stops new ones; those in progress
    // finish and are kept, as the ones before them, and the first error is thrown.
    let next = 0;
    let failure: { error: unknown } | undefined;
    const opener = async () => {
      while (next < opening.length && failure === undefined) {
        const [k, { topic, index }] = opening[next++]!;
        try {
          this.#partitions.set(k, await this.#openPartition(topic, index));
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    const width = Math.min(this.options.openConcurrency, opening.length);
    await Promise.all(Array.from({ length: width }, opener));
    if (failure !== undefined) throw failure.error;
    await this.#removeStrayDirectories(new Set(wanted.keys()));
  }

  async #openPartition(topic: TopicRecord, index: number): Promise<LocalPartition> {
    const dir = `${this.options.dataDir}/${key(topic.name, index)}`;
    const marker = `${dir}/${PARTITION_FILE}`;
    const existingId = await readTopicId(marker);
    if (existingId !== undefined && existingId !== topic.topicId) {
      log.info("removing {dir}: left from an earlier topic {old}", { dir, old: existingId });
      await Deno.remove(dir, { recursive: true });
    }
    await Deno.mkdir(dir, { recursive: true });
    if (existingId !== topic.topicId) {
      await Deno.writeTextFile(
        marker,
        JSON.stringify({ topicId: topic.topicId, partition: index }),
      );
    }
    const effective = this.#effective(topic);
    const logOptions = { ...this.options.logOptions, ...logOptionsFrom(effective) };
    const partitionLog = await PartitionLog.open(dir, logOptions);
    log.info("opened {topic}-{index} at {start}..{end}", {
      topic: topic.name,
      index,
      start: partitionLog.logStartOffset,
      end: partitionLog.logEndOffset,
    });
    return new LocalPartition(
      { topic: topic.name, topicId: topic.topicId, index },
      partitionLog,
      partitionConfigFrom(effective),
      this.options.recordWalker,
    );
  }

  #effective(topic: TopicRecord): Map<string, string> {
    const effective = effectiveTopicConfigs(topic.configs, this.options.brokerDefaults());
    return new Map([...effective].map(([k, v]) => [k, v.value]));
  }

  #configure(partition: LocalPartition, topic: TopicRecord): void {
    const effective = this.#effective(topic);
    partition.config = partitionConfigFrom(effective);
    partition.log.reconfigure(logOptionsFrom(effective));
  }

  async #drop(k: string, partition: LocalPartition): Promise<void> {
    this.#partitions.delete(k);
    partition.wakeAll();
    await partition.log.close();
    await Deno.remove(`${this.options.dataDir}/${k}`, { recursive: true }).catch(() => undefined);
    log.info("removed partition {partition}", { partition: k });
  }

  /** Directories of partitions that no longer exist (e.g. deleted while this node was down). */
  async #removeStrayDirectories(wanted: Set<string>): Promise<void> {
    for await (const entry of Deno.readDir(this.options.dataDir)) {
      if (!entry.isDirectory || wanted.has(entry.name)) continue;
      const marker = `${this.options.dataDir}/${entry.name}/${PARTITION_FILE}`;
      if (await readTopicId(marker) === undefined) continue;
      log.info("removing stray partition directory {dir}", { dir: entry.name });
      await Deno.remove(`${this.options.dataDir}/${entry.name}`, { recursive: true });
    }
  }
}

function key(topic: string, index: number): string {
  return `${topic}-${index}`;
}

async function readTopicId(path: string): Promise<string | undefined> {
  try {
    const parsed = JSON.parse(await Deno.readTextFile(path));
    return typeof parsed.topicId === "string" ? parsed.topicId : undefined;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** A numeric topic config; a missing or empty one is an error, never 0 (retention 0 deletes). */
function numberOf(effective: Map<string, string>, name: string): number {
  const text = effective.get(name)?.trim() ?? "";
  const value = text === "" ? NaN : Number(text);
  if (!Number.isFinite(value)) throw new Error(`topic config ${name} is not a number: "${text}"`);
  return value;
}

function logOptionsFrom(effective: Map<string, string>) {
  return {
    segmentBytes: numberOf(effective, "segment.bytes"),
    segmentMs: numberOf(effective, "segment.ms"),
    retentionMs: numberOf(effective, "retention.ms"),
    retentionBytes: numberOf(effective, "retention.bytes"),
    // The log must hold any batch the topic accepts.
    maxBatchBytes: Math.max(16 * 1024 * 1024, numberOf(effective, "max.message.bytes")),
  };
}

function partitionConfigFrom(effective: Map<string, string>): PartitionConfig {
  return {
    maxMessageBytes: numberOf(effective, "max.message.bytes"),
    logAppendTime: effective.get("message.timestamp.type") === "LogAppendTime",
    minInsyncReplicas: numberOf(effective, "min.insync.replicas"),
    timestampBeforeMaxMs: numberOf(effective, "message.timestamp.before.max.ms"),
    timestampAfterMaxMs: numberOf(effective, "message.timestamp.after.max.ms"),
  };
}
