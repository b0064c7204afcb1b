/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics and brokers.
 *
 * Topic configs are the ones in `cluster/meta/topic_configs.ts`; a topic's effective value is its
 * override, else the broker's dynamic default, else the broker's static setting, else (for
 * `log.retention.ms` and `log.roll.ms`, unset by default as in Kafka) the coarser unit the setting
 * falls back to: `log.retention.minutes`, then `log.retention.hours`; `log.roll.hours`. Synonyms
 * are listed as Kafka 4.3.1 lists them (compared with `kafka-configs.sh --describe --all`). Brokers
 * can be described fully; only the topic-default keys (`log.retention.ms`, …) can be altered at run
 * time, other broker keys are refused (INVALID_REQUEST, Kafka's code for a broker key it cannot
 * change) rather than stored and ignored.
 *
 * Broker loggers (KIP-412): DescribeConfigs and IncrementalAlterConfigs of resource type 8 read and
 * change this node's log levels at run time, as Kafka 4.x's broker does (ConfigHelper, and
 * RuntimeLoggerManager with LoggingController for changes). Each known logging category is one
 * entry whose value is a Kafka level name (TRACE, DEBUG, INFO, WARN, ERROR, FATAL; LogTape's
 * `warning` is WARN). Kafka's `root` (log4j's root logger) is the category `chronik`, listed
 * under both names. SET gives a category its own level and DELETE takes it away (the category
 * inherits again); unknown names are refused, as Kafka refuses a logger its logging context does
 * not hold, and so is deleting the root's level. Changes are not persisted: a restart starts from
 * `--log-level` again. AlterConfigs refuses the type (Kafka never took log levels there).
 *
 * ListConfigResources (KIP-1142; v0 was ListClientMetricsResources, KIP-714) lists the resources
 * of the asked types as Kafka 4.1's broker does (KafkaApis.handleListConfigResources): v0 lists
 * client-metrics resources only; v1 lists the types named, or all five it knows (topics, brokers,
 * broker loggers, client metrics, groups) when none is named, and answers UNSUPPORTED_VERSION with
 * no resources when any other type is named. Chronik has no client-metrics subscriptions and no
 * group configs, so those lists are empty; each broker is listed as a broker and as a broker
 * logger (Kafka lists every registered broker under both), and every topic, internal ones too.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { ErrorCode } from "../protocol/errors.ts";
import {
  BROKER_KEY_FALLBACKS,
  brokerDefaults,
  type ConfigType,
  effectiveTopicConfigs,
  TOPIC_CONFIGS,
  topicConfigDef,
  validateTopicConfig,
} from "../../cluster/meta/topic_configs.ts";
import {
  changeLogLevels,
  type LevelChange,
  loggerLevels,
  type LogLevel,
  ROOT_CATEGORY,
  TooManyLevelOverridesError,
} from "../../observability/logging.ts";
import { findSetting } from "../../config/mod.ts";
import type { BrokerContext } from "./context.ts";
import { defineHandler } from "./_util.ts";

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;
const RESOURCE_BROKER_LOGGER = 8;
const RESOURCE_CLIENT_METRICS = 16;
const RESOURCE_GROUP = 32;

export const CONFIG_SOURCE = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

/** DescribeConfigs' configType when not told (Kafka sets none for broker loggers). */
const CONFIG_TYPE_UNKNOWN = 0;

const log = getLogger(["chronik", "kafka", "handlers"]);

export function configTypeCode(type: ConfigType): number {
  switch (type) {
    case "boolean":
      return 1;
    case "string":
      return 2;
    case "int":
      return 3;
    case "long":
      return 5;
    case "list":
      return 7;
  }
}

/** Broker keys that may be changed at run time: the defaults of topic configs. */
const DYNAMIC_BROKER_KEYS = new Map(TOPIC_CONFIGS.map((d) => [d.brokerKey, d]));

/** Static broker settings overlaid with dynamic cluster-wide then per-node values. */
export function effectiveBrokerDefaults(broker: BrokerContext): Record<string, string> {
  return brokerDefaults(broker.meta.tables, broker.settings.brokerConfigs, broker.nodeId);
}

interface DescribeConfigsRequest {
  resources: { resourceType: number; resourceName: string; configurationKeys: string[] | null }[];
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

export const describeConfigsHandler = defineHandler<DescribeConfigsRequest>((broker, { body }) => ({
  throttleTimeMs: 0,
  results: body.resources.map((res) => {
    const base = { resourceType: res.resourceType, resourceName: res.resourceName };
    const described = res.resourceType === RESOURCE_TOPIC
      ? describeTopic(broker, res.resourceName, body.includeSynonyms, body.includeDocumentation)
      : res.resourceType === RESOURCE_BROKER
      ? describeBroker(broker, res.resourceName, body.includeSynonyms, body.includeDocumentation)
      : res.resourceType === RESOURCE_BROKER_LOGGER
      ? describeBrokerLoggers(broker, res.resourceName)
      : {
        errorCode: ErrorCode.INVALID_REQUEST,
        message: `resource type ${res.resourceType} is not supported`,
      };
    if ("message" in described) {
      return {
        ...base,
        errorCode: described.errorCode,
        errorMessage: described.message,
        configs: [],
      };
    }
    // No keys, null or empty (as Kafka reads an empty list), means every key.
    const keys = res.configurationKeys;
    const configs = keys === null || keys.length === 0
      ? described
      : described.filter((c) => keys.includes(c.name));
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
  }),
}));

function describeTopic(
  broker: BrokerContext,
  name: string,
  synonyms: boolean,
  docs: boolean,
): ConfigEntry[] | { errorCode: number; message: string } {
  const topic = broker.meta.tables.topic(name);
  if (topic === undefined) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `unknown topic "${name}"` };
  }
  const effective = effectiveTopicConfigs(topic.configs, effectiveBrokerDefaults(broker));
  return [...effective].map(([key, v]) => {
    const def = topicConfigDef(key)!;
    const inherited = brokerSynonyms(broker, def.brokerKey);
    const source = v.isDefault
      ? inherited[0]?.source ?? CONFIG_SOURCE.DEFAULT_CONFIG
      : CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG;
    const own = v.isDefault ? [] : [{ name: key, value: v.value, source }];
    return {
      name: key,
      value: v.value,
      readOnly: false,
      configSource: source,
      isSensitive: false,
      synonyms: synonyms ? [...own, ...inherited] : [],
      configType: configTypeCode(def.type),
      documentation: docs ? def.doc : null,
    };
  });
}

function describeBroker(
  broker: BrokerContext,
  name: string,
  synonyms: boolean,
  docs: boolean,
): ConfigEntry[] | { errorCode: number; message: string } {
  if (name !== "" && name !== String(broker.nodeId)) {
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      message: `this is broker ${broker.nodeId}, not ${name}`,
    };
  }
  if (name === "") return describeClusterDefaults(broker, synonyms, docs);
  const keys = new Set([
    ...Object.keys(broker.settings.brokerConfigs),
    ...Object.keys(broker.settings.brokerConfigDefaults),
    ...DYNAMIC_BROKER_KEYS.keys(),
    ...Object.values(BROKER_KEY_FALLBACKS).flat().map((f) => f.key),
  ]);
  return [...keys].sort().map((key) => {
    const winner = brokerLayers(broker, key)[0];
    const def = DYNAMIC_BROKER_KEYS.get(key);
    return {
      name: key,
      value: winner?.value ?? null,
      readOnly: def === undefined,
      configSource: winner?.source ?? CONFIG_SOURCE.DEFAULT_CONFIG,
      isSensitive: false,
      synonyms: synonyms ? brokerSynonyms(broker, key) : [],
      configType: configTypeCode(def?.type ?? staticConfigType(key)),
      documentation: docs ? (def?.doc ?? null) : null,
    };
  });
}

/** The DescribeConfigs type of a static broker setting, from the settings table. */
function staticConfigType(key: string): ConfigType {
  const setting = findSetting(key);
  if (setting === undefined) return "string";
  switch (setting.type) {
    case "int":
      return setting.kafkaLong === true ? "long" : "int";
    case "bool":
      return "boolean";
    default:
      return "string";
  }
}

/**
 * The broker resource "" (the cluster-wide defaults): only the values set dynamically for every
 * broker, as Kafka answers it; each node's own values are under its id.
 */
function describeClusterDefaults(
  broker: BrokerContext,
  synonyms: boolean,
  docs: boolean,
): ConfigEntry[] {
  const values = broker.meta.tables.brokerConfigs("");
  return Object.keys(values).sort().map((key) => {
    const source = CONFIG_SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG;
    const def = DYNAMIC_BROKER_KEYS.get(key);
    return {
      name: key,
      value: values[key]!,
      readOnly: false,
      configSource: source,
      isSensitive: false,
      synonyms: synonyms ? [{ name: key, value: values[key]!, source }] : [],
      configType: def === undefined ? configTypeCode("string") : configTypeCode(def.type),
      documentation: docs ? (def?.doc ?? null) : null,
    };
  });
}

/**
 * The values a broker-level key has here, highest precedence first, each with its DescribeConfigs
 * source: this node's dynamic value, the cluster-wide dynamic one, the one an operator set
 * (STATIC_BROKER_CONFIG), then the built-in default (DEFAULT_CONFIG; tools such as
 * `kafka-topics.sh --describe` leave those out). Kafka lists a static key set to a value both
 * ways, static then default.
 */
function brokerLayers(broker: BrokerContext, key: string): { value: string; source: number }[] {
  const { settings } = broker;
  const layers: { value: string | undefined; source: number }[] = [
    {
      value: broker.meta.tables.brokerConfigs(String(broker.nodeId))[key],
      source: CONFIG_SOURCE.DYNAMIC_BROKER_CONFIG,
    },
    {
      value: broker.meta.tables.brokerConfigs("")[key],
      source: CONFIG_SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG,
    },
    {
      value: settings.brokerConfigsSet.has(key) ? settings.brokerConfigs[key] : undefined,
      source: CONFIG_SOURCE.STATIC_BROKER_CONFIG,
    },
    { value: settings.brokerConfigDefaults[key], source: CONFIG_SOURCE.DEFAULT_CONFIG },
  ];
  return layers.filter((l): l is { value: string; source: number } => l.value !== undefined);
}

/**
 * A broker key's synonyms as Kafka lists them: the key's own layers, then those of the keys Kafka
 * falls back to (`log.retention.minutes`, `log.retention.hours` for `log.retention.ms`). A key
 * with no value of its own lists none, as Kafka shows an unset `log.retention.ms`, even when a
 * fallback holds the age in force.
 */
function brokerSynonyms(
  broker: BrokerContext,
  key: string,
): { name: string; value: string; source: number }[] {
  const own = brokerLayers(broker, key);
  if (own.length === 0) return [];
  const fallbacks = (BROKER_KEY_FALLBACKS[key] ?? []).flatMap((f) =>
    brokerLayers(broker, f.key).map((l) => ({ name: f.key, ...l }))
  );
  return [...own.map((l) => ({ name: key, ...l })), ...fallbacks];
}

/** One change; every operation but DELETE carries a value (a null one is refused up front). */
type Op =
  | { name: string; op: "delete" }
  | { name: string; op: "set" | "append" | "subtract"; value: string };

type Outcome = { errorCode: number; message: string | null };

interface AlterRequest {
  resources: {
    resourceType: number;
    resourceName: string;
    configs: { name: string; value: string | null; configOperation?: number }[];
  }[];
  validateOnly: boolean;
}

type AlterResource = AlterRequest["resources"][number];

const OPS = ["set", "delete", "append", "subtract"] as const;

const DONE: Outcome = { errorCode: ErrorCode.NONE, message: null };

function refuse(errorCode: number, message: string): Outcome {
  return { errorCode, message };
}

export const alterConfigsHandler = defineHandler<AlterRequest>((broker, { body }) =>
  alterAll(broker, body, false)
);

export const incrementalAlterConfigsHandler = defineHandler<AlterRequest>((broker, { body }) =>
  alterAll(broker, body, true)
);

async function alterAll(broker: BrokerContext, body: AlterRequest, incremental: boolean) {
  const repeated = repeatedResources(body.resources);
  const responses = [];
  for (const res of body.resources) {
    // As in Kafka, every naming of a repeated resource is refused, and none is applied.
    const ops = repeated.has(resourceKey(res))
      ? refuse(ErrorCode.INVALID_REQUEST, "the resource is named more than once in the request")
      : parseOps(res.configs, incremental);
    const outcome = "errorCode" in ops ? ops : await alterOne(
      broker,
      res.resourceType,
      res.resourceName,
      ops,
      incremental,
      body.validateOnly,
    );
    responses.push({
      errorCode: outcome.errorCode,
      errorMessage: outcome.message,
      resourceType: res.resourceType,
      resourceName: res.resourceName,
    });
  }
  return { throttleTimeMs: 0, responses };
}

function resourceKey(res: AlterResource): string {
  return `${res.resourceType}:${res.resourceName}`;
}

function repeatedResources(resources: AlterResource[]): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const res of resources) {
    const key = resourceKey(res);
    if (seen.has(key)) repeated.add(key);
    seen.add(key);
  }
  return repeated;
}

/**
 * The changes a resource asks for, or the INVALID_REQUEST a malformed list gets: a key named twice,
 * a null value for anything but DELETE, an unknown operation. Kafka checks these on the broker
 * before it looks at the resource, so a missing topic does not hide them.
 */
function parseOps(configs: AlterResource["configs"], incremental: boolean): Op[] | Outcome {
  if (new Set(configs.map((c) => c.name)).size !== configs.length) {
    return refuse(ErrorCode.INVALID_REQUEST, "a config is named twice");
  }
  const ops: Op[] = [];
  for (const c of configs) {
    const op = incremental ? OPS[c.configOperation ?? -1] : "set";
    if (op === undefined) {
      return refuse(ErrorCode.INVALID_REQUEST, `unknown config operation ${c.configOperation}`);
    }
    if (op === "delete") ops.push({ name: c.name, op });
    else if (c.value === null) {
      return refuse(ErrorCode.INVALID_REQUEST, `config '${c.name}' needs a value`);
    } else ops.push({ name: c.name, op, value: c.value });
  }
  return ops;
}

/** What altering one resource needs to know about it. */
interface AlterTarget {
  /** The resource's own values, which an incremental change starts from. */
  current: Readonly<Record<string, string>>;
  /** Whether APPEND and SUBTRACT apply to `key`: only to a list-type key. */
  isList(key: string): boolean;
  /** Why `key` cannot take `value`, or undefined. */
  validate(key: string, value: string): string | undefined;
  /** The code for what `validate` refuses. */
  invalidCode: number;
  /** The answer, once the values pass, when the resource does not exist. */
  missing: Outcome | undefined;
}

async function alterOne(
  broker: BrokerContext,
  resourceType: number,
  name: string,
  ops: Op[],
  incremental: boolean,
  validateOnly: boolean,
): Promise<Outcome> {
  if (resourceType === RESOURCE_BROKER_LOGGER) {
    return alterBrokerLoggers(broker, name, ops, incremental, validateOnly);
  }
  const target = resourceType === RESOURCE_TOPIC
    ? topicTarget(broker, name)
    : resourceType === RESOURCE_BROKER
    ? brokerTarget(broker, name)
    : refuse(ErrorCode.INVALID_REQUEST, `resource type ${resourceType} is not supported`);
  if ("errorCode" in target) return target;
  const applied = applyOps(target, ops, incremental);
  if ("errorCode" in applied) return applied;
  const next = applied.values;
  for (const o of ops) {
    if (o.op === "delete") continue;
    const problem = target.validate(o.name, next[o.name]!);
    if (problem !== undefined) return refuse(target.invalidCode, problem);
  }
  if (target.missing !== undefined) return target.missing;
  if (validateOnly) return DONE;
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(next)) if (target.current[k] !== v) set[k] = v;
  const remove = Object.keys(target.current).filter((k) => !(k in next));
  const proposed = await broker.meta.propose({
    type: "alterConfigs",
    resource: resourceType === RESOURCE_TOPIC ? "topic" : "broker",
    name,
    set,
    remove,
  });
  return proposed.ok
    ? DONE
    : refuse(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" is gone`);
}

/** A topic's values are checked before its existence, as Kafka's controller does. */
function topicTarget(broker: BrokerContext, name: string): AlterTarget {
  const topic = broker.meta.tables.topic(name);
  return {
    current: topic?.configs ?? {},
    isList: (key) => topicConfigDef(key)?.type === "list",
    validate: (key, value) => validateTopicConfig(key, value),
    invalidCode: ErrorCode.INVALID_CONFIG,
    missing: topic === undefined
      ? refuse(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic "${name}"`)
      : undefined,
  };
}

/**
 * Kafka's broker validates a change to broker configs itself and answers every refusal (a key
 * that is read-only at run time, a bad value) INVALID_REQUEST, not INVALID_CONFIG (KAFKA-13609).
 */
function brokerTarget(broker: BrokerContext, name: string): AlterTarget | Outcome {
  if (name !== "" && name !== String(broker.nodeId)) {
    return refuse(ErrorCode.INVALID_REQUEST, `this is broker ${broker.nodeId}, not ${name}`);
  }
  return {
    current: broker.meta.tables.brokerConfigs(name),
    isList: (key) => DYNAMIC_BROKER_KEYS.get(key)?.type === "list",
    validate: validateBrokerConfig,
    invalidCode: ErrorCode.INVALID_REQUEST,
    missing: undefined,
  };
}

/**
 * Kafka would store a broker key it does not know (a plugin's); Chronik refuses every key it does
 * not act on, rather than store and ignore it.
 */
function validateBrokerConfig(key: string, value: string): string | undefined {
  const def = DYNAMIC_BROKER_KEYS.get(key);
  if (def === undefined) return `broker config '${key}' cannot be altered at run time`;
  const problem = def.validate(value);
  return problem === undefined ? undefined : `invalid value '${value}' for '${key}': ${problem}`;
}

/** The resource's values after `ops`; APPEND or SUBTRACT on a key that is not a list is refused. */
function applyOps(
  target: AlterTarget,
  ops: Op[],
  incremental: boolean,
): { values: Record<string, string> } | Outcome {
  // AlterConfigs replaces every value of the resource; IncrementalAlterConfigs edits them.
  const next: Record<string, string> = incremental ? { ...target.current } : {};
  for (const o of ops) {
    if (o.op === "delete") {
      delete next[o.name];
      continue;
    }
    if (o.op === "set") {
      next[o.name] = o.value;
      continue;
    }
    if (!target.isList(o.name)) {
      return refuse(ErrorCode.INVALID_CONFIG, `'${o.name}' is not a list config`);
    }
    const existing = next[o.name] ?? "";
    const items = existing === "" ? [] : existing.split(",");
    const given = o.value.split(",").filter((x) => x !== "");
    next[o.name] = o.op === "append"
      ? [...items, ...given.filter((g) => !items.includes(g))].join(",")
      : items.filter((i) => !given.includes(i)).join(",");
  }
  return { values: next };
}

/** Kafka's name of the root logger (log4j's); here the category `chronik`. */
const KAFKA_ROOT_LOGGER = "root";

/** Kafka's level names (`LogLevelConfig.VALID_LOG_LEVELS`, case as given) to LogTape's. */
const LEVEL_BY_KAFKA_NAME: ReadonlyMap<string, LogLevel> = new Map([
  ["TRACE", "trace"],
  ["DEBUG", "debug"],
  ["INFO", "info"],
  ["WARN", "warning"],
  ["ERROR", "error"],
  ["FATAL", "fatal"],
]);

const KAFKA_NAME_BY_LEVEL = new Map([...LEVEL_BY_KAFKA_NAME].map(([k, v]) => [v, k]));

/** As Kafka lists them in its refusal of a level: sorted. */
const VALID_LEVELS_TEXT = [...LEVEL_BY_KAFKA_NAME.keys()].sort().join(", ");

/** The logging category a broker-logger name stands for. */
function categoryOf(loggerName: string): string {
  return loggerName === KAFKA_ROOT_LOGGER ? ROOT_CATEGORY : loggerName;
}

/** Logger names with their Kafka level names: `root` first, then every category by name. */
function brokerLoggers(): Map<string, string> {
  const levels = loggerLevels();
  const named = new Map<string, string>();
  const root = levels.get(ROOT_CATEGORY);
  if (root === undefined) return named; // logging is not set up: no logger to tell of
  named.set(KAFKA_ROOT_LOGGER, KAFKA_NAME_BY_LEVEL.get(root)!);
  for (const [category, level] of levels) named.set(category, KAFKA_NAME_BY_LEVEL.get(level)!);
  return named;
}

/** Java's `Integer.parseInt`, which Kafka reads a broker id with; undefined where it throws. */
function parseJavaInt(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

/**
 * Every logger with its level, as Kafka's ConfigHelper answers BROKER_LOGGER: source
 * DYNAMIC_BROKER_LOGGER_CONFIG, never read-only or sensitive, no synonyms even when asked, no
 * config type, and empty documentation (Kafka leaves the field at its default).
 */
function describeBrokerLoggers(
  broker: BrokerContext,
  name: string,
): ConfigEntry[] | { errorCode: number; message: string } {
  const invalid = (message: string) => ({ errorCode: ErrorCode.INVALID_REQUEST, message });
  if (name === "") return invalid("Broker id must not be empty");
  const id = parseJavaInt(name);
  if (id === undefined) return invalid(`Broker id must be an integer, but it is: ${name}`);
  if (id !== broker.nodeId) {
    return invalid(`Unexpected broker id, expected ${broker.nodeId} but received ${name}`);
  }
  return [...brokerLoggers()].map(([logger, level]) => ({
    name: logger,
    value: level,
    readOnly: false,
    configSource: CONFIG_SOURCE.DYNAMIC_BROKER_LOGGER_CONFIG,
    isSensitive: false,
    synonyms: [],
    configType: CONFIG_TYPE_UNKNOWN,
    documentation: "",
  }));
}

/**
 * IncrementalAlterConfigs of this node's loggers, checked as Kafka's RuntimeLoggerManager checks
 * them: the resource names this node (INVALID_REQUEST otherwise); then each change in order, the
 * first failing one answering for all: SET needs a known logger and a level of
 * {@link LEVEL_BY_KAFKA_NAME} (INVALID_CONFIG), DELETE a known logger other than the root
 * (INVALID_CONFIG, INVALID_REQUEST), APPEND and SUBTRACT are refused (INVALID_REQUEST). Nothing
 * changes unless every change passes, nor with `validateOnly`. AlterConfigs refuses the type, as
 * Kafka's does for any type it does not take there.
 */
function alterBrokerLoggers(
  broker: BrokerContext,
  name: string,
  ops: Op[],
  incremental: boolean,
  validateOnly: boolean,
): Outcome {
  if (!incremental) {
    return refuse(ErrorCode.INVALID_REQUEST, `Unknown resource type ${RESOURCE_BROKER_LOGGER}`);
  }
  const id = parseJavaInt(name);
  if (id === undefined) {
    return refuse(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${name}`);
  }
  if (id !== broker.nodeId) {
    return refuse(
      ErrorCode.INVALID_REQUEST,
      `Unexpected node id. Expected ${broker.nodeId}, but received ${id}`,
    );
  }
  const known = brokerLoggers();
  const changes: LevelChange[] = [];
  for (const o of ops) {
    const change = levelChange(o, known);
    if ("errorCode" in change) return change;
    changes.push(change);
  }
  try {
    changeLogLevels(changes, { validateOnly });
  } catch (error) {
    if (error instanceof TooManyLevelOverridesError) {
      return refuse(ErrorCode.INVALID_CONFIG, error.message);
    }
    throw error;
  }
  if (!validateOnly) {
    // Warned, as Kafka does: a level changed at run time is gone after a restart.
    for (const o of ops) {
      log.warning("log level of {logger} {change} (until restart)", {
        logger: o.name,
        change: o.op === "set" ? `set to ${o.value}` : "unset",
      });
    }
  }
  return DONE;
}

/** The level change one operation asks for, or Kafka's refusal of it. */
function levelChange(o: Op, known: ReadonlyMap<string, string>): LevelChange | Outcome {
  if (o.op === "append" || o.op === "subtract") {
    return refuse(
      ErrorCode.INVALID_REQUEST,
      `${o.op.toUpperCase()} operation is not allowed for the BROKER_LOGGER resource`,
    );
  }
  if (!known.has(o.name)) {
    return refuse(ErrorCode.INVALID_CONFIG, `Logger ${o.name} does not exist!`);
  }
  const category = categoryOf(o.name);
  if (o.op === "delete") {
    // `chronik` is the root under its other name, so it keeps its level too.
    return category === ROOT_CATEGORY
      ? refuse(
        ErrorCode.INVALID_REQUEST,
        `Removing the log level of the ${KAFKA_ROOT_LOGGER} logger is not allowed`,
      )
      : { category, level: null };
  }
  const level = LEVEL_BY_KAFKA_NAME.get(o.value);
  if (level === undefined) {
    return refuse(
      ErrorCode.INVALID_CONFIG,
      `Cannot set the log level of ${o.name} to ${o.value} as it is not a supported log ` +
        `level. Valid log levels are ${VALID_LEVELS_TEXT}`,
    );
  }
  return { category, level };
}

/** The types ListConfigResources lists, by version (`ListConfigResourcesRequest`). */
const LISTABLE_TYPES_V0: readonly number[] = [RESOURCE_CLIENT_METRICS];
const LISTABLE_TYPES: readonly number[] = [
  RESOURCE_TOPIC,
  RESOURCE_BROKER,
  RESOURCE_BROKER_LOGGER,
  RESOURCE_CLIENT_METRICS,
  RESOURCE_GROUP,
];

interface ListConfigResourcesRequest {
  /** Absent before v1: the codec fills in `[]`, which asks for every type the version lists. */
  readonly resourceTypes: readonly number[];
}

export const listConfigResourcesHandler = defineHandler<ListConfigResourcesRequest>(
  (broker, { version, body }) => {
    const listable = version === 0 ? LISTABLE_TYPES_V0 : LISTABLE_TYPES;
    const types = body.resourceTypes.length === 0 ? listable : body.resourceTypes;
    if (types.some((t) => !listable.includes(t))) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_VERSION, configResources: [] };
    }
    const wanted = new Set(types);
    const configResources: { resourceName: string; resourceType: number }[] = [];
    const add = (resourceType: number, names: Iterable<string>) => {
      if (!wanted.has(resourceType)) return;
      for (const resourceName of names) configResources.push({ resourceName, resourceType });
    };
    // Kafka's order of types: groups with configs, client-metrics subscriptions (neither exists
    // here), broker loggers, brokers, topics. Within a type Kafka iterates hash maps, which
    // promise no order; here brokers go by id and topics by name.
    const brokerIds = [...broker.meta.tables.brokers()].map((b) => b.nodeId).sort((a, b) => a - b)
      .map(String);
    add(RESOURCE_BROKER_LOGGER, brokerIds);
    add(RESOURCE_BROKER, brokerIds);
    add(RESOURCE_TOPIC, [...broker.meta.tables.topics()].map((t) => t.name).sort());
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, configResources };
  },
);
