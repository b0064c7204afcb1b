/**
 * The one table of settings. Every other name derives from an entry's `key`:
 * the TOML key is the key itself (dotted keys and nested tables both work), the environment
 * variable is `CHRONIK_` + the key upper-cased with dots as underscores, and the flag (only for
 * entries marked `flag`) is `--` + the key with dots as dashes. `docs/configuration.md` is
 * rendered from this table by {@link renderConfigurationDoc}.
 */

/** The value types a setting may have. */
export type SettingType = "int" | "string" | "bool" | "enum";

/** A setting's parsed value. */
export type SettingValue = number | string | boolean;

/** One row of the settings table. */
export interface Setting {
  /** Dotted key, as written in the TOML file. */
  readonly key: string;
  /** Dotted path of the field in {@link Config} that receives the value. */
  readonly field: string;
  readonly type: SettingType;
  /**
   * Value when no flag, variable or file sets one. `null` (only for `int`): unset, as Kafka's
   * `log.retention.ms` is by default; Kafka then reads the setting from its coarser synonyms
   * (`log.retention.minutes`, `log.retention.hours`), and DescribeConfigs shows it as null.
   */
  readonly default: SettingValue | null;
  /** For `enum`: the accepted values. */
  readonly values?: readonly string[];
  /** For `enum`: other names accepted for a value (`warn` for `warning`). */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Inclusive bounds for `int`. */
  readonly min?: number;
  readonly max?: number;
  /**
   * For `int`: Kafka's setting of this name is a Java long whose largest value means no limit.
   * Integers above `max` up to Long.MAX_VALUE are accepted too and held as `max`
   * (Number.MAX_SAFE_INTEGER: 285,000 years in milliseconds, 8 PiB in bytes), and a value of
   * `max` is shown to Kafka clients as Long.MAX_VALUE, as Kafka shows it.
   */
  readonly kafkaLong?: boolean;
  /** Extra check on the parsed value; returns a description of what is expected, or null. */
  readonly check?: (value: SettingValue) => string | null;
  /** Whether the CLI has a global flag for this setting. */
  readonly flag?: boolean;
  readonly doc: string;
}

/** Java's Long.MAX_VALUE, the largest value of a {@link Setting.kafkaLong} setting. */
export const LONG_MAX = 9223372036854775807n;

/** A setting's value as Kafka shows it (DescribeConfigs): see {@link Setting.kafkaLong}. */
export function kafkaText(setting: Setting, value: SettingValue): string {
  return setting.kafkaLong === true && value === setting.max ? String(LONG_MAX) : String(value);
}

/** Log levels accepted by `log.level` (LogTape's names). */
export const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "fatal"] as const;
/** A log level name. */
export type LogLevelName = typeof LOG_LEVELS[number];
/** Output formats accepted by `log.format`. */
export const LOG_FORMATS = ["text", "json"] as const;
/** A log format name. */
export type LogFormatName = typeof LOG_FORMATS[number];

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const MAX_INT32 = 2 ** 31 - 1;

function hostCheck(value: SettingValue): string | null {
  const text = String(value);
  if (text === "") return null;
  return /^[A-Za-z0-9.:_-]+$/.test(text) ? null : "a host name or IP address";
}

function nonEmpty(value: SettingValue): string | null {
  return String(value).trim() === "" ? "a non-empty path" : null;
}

/** The settings table. Order is the order of the generated documentation. */
export const SETTINGS: readonly Setting[] = [
  // Node
  {
    key: "node.id",
    field: "nodeId",
    type: "int",
    default: 1,
    min: 0,
    max: MAX_INT32,
    flag: true,
    doc: "This node's broker id, unique in a cluster.",
  },
  {
    key: "kafka.port",
    field: "kafkaPort",
    type: "int",
    default: 9092,
    min: 0,
    max: 65535,
    flag: true,
    doc: "TCP port of the Kafka listener (0 = any free port, for tests).",
  },
  {
    key: "bind.addr",
    field: "bindAddr",
    type: "string",
    default: "127.0.0.1",
    check: hostCheck,
    flag: true,
    doc: "Address the Kafka and admin listeners bind to. Loopback by default; use 0.0.0.0 to " +
      "serve other hosts (then set advertised.addr).",
  },
  {
    key: "advertised.addr",
    field: "advertisedAddr",
    type: "string",
    default: "",
    check: hostCheck,
    flag: true,
    doc: "Host name clients are told to connect to (Metadata). Empty = bind.addr; required " +
      "when bind.addr is a wildcard address.",
  },
  {
    key: "data.dir",
    field: "dataDir",
    type: "string",
    default: "./chronik-data",
    check: nonEmpty,
    flag: true,
    doc: "Directory holding this node's partition logs and metadata.",
  },
  {
    key: "admin.port",
    field: "adminPort",
    type: "int",
    default: 9644,
    min: 0,
    max: 65535,
    flag: true,
    doc: "TCP port of the HTTP admin API (/metrics, /health). 0 = off.",
  },
  {
    key: "log.level",
    field: "logLevel",
    type: "enum",
    default: "info",
    values: LOG_LEVELS,
    // log4j's name, which Kafka operators type.
    aliases: { warn: "warning" },
    flag: true,
    doc: "Lowest level of diagnostic log lines written to stderr.",
  },
  {
    key: "log.format",
    field: "logFormat",
    type: "enum",
    default: "text",
    values: LOG_FORMATS,
    flag: true,
    doc: "Diagnostic log format: text lines, or JSON lines.",
  },
  // Kafka server bounds
  {
    key: "server.max.frame.bytes",
    field: "server.maxFrameBytes",
    type: "int",
    default: 100 * MIB,
    min: 1024,
    max: MAX_INT32,
    doc: "Largest request frame accepted; a connection announcing a larger (or negative) size " +
      "is closed before anything is allocated.",
  },
  {
    key: "server.max.connections",
    field: "server.maxConnections",
    type: "int",
    default: 4096,
    min: 1,
    max: 1_000_000,
    doc: "Open Kafka connections allowed at once; extra connections are closed on accept.",
  },
  {
    key: "server.max.inflight.bytes.per.connection",
    field: "server.maxInflightBytesPerConnection",
    type: "int",
    default: 200 * MIB,
    min: 1024,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Request and queued response bytes one connection may hold; above it the server stops " +
      "reading that socket. Must be at least server.max.frame.bytes.",
  },
  {
    key: "server.max.inflight.bytes",
    field: "server.maxInflightBytesTotal",
    type: "int",
    default: 1 * GIB,
    min: 1024,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Request and queued response bytes all connections together may hold; above it the " +
      "server stops reading new requests. Must be at least the per-connection bound.",
  },
  {
    key: "server.max.queued.requests.per.connection",
    field: "server.maxQueuedRequestsPerConnection",
    type: "int",
    default: 256,
    min: 1,
    max: 1_000_000,
    doc: "Pipelined requests one connection may have unanswered; above it the server stops " +
      "reading that socket.",
  },
  {
    key: "server.read.buffer.bytes",
    field: "server.readBufferBytes",
    type: "int",
    default: 8 * 1024,
    min: 16,
    max: 16 * MIB,
    doc: "Read buffer of each connection: pipelined requests smaller than it are read several at " +
      "a time; a frame at least its size is read straight into a buffer of its own.",
  },
  {
    key: "server.request.buffer.pool.bytes",
    field: "server.requestBufferPoolBytes",
    type: "int",
    default: 32 * MIB,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Bound on the idle buffers kept for reading produce requests, shared by all " +
      "connections; a frame's buffer is reused once its response is written (0 allocates one " +
      "per request). A produce frame of 2 KiB or more holds a buffer of at most 4 times its size.",
  },
  {
    key: "server.response.buffer.pool.bytes",
    field: "server.responseBufferPoolBytes",
    type: "int",
    default: 32 * MIB,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Bound on the idle buffers kept for encoding responses and for the batches a fetch " +
      "reads, shared by all connections; a buffer is reused once its response is written (0 " +
      "allocates each time). A response of 2 KiB or more holds a buffer of at most 4 times its " +
      "size; responses over 16 MiB get arrays of their own.",
  },
  {
    key: "server.response.scratch.keep.bytes",
    field: "server.responseScratchKeepBytes",
    type: "int",
    default: 16 * MIB,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Largest buffer the response encoder keeps between responses (one per node). A larger " +
      "response regrows it from 256 bytes, allocating about twice its size; below 64 KiB a " +
      "consumer's fetches do that on every response.",
  },
  {
    key: "server.idle.timeout.ms",
    field: "server.idleTimeoutMs",
    type: "int",
    default: 600_000,
    min: 10,
    max: MAX_INT32,
    doc: "A connection with nothing in flight that completes no request for this long is " +
      "closed. Partial frames do not count as activity (slow-loris protection).",
  },
  {
    key: "server.shutdown.grace.ms",
    field: "server.shutdownGraceMs",
    type: "int",
    default: 30_000,
    min: 0,
    max: MAX_INT32,
    doc: "On SIGTERM/SIGINT, how long in-flight requests may take to finish before their " +
      "connections are closed anyway.",
  },
  // Broker defaults for topics (Kafka's names)
  {
    key: "num.partitions",
    field: "broker.numPartitions",
    type: "int",
    default: 1,
    min: 1,
    max: 100_000,
    doc: "Partitions of an auto-created topic or a CreateTopics request that gives -1.",
  },
  {
    key: "max.partitions.per.broker",
    field: "broker.maxPartitionsPerBroker",
    type: "int",
    default: 5_000,
    min: 1,
    max: 1_000_000,
    doc: "The most partition replicas a broker holds, internal topics' included. CreateTopics, " +
      "CreatePartitions and auto-creation that would place more on a broker are refused with " +
      "POLICY_VIOLATION (internal topics are not refused). Each partition being written uses " +
      "2 file descriptors; with more than log.max.open.files / 2 written at once, writes reopen " +
      "descriptors.",
  },
  {
    key: "max.request.partition.size.limit",
    field: "broker.maxRequestPartitionSizeLimit",
    type: "int",
    default: 2_000,
    min: 1,
    max: MAX_INT32,
    doc: "The most partitions one DescribeTopicPartitions answer holds, whatever the client asks " +
      "(KIP-966; Kafka's default); the rest follow through the answer's cursor.",
  },
  {
    key: "log.open.concurrency",
    field: "broker.logOpenConcurrency",
    type: "int",
    default: 16,
    min: 1,
    max: 1_024,
    doc: "Partition logs opened at once when the node starts or is given new partitions. Each " +
      "open reads its checkpoint, the tails of its index files and its producer snapshot, and " +
      "syncs its checkpoint, so one at a time the opens wait on each other's disk calls: 1,000 " +
      "small partitions took 2.3-3.7 s to open one at a time and 0.9-1.3 s 16 at a time.",
  },
  {
    key: "default.replication.factor",
    field: "broker.defaultReplicationFactor",
    type: "int",
    default: 1,
    min: 1,
    max: 32_767,
    doc: "Replication factor of a topic created without one.",
  },
  {
    key: "auto.create.topics.enable",
    field: "broker.autoCreateTopicsEnable",
    type: "bool",
    default: true,
    doc: "Create a topic when a client asks Metadata for one that does not exist.",
  },
  {
    key: "log.retention.ms",
    field: "broker.logRetentionMs",
    type: "int",
    default: null,
    min: -1,
    max: Number.MAX_SAFE_INTEGER,
    kafkaLong: true,
    doc: "Default age after which closed segments are deleted; -1 (or any negative value of the " +
      "three retention keys) keeps them forever. Unset, the age comes from " +
      "`log.retention.minutes`, else from `log.retention.hours`, as in Kafka.",
  },
  {
    key: "log.retention.minutes",
    field: "broker.logRetentionMinutes",
    type: "int",
    default: null,
    min: -1,
    max: MAX_INT32,
    doc: "Retention age in minutes, used when `log.retention.ms` is unset.",
  },
  {
    key: "log.retention.hours",
    field: "broker.logRetentionHours",
    type: "int",
    default: 168,
    min: -1,
    max: MAX_INT32,
    doc: "Retention age in hours, used when `log.retention.ms` and `log.retention.minutes` are " +
      "unset (Kafka's default: 7 days).",
  },
  {
    key: "log.retention.check.interval.ms",
    field: "broker.logRetentionCheckIntervalMs",
    type: "int",
    default: 300_000,
    min: 1,
    max: MAX_INT32,
    doc: "How often every partition's closed segments are checked against its retention age and " +
      "size (Kafka's default: 5 minutes).",
  },
  {
    key: "log.retention.bytes",
    field: "broker.logRetentionBytes",
    type: "int",
    default: -1,
    min: -1,
    max: Number.MAX_SAFE_INTEGER,
    kafkaLong: true,
    doc: "Default size per partition above which the oldest segments are deleted. -1 = no limit.",
  },
  {
    key: "log.segment.bytes",
    field: "broker.logSegmentBytes",
    type: "int",
    default: 1 * GIB,
    min: 1 * MIB,
    max: MAX_INT32,
    doc: "Size at which a partition's active segment is rolled; at least 1 MiB, as in Kafka 4.",
  },
  {
    key: "log.roll.ms",
    field: "broker.logRollMs",
    type: "int",
    default: null,
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    kafkaLong: true,
    doc: "Age at which a partition's active segment is rolled even if not full. Unset, it comes " +
      "from `log.roll.hours`, as in Kafka.",
  },
  {
    key: "log.roll.hours",
    field: "broker.logRollHours",
    type: "int",
    default: 168,
    min: 1,
    max: MAX_INT32,
    doc: "Segment roll age in hours, used when `log.roll.ms` is unset (Kafka's default: 7 days).",
  },
  {
    key: "message.max.bytes",
    field: "broker.messageMaxBytes",
    type: "int",
    default: 1_048_588,
    min: 0,
    max: MAX_INT32,
    doc: "Largest record batch accepted by Produce (after compression). Must not exceed " +
      "server.max.frame.bytes.",
  },
  {
    key: "log.flush.ack.before.sync",
    field: "broker.logFlushAckBeforeSync",
    type: "bool",
    default: false,
    doc: "Acknowledge acks=all writes once a majority has appended them, before fdatasync. " +
      "Faster; a simultaneous power loss of a majority may lose acknowledged data.",
  },
  {
    key: "log.max.pending.bytes",
    field: "broker.logMaxPendingBytes",
    type: "int",
    default: 64 * 1024 * 1024,
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Bound on a partition's bytes accepted but not yet durable; a produce that would pass " +
      "it is answered REQUEST_TIMED_OUT (retriable) and nothing of it is written.",
  },
  {
    key: "log.write.buffer.pool.bytes",
    field: "broker.logWriteBufferPoolBytes",
    type: "int",
    default: 32 * 1024 * 1024,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Bound on the idle scratch buffers kept for coalesced log writes, shared by all " +
      "partitions of the node (0 allocates a buffer per write).",
  },
  {
    key: "log.max.open.files",
    field: "broker.logMaxOpenFiles",
    type: "int",
    default: 10_000,
    min: 3,
    max: 1_000_000,
    doc: "Bound on the file descriptors all partition logs keep open. A segment file uses up to " +
      "3 (write, sync, read), each opened when needed; above the bound the least recently used " +
      "idle ones close and reopen on next use. Descriptors in use by an operation stay open, so " +
      "the count can pass the bound by those. With server.max.connections and about 50 more it " +
      "must fit the process limit (`ulimit -Hn`; Deno raises the soft limit to it).",
  },
  {
    key: "log.index.cache.bytes",
    field: "broker.logIndexCacheBytes",
    type: "int",
    default: 128 * MIB,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Bound on the memory holding sealed segments' offset and time indexes, over all " +
      "partitions of the node (20 bytes per index entry, an entry per 4 KiB of log or fewer: " +
      "at most 5 MiB per GiB). Past it the least recently used are dropped and read back from " +
      "their index files when next used.",
  },
  {
    key: "min.insync.replicas",
    field: "broker.minInsyncReplicas",
    type: "int",
    default: 1,
    min: 1,
    max: 32_767,
    doc: "Replicas that must be in sync for an acks=all produce to be accepted.",
  },
  {
    key: "log.message.timestamp.before.max.ms",
    field: "broker.logMessageTimestampBeforeMaxMs",
    type: "int",
    default: Number.MAX_SAFE_INTEGER,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    kafkaLong: true,
    doc: "How far before the broker's clock a CreateTime record's timestamp may be; a batch with " +
      "an older one is refused (INVALID_TIMESTAMP). Kafka's default is no limit.",
  },
  {
    key: "log.message.timestamp.after.max.ms",
    field: "broker.logMessageTimestampAfterMaxMs",
    type: "int",
    default: 3_600_000,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    kafkaLong: true,
    doc: "How far after the broker's clock a CreateTime record's timestamp may be; a batch with " +
      "a later one is refused (INVALID_TIMESTAMP). One hour, Kafka 4's default: a record from " +
      "the future would otherwise hold its segment back from time retention until then.",
  },
  {
    key: "producer.id.expiration.ms",
    field: "broker.producerIdExpirationMs",
    type: "int",
    default: 86_400_000,
    min: 1,
    max: MAX_INT32,
    doc: "A partition forgets an idempotent producer's state (epoch, recent sequences) once its " +
      "last batch's timestamp is this old (KIP-854; Kafka's default: 1 day). A batch from it " +
      "afterwards is taken as from a new producer: any sequence is accepted, and a retry of a " +
      "batch written before is written again.",
  },
  {
    key: "producer.id.expiration.check.interval.ms",
    field: "broker.producerIdExpirationCheckIntervalMs",
    type: "int",
    default: 600_000,
    min: 1,
    max: MAX_INT32,
    doc: "How often every partition's producer state is checked for expired producers (see " +
      "producer.id.expiration.ms); they are also dropped when a partition is opened.",
  },
  // Consumer groups
  {
    key: "offsets.topic.num.partitions",
    field: "groups.offsetsTopicNumPartitions",
    type: "int",
    default: 10,
    min: 1,
    max: 1_000,
    doc: "Partitions of the internal __consumer_offsets topic, fixed when it is first created. " +
      "Each is a unit of coordinator load and (in a cluster) a Raft group; 10 spreads groups " +
      "over several nodes without 50 idle groups per small cluster.",
  },
  {
    key: "offsets.retention.minutes",
    field: "groups.offsetsRetentionMinutes",
    type: "int",
    default: 10_080,
    min: 1,
    max: 100 * 365 * 24 * 60,
    doc: "Committed offsets of a group with no members are deleted this long after the later " +
      "of their commit and the group becoming empty (Kafka's default: 7 days), unless an " +
      "OffsetCommit v2-v4 set their own retention (retentionTimeMs).",
  },
  // Fetch bounds
  {
    key: "fetch.max.bytes",
    field: "fetch.maxBytes",
    type: "int",
    default: 55 * MIB,
    min: 1024,
    max: MAX_INT32,
    doc: "Upper bound on the bytes of one Fetch response, whatever the client asks.",
  },
  {
    key: "fetch.max.wait.ms",
    field: "fetch.maxWaitMs",
    type: "int",
    default: 30_000,
    min: 0,
    max: MAX_INT32,
    doc: "Upper bound on a Fetch's long-poll wait (the client's max_wait_ms is capped to it).",
  },
  // Produce validation
  {
    key: "produce.validation.threads",
    field: "produce.validationThreads",
    type: "int",
    default: 1,
    min: 0,
    max: 64,
    doc: "Worker threads that decompress and check the records of produced batches too large " +
      "to check on the main thread (see produce.validation.inline.max.bytes); 0 checks every " +
      "batch on the main thread, holding other requests while it does.",
  },
  {
    key: "produce.validation.inline.max.bytes",
    field: "produce.validationInlineMaxBytes",
    type: "int",
    default: 1 * MIB,
    min: 0,
    max: MAX_INT32,
    doc: "Largest records of a produced batch, stored or decompressed, checked on the main " +
      "thread; a larger batch is checked by a worker thread. 0 sends every batch to a worker.",
  },
  {
    key: "produce.validation.inline.max.records",
    field: "produce.validationInlineMaxRecords",
    type: "int",
    default: 16_384,
    min: 0,
    max: MAX_INT32,
    doc: "Most records of a produced batch checked on the main thread; a batch with more is " +
      "checked by a worker thread. Bounds the main thread's walk of many tiny records, which " +
      "costs per record, not per byte.",
  },
  {
    key: "produce.validation.queue.max.bytes",
    field: "produce.validationQueueMaxBytes",
    type: "int",
    default: 256 * MIB,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Bytes of produced batches waiting for or inside the validation workers at most; a " +
      "batch beyond it is answered REQUEST_TIMED_OUT, which clients retry.",
  },
];

/** Environment variable name of a setting: `log.level` → `CHRONIK_LOG_LEVEL`. */
export function envName(key: string): string {
  return "CHRONIK_" + key.toUpperCase().replaceAll(".", "_");
}

/** Long flag name of a setting, without dashes: `log.level` → `log-level`. */
export function flagName(key: string): string {
  return key.replaceAll(".", "-");
}

/** The setting with this key, if any. */
export function findSetting(key: string): Setting | undefined {
  return SETTINGS.find((s) => s.key === key);
}
