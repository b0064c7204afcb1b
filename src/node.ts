/**
 * The broker node behind the Kafka server: `main.ts` calls {@link startNode} and hands
 * `node.handler` to the TCP server.
 *
 * Start-up order: lock the data directory (one process per directory, like Kafka's `.lock`), check
 * it belongs to this node id (a node never silently takes another's identity), open the metadata
 * log, register this broker, open the partitions the tables assign here, then build the API
 * handlers. `close()` reverses it.
 *
 * @module
 */
import { resolve } from "node:path";
import {
  type Config,
  kafkaText,
  SETTINGS,
  settingSource,
  type SettingValue,
} from "./config/mod.ts";
import { LocalMetaStore } from "./cluster/meta/local_store.ts";
import { brokerDefaults } from "./cluster/meta/topic_configs.ts";
import { LocalPartitionRegistry } from "./cluster/partition_registry.ts";
import { ProducerIdBlocks } from "./cluster/producer_ids.ts";
import { type CoordinatorOptions, GroupCoordinator, SystemClock } from "./groups/mod.ts";
import { type BrokerContext, createRequestHandler } from "./kafka/handlers/mod.ts";
import type { RequestHandler } from "./kafka/server/mod.ts";
import { BufferPool, framePool } from "./buffer_pool.ts";
import { DenoDisk, IndexCache, volumeSpace } from "./log/mod.ts";
import { RecordWalkPool } from "./kafka/records/mod.ts";
import { logger, type Metrics } from "./observability/mod.ts";

/** What the node gets from `main.ts`. */
export interface NodeDeps {
  readonly metrics: Metrics;
  /**
   * Overrides for the group coordinator: tests inject a ManualClock (`clock`) and small bounds.
   * Real time and the defaults otherwise.
   */
  readonly groups?: Partial<Omit<CoordinatorOptions, "nodeId">>;
}

/** A running node. */
export interface Node {
  /** Called by the Kafka server for every request frame. */
  readonly handler: RequestHandler;
  /** Extra fields for `GET /health`; `ok: false` makes it answer 503. */
  health(): { readonly ok: boolean; readonly [detail: string]: unknown };
  /** Stops the broker after the server has finished in-flight requests. */
  close(): Promise<void>;
}

/** The data directory holds another node's data, or a different cluster's. */
export class NodeIdentityError extends Error {
  override readonly name = "NodeIdentityError";
}

/** Another process, or another node in this one, has the data directory open. */
export class DataDirInUseError extends Error {
  override readonly name = "DataDirInUseError";
}

const IDENTITY_FILE = "meta.properties.json";
const LOCK_FILE = ".lock";

/** Starts the broker for `config`. */
export async function startNode(config: Config, deps: NodeDeps): Promise<Node> {
  await Deno.mkdir(config.dataDir, { recursive: true });
  const lock = await lockDataDir(config.dataDir);
  try {
    const node = await startLocked(config, deps);
    return {
      ...node,
      close: async () => {
        try {
          await node.close();
        } finally {
          lock.close();
        }
      },
    };
  } catch (e) {
    lock.close();
    throw e;
  }
}

async function startLocked(config: Config, deps: NodeDeps): Promise<Node> {
  const log = logger("node");
  const clusterId = await claimDataDir(config.dataDir, config.nodeId);
  const { store: meta, replayed, truncatedBytes } = await LocalMetaStore.open(
    `${config.dataDir}/__meta`,
  );
  log.info("metadata: {replayed} commands replayed, {truncated} torn bytes cut", {
    replayed,
    truncated: truncatedBytes,
  });
  // Walks produced batches too large to walk on the main thread; its workers start on first use.
  const walker = new RecordWalkPool({
    threads: config.produce.validationThreads,
    inlineMaxBytes: config.produce.validationInlineMaxBytes,
    inlineMaxRecords: config.produce.validationInlineMaxRecords,
    maxQueuedBytes: config.produce.validationQueueMaxBytes,
    onOffload: () => deps.metrics.log.batchCheckedOffThread(),
  });
  try {
    const host = config.advertisedAddr;
    const port = config.kafkaPort;
    const self = meta.tables.broker(config.nodeId);
    if (self === undefined || self.host !== host || self.port !== port) {
      await meta.propose({ type: "registerBroker", nodeId: config.nodeId, host, port, rack: null });
    }
    const staticConfigs = staticBrokerConfigs(config);
    const registry = await LocalPartitionRegistry.open(meta, {
      dataDir: config.dataDir,
      nodeId: config.nodeId,
      brokerDefaults: () => brokerDefaults(meta.tables, staticConfigs.values, config.nodeId),
      logOptions: {
        ackBeforeSync: config.broker.logFlushAckBeforeSync,
        maxPendingBytes: config.broker.logMaxPendingBytes,
        writeBuffers: new BufferPool({ maxIdleBytes: config.broker.logWriteBufferPoolBytes }),
        indexCache: new IndexCache(
          config.broker.logIndexCacheBytes,
          (bytes, loaded) => deps.metrics.log.indexCache(bytes, loaded),
        ),
        disk: new DenoDisk({
          maxOpenFiles: config.broker.logMaxOpenFiles,
          onHandle: (event, openNow) => deps.metrics.log.fileHandle(event, openNow),
        }),
        onSync: (seconds) => deps.metrics.log.fsyncObserved(seconds),
        producerIdExpirationMs: config.broker.producerIdExpirationMs,
      },
      retentionCheckIntervalMs: config.broker.logRetentionCheckIntervalMs,
      producerIdExpirationCheckIntervalMs: config.broker.producerIdExpirationCheckIntervalMs,
      openConcurrency: config.broker.logOpenConcurrency,
      recordWalker: walker,
    });
    const groups = new GroupCoordinator(meta, registry, {
      nodeId: config.nodeId,
      clock: new SystemClock(),
      offsetsTopicPartitions: config.groups.offsetsTopicNumPartitions,
      offsetsRetentionMs: config.groups.offsetsRetentionMinutes * 60_000,
      ...deps.groups,
    });
    await groups.loadAll();
    // DescribeLogDirs names the directory as Kafka does: absolute, however it was configured.
    const logDirPath = resolve(config.dataDir);
    const broker: BrokerContext = {
      nodeId: config.nodeId,
      clusterId,
      advertisedHost: host,
      advertisedPort: port,
      rack: null,
      settings: {
        autoCreateTopics: config.broker.autoCreateTopicsEnable,
        numPartitions: config.broker.numPartitions,
        maxPartitionsPerBroker: config.broker.maxPartitionsPerBroker,
        maxRequestPartitionSizeLimit: config.broker.maxRequestPartitionSizeLimit,
        defaultReplicationFactor: config.broker.defaultReplicationFactor,
        fetchMaxBytes: config.fetch.maxBytes,
        fetchMaxWaitMs: config.fetch.maxWaitMs,
        brokerConfigs: staticConfigs.values,
        brokerConfigsSet: staticConfigs.set,
        brokerConfigDefaults: staticConfigs.defaults,
      },
      meta,
      partitions: registry,
      logDir: { path: logDirPath, space: () => volumeSpace(logDirPath) },
      producerIds: new ProducerIdBlocks(meta, config.nodeId),
      groups,
    };
    const sizeTimer = setInterval(() => {
      for (const p of registry.all()) {
        deps.metrics.log.partitionBytes(p.topic, p.index, p.sizeBytes());
      }
    }, 10_000);
    Deno.unrefTimer(sizeTimer);
    return {
      handler: createRequestHandler(broker, undefined, {
        buffers: framePool(config.server.responseBufferPoolBytes),
        scratchKeepBytes: config.server.responseScratchKeepBytes,
      }),
      health: () => ({ ok: true, nodeId: config.nodeId, clusterId }),
      close: async () => {
        clearInterval(sizeTimer);
        await groups.close();
        await registry.close();
        await walker.close();
        await meta.close();
      },
    };
  } catch (e) {
    await walker.close();
    await meta.close();
    throw e;
  }
}

/** The policies Chronik fixes (the only values it supports): always their defaults. */
const FIXED_BROKER_CONFIGS: Readonly<Record<string, string>> = {
  "log.cleanup.policy": "delete",
  "log.message.timestamp.type": "CreateTime",
  "compression.type": "producer",
};

/**
 * Kafka-named broker settings, as DescribeConfigs shows them and topic configs default to: every
 * broker, group and fetch setting of the config table (their keys are Kafka's names), plus the
 * fixed policies. `values` holds each key's static value (an operator's, else the built-in
 * default; a key unset by default, such as `log.retention.ms`, only when an operator set it),
 * `set` the keys an operator set (flag, variable or file: STATIC_BROKER_CONFIG), and `defaults`
 * the built-in values (DEFAULT_CONFIG).
 */
function staticBrokerConfigs(config: Config): {
  values: Record<string, string>;
  set: Set<string>;
  defaults: Record<string, string>;
} {
  const values: Record<string, string> = { ...FIXED_BROKER_CONFIGS };
  const defaults: Record<string, string> = { ...FIXED_BROKER_CONFIGS };
  const set = new Set<string>();
  for (const setting of SETTINGS) {
    if (!/^(broker|groups|fetch)\./.test(setting.field)) continue;
    if (setting.default !== null) defaults[setting.key] = kafkaText(setting, setting.default);
    const value = setting.field.split(".").reduce<unknown>(
      (node, part) => (node as Record<string, unknown>)[part],
      config,
    ) as SettingValue | null;
    if (value !== null) values[setting.key] = kafkaText(setting, value);
    if (settingSource(config, setting.key) !== "default") set.add(setting.key);
  }
  return { values, set, defaults };
}

/**
 * Takes an exclusive advisory lock on the data directory's lock file, held while the returned file
 * stays open (the kernel drops it if the process dies). Two brokers on one directory would append
 * to the same segments; the second is refused instead.
 */
async function lockDataDir(dataDir: string): Promise<Deno.FsFile> {
  const path = `${dataDir}/${LOCK_FILE}`;
  const file = await Deno.open(path, { read: true, write: true, create: true });
  let locked: boolean;
  try {
    locked = await file.tryLock(true);
  } catch (e) {
    file.close();
    throw e;
  }
  if (!locked) {
    file.close();
    throw new DataDirInUseError(
      `data dir ${dataDir} is in use by another Chronik process (${path} is locked)`,
    );
  }
  return file;
}

/**
 * Binds the data directory to this node id, creating the identity file on first start. Returns
 * the cluster id. A mismatch is fatal: two nodes must never share an identity (the predecessor
 * silently defaulted every node to one id).
 */
async function claimDataDir(dataDir: string, nodeId: number): Promise<string> {
  const path = `${dataDir}/${IDENTITY_FILE}`;
  try {
    const identity = JSON.parse(await Deno.readTextFile(path));
    if (identity.nodeId !== nodeId) {
      throw new NodeIdentityError(
        `data dir ${dataDir} belongs to node ${identity.nodeId}, not ${nodeId}`,
      );
    }
    return String(identity.clusterId);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const clusterId = crypto.randomUUID().replaceAll("-", "").slice(0, 22);
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify({ nodeId, clusterId, version: 1 }));
  await Deno.rename(tmp, path);
  return clusterId;
}
