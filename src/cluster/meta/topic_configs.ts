/**
 * The topic-level configs Chronik honours: their types, the broker setting each defaults from, and
 * validation. A key outside this table is refused (INVALID_CONFIG) rather than stored and ignored:
 * a client that sets a config expects it to act.
 *
 * @module
 */

export type ConfigType = "long" | "int" | "string" | "list" | "boolean";

export interface TopicConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  /** The broker-level key whose value is this topic config's default. */
  readonly brokerKey: string;
  readonly doc: string;
  /** Returns an error message, or undefined when `value` is acceptable. */
  readonly validate: (value: string) => string | undefined;
}

const LONG_MAX = 9223372036854775807n;

function integer(min: bigint, max: bigint) {
  return (value: string): string | undefined => {
    if (!/^-?\d+$/.test(value.trim())) return "not an integer";
    const n = BigInt(value.trim());
    if (n < min || n > max) return `must be within [${min}, ${max}]`;
    return undefined;
  };
}

function oneOf(...allowed: string[]) {
  return (value: string): string | undefined =>
    allowed.includes(value.trim()) ? undefined : `must be one of ${allowed.join(", ")}`;
}

export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  {
    name: "retention.ms",
    type: "long",
    brokerKey: "log.retention.ms",
    doc: "Delete segments whose newest record is older than this; -1 keeps forever.",
    validate: integer(-1n, LONG_MAX),
  },
  {
    name: "retention.bytes",
    type: "long",
    brokerKey: "log.retention.bytes",
    doc: "Delete oldest segments while a partition exceeds this size; -1 means no limit.",
    validate: integer(-1n, LONG_MAX),
  },
  {
    name: "segment.bytes",
    type: "int",
    brokerKey: "log.segment.bytes",
    doc: "Roll a new segment file at this size; at least 1 MiB, as in Kafka 4 (KIP-1030).",
    validate: integer(1048576n, 2147483647n),
  },
  {
    name: "segment.ms",
    type: "long",
    brokerKey: "log.roll.ms",
    doc: "Roll a new segment after this long even if it is not full.",
    validate: integer(1n, LONG_MAX),
  },
  {
    name: "max.message.bytes",
    type: "int",
    brokerKey: "message.max.bytes",
    doc: "Largest record batch accepted, after compression.",
    validate: integer(0n, 2147483647n),
  },
  {
    name: "cleanup.policy",
    type: "list",
    brokerKey: "log.cleanup.policy",
    doc: "Only `delete` is supported; compaction is refused rather than silently ignored.",
    validate: oneOf("delete"),
  },
  {
    name: "message.timestamp.type",
    type: "string",
    brokerKey: "log.message.timestamp.type",
    doc: "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches on append.",
    validate: oneOf("CreateTime", "LogAppendTime"),
  },
  {
    name: "message.timestamp.before.max.ms",
    type: "long",
    brokerKey: "log.message.timestamp.before.max.ms",
    doc: "A CreateTime record may be stamped at most this long before the broker's clock.",
    validate: integer(0n, LONG_MAX),
  },
  {
    name: "message.timestamp.after.max.ms",
    type: "long",
    brokerKey: "log.message.timestamp.after.max.ms",
    doc: "A CreateTime record may be stamped at most this long after the broker's clock.",
    validate: integer(0n, LONG_MAX),
  },
  {
    name: "min.insync.replicas",
    type: "int",
    brokerKey: "min.insync.replicas",
    doc: "Replicas that must have a batch before acks=all succeeds.",
    validate: integer(1n, 2147483647n),
  },
  {
    name: "compression.type",
    type: "string",
    brokerKey: "compression.type",
    doc: "Only `producer` (store batches as sent) is supported.",
    validate: oneOf("producer"),
  },
];

const BY_NAME = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return BY_NAME.get(name);
}

/** Error message for a (name, value) pair, or undefined when acceptable. */
export function validateTopicConfig(name: string, value: string | null): string | undefined {
  const def = BY_NAME.get(name);
  if (def === undefined) return `unknown or unsupported topic config '${name}'`;
  if (value === null) return `config '${name}' needs a value`;
  const problem = def.validate(value);
  return problem === undefined ? undefined : `invalid value '${value}' for '${name}': ${problem}`;
}

/** Effective value of every topic config: explicit override, else the broker default. */
export function effectiveTopicConfigs(
  overrides: Readonly<Record<string, string>>,
  brokerDefaults: Readonly<Record<string, string>>,
): Map<string, { value: string; isDefault: boolean }> {
  const out = new Map<string, { value: string; isDefault: boolean }>();
  for (const def of TOPIC_CONFIGS) {
    const own = overrides[def.name];
    if (own !== undefined) out.set(def.name, { value: own, isDefault: false });
    else out.set(def.name, { value: brokerDefaults[def.brokerKey] ?? "", isDefault: true });
  }
  return out;
}

/**
 * Broker keys Kafka reads, in order, when a topic default's own key (`log.retention.ms`) has no
 * value in any layer, each with its unit in milliseconds. They are static settings only: Kafka
 * refuses to change them at run time.
 */
export const BROKER_KEY_FALLBACKS: Readonly<
  Record<string, readonly { readonly key: string; readonly unitMs: bigint }[]>
> = {
  "log.retention.ms": [
    { key: "log.retention.minutes", unitMs: 60_000n },
    { key: "log.retention.hours", unitMs: 3_600_000n },
  ],
  "log.roll.ms": [{ key: "log.roll.hours", unitMs: 3_600_000n }],
};

/**
 * Broker-level values that topic configs default to: static settings, overlaid with dynamic
 * cluster-wide values (broker resource ""), then this node's dynamic values. A key of
 * {@link BROKER_KEY_FALLBACKS} left without a value takes its first fallback's, converted (a
 * negative retention in any unit is -1, forever, as Kafka reads it).
 */
export function brokerDefaults(
  tables: { brokerConfigs(name: string): Readonly<Record<string, string>> },
  staticConfigs: Readonly<Record<string, string>>,
  nodeId: number,
): Record<string, string> {
  const merged: Record<string, string> = {
    ...staticConfigs,
    ...tables.brokerConfigs(""),
    ...tables.brokerConfigs(String(nodeId)),
  };
  for (const [key, fallbacks] of Object.entries(BROKER_KEY_FALLBACKS)) {
    if (merged[key] !== undefined) continue;
    const from = fallbacks.find((f) => merged[f.key] !== undefined);
    if (from === undefined) continue;
    const ms = BigInt(merged[from.key]!) * from.unitMs;
    merged[key] = String(ms < 0n ? -1n : ms);
  }
  return merged;
}
