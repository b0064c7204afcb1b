/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics and brokers.
 *
 * Topic configs are the ones in `cluster/meta/topic_configs.ts`; a topic's effective value is its
 * override, else the broker's dynamic default, else the broker's static setting. Brokers can be
 * described fully; only the topic-default keys (`log.retention.ms`, …) can be altered at run time,
 * other broker keys are refused with INVALID_CONFIG rather than stored and ignored.
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

type Op = { name: string; op: "set" | "delete" | "append" | "subtract"; value: string | null };

interface AlterRequest {
  resources: {
    resourceType: number;
    resourceName: string;
    configs: { name: string; value: string | null; configOperation?: number }[];
  }[];
  validateOnly: boolean;
}

const OPS = ["set", "delete", "append", "subtract"] as const;

export const alterConfigsHandler = defineHandler<AlterRequest>((broker, { body }) =>
  alterAll(broker, body, false)
);

export const incrementalAlterConfigsHandler = defineHandler<AlterRequest>((broker, { body }) =>
  alterAll(broker, body, true)
);

async function alterAll(broker: BrokerContext, body: AlterRequest, incremental: boolean) {
  const responses = [];
  for (const res of body.resources) {
    const ops: Op[] = [];
    let bad: string | undefined;
    for (const c of res.configs) {
      const op = incremental ? OPS[c.configOperation ?? -1] : "set";
      if (op === undefined) bad = `unknown config operation ${c.configOperation}`;
      else ops.push({ name: c.name, op, value: c.value });
    }
    if (new Set(ops.map((o) => o.name)).size !== ops.length) bad = "a config is named twice";
    const outcome = bad !== undefined
      ? { errorCode: ErrorCode.INVALID_REQUEST, message: bad }
      : await alterOne(
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

async function alterOne(
  broker: BrokerContext,
  resourceType: number,
  name: string,
  ops: Op[],
  incremental: boolean,
  validateOnly: boolean,
): Promise<{ errorCode: number; message: string | null }> {
  const tables = broker.meta.tables;
  let current: Readonly<Record<string, string>>;
  let validate: (key: string, value: string) => string | undefined;
  if (resourceType === RESOURCE_TOPIC) {
    const topic = tables.topic(name);
    if (topic === undefined) {
      return {
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        message: `unknown topic "${name}"`,
      };
    }
    current = topic.configs;
    validate = (key, value) => validateTopicConfig(key, value);
  } else if (resourceType === RESOURCE_BROKER) {
    if (name !== "" && name !== String(broker.nodeId)) {
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        message: `this is broker ${broker.nodeId}, not ${name}`,
      };
    }
    current = tables.brokerConfigs(name);
    validate = (key, value) => {
      const def = DYNAMIC_BROKER_KEYS.get(key);
      if (def === undefined) return `broker config '${key}' cannot be altered at run time`;
      const problem = def.validate(value);
      return problem === undefined
        ? undefined
        : `invalid value '${value}' for '${key}': ${problem}`;
    };
  } else {
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      message: `resource type ${resourceType} is not supported`,
    };
  }
  const next: Record<string, string> = incremental ? { ...current } : {};
  for (const o of ops) {
    const existing = next[o.name] ?? "";
    const items = existing === "" ? [] : existing.split(",");
    const given = (o.value ?? "").split(",").filter((x) => x !== "");
    if (o.op === "delete") {
      delete next[o.name];
      continue;
    }
    if ((o.op === "append" || o.op === "subtract") && topicConfigDef(o.name)?.type !== "list") {
      return { errorCode: ErrorCode.INVALID_CONFIG, message: `'${o.name}' is not a list config` };
    }
    const value = o.op === "set"
      ? o.value
      : o.op === "append"
      ? [...items, ...given.filter((g) => !items.includes(g))].join(",")
      : items.filter((i) => !given.includes(i)).join(",");
    if (value === null) {
      return { errorCode: ErrorCode.INVALID_CONFIG, message: `'${o.name}' needs a value` };
    }
    const problem = validate(o.name, value);
    if (problem !== undefined) return { errorCode: ErrorCode.INVALID_CONFIG, message: problem };
    next[o.name] = value;
  }
  if (validateOnly) return { errorCode: ErrorCode.NONE, message: null };
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(next)) if (current[k] !== v) set[k] = v;
  const remove = Object.keys(current).filter((k) => !(k in next));
  const applied = await broker.meta.propose({
    type: "alterConfigs",
    resource: resourceType === RESOURCE_TOPIC ? "topic" : "broker",
    name,
    set,
    remove,
  });
  return applied.ok
    ? { errorCode: ErrorCode.NONE, message: null }
    : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `topic "${name}" is gone` };
}
