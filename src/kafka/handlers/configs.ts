/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics and brokers.
 *
 * Topic configs are the ones in `cluster/meta/topic_configs.ts`; a topic's effective value is its
 * override, else the broker's dynamic default, else the broker's static setting. Brokers can be
 * described fully; only the topic-default keys (`log.retention.ms`, …) can be altered at run time,
 * other broker keys are refused (INVALID_REQUEST, Kafka's code for a broker key it cannot change)
 * rather than stored and ignored.
 *
 * @module
 */
import { ErrorCode } from "../protocol/errors.ts";
import {
  brokerDefaults,
  type ConfigType,
  effectiveTopicConfigs,
  TOPIC_CONFIGS,
  topicConfigDef,
  validateTopicConfig,
} from "../../cluster/meta/topic_configs.ts";
import type { BrokerContext } from "./context.ts";
import { defineHandler } from "./_util.ts";

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

export const CONFIG_SOURCE = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

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
  const defaults = effectiveBrokerDefaults(broker);
  const effective = effectiveTopicConfigs(topic.configs, defaults);
  return [...effective].map(([key, v]) => {
    const def = topicConfigDef(key)!;
    const brokerSource = brokerLayers(broker, def.brokerKey)[0]?.source ??
      CONFIG_SOURCE.DEFAULT_CONFIG;
    const source = v.isDefault ? brokerSource : CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG;
    const list = [];
    if (synonyms) {
      if (!v.isDefault) list.push({ name: key, value: v.value, source });
      list.push({
        name: def.brokerKey,
        value: defaults[def.brokerKey] ?? null,
        source: brokerSource,
      });
    }
    return {
      name: key,
      value: v.value,
      readOnly: false,
      configSource: source,
      isSensitive: false,
      synonyms: list,
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
    ...DYNAMIC_BROKER_KEYS.keys(),
  ]);
  return [...keys].sort().map((key) => {
    const present = brokerLayers(broker, key);
    const winner = present[0];
    const def = DYNAMIC_BROKER_KEYS.get(key);
    return {
      name: key,
      value: winner?.value ?? null,
      readOnly: def === undefined,
      configSource: winner?.source ?? CONFIG_SOURCE.DEFAULT_CONFIG,
      isSensitive: false,
      synonyms: synonyms
        ? present.map((l) => ({ name: key, value: l.value, source: l.source }))
        : [],
      configType: def === undefined ? configTypeCode("string") : configTypeCode(def.type),
      documentation: docs ? (def?.doc ?? null) : null,
    };
  });
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
 * source: this node's dynamic value, the cluster-wide dynamic one, then the static one, which is
 * DEFAULT_CONFIG when no operator set it (tools such as `kafka-topics.sh --describe` leave those
 * out).
 */
function brokerLayers(broker: BrokerContext, key: string): { value: string; source: number }[] {
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
      value: broker.settings.brokerConfigs[key],
      source: broker.settings.brokerConfigDefaults.has(key)
        ? CONFIG_SOURCE.DEFAULT_CONFIG
        : CONFIG_SOURCE.STATIC_BROKER_CONFIG,
    },
  ];
  return layers.filter((l): l is { value: string; source: number } => l.value !== undefined);
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
