/**
 * Building the validated, frozen {@link Config} from its sources.
 * Precedence: flag > environment > file > default.
 */
import { parse as parseToml, TomlError } from "smol-toml";
import {
  envName,
  findSetting,
  type LogFormatName,
  type LogLevelName,
  LONG_MAX,
  type Setting,
  SETTINGS,
  type SettingValue,
} from "./schema.ts";

/** Bounds of the Kafka TCP server. */
export interface ServerConfig {
  readonly maxFrameBytes: number;
  readonly maxConnections: number;
  readonly maxInflightBytesPerConnection: number;
  readonly maxInflightBytesTotal: number;
  readonly maxQueuedRequestsPerConnection: number;
  readonly idleTimeoutMs: number;
  readonly shutdownGraceMs: number;
  /** Read buffer of each connection; larger frames are read straight into their own buffer. */
  readonly readBufferBytes: number;
  /** Bound on the idle buffers kept for produce request frames (0: a fresh array per frame). */
  readonly requestBufferPoolBytes: number;
  /** Bound on the idle buffers kept for responses and fetched batches (0: fresh arrays). */
  readonly responseBufferPoolBytes: number;
  /** Largest buffer the response encoder keeps between responses. */
  readonly responseScratchKeepBytes: number;
}

/** Broker-wide defaults for topics. */
export interface BrokerConfig {
  readonly numPartitions: number;
  readonly maxPartitionsPerBroker: number;
  readonly maxRequestPartitionSizeLimit: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopicsEnable: boolean;
  /** null: unset; the retention age then comes from the minutes, else the hours. */
  readonly logRetentionMs: number | null;
  readonly logRetentionMinutes: number | null;
  readonly logRetentionHours: number;
  readonly logRetentionCheckIntervalMs: number;
  readonly logRetentionBytes: number;
  readonly logSegmentBytes: number;
  /** null: unset; the roll age then comes from the hours. */
  readonly logRollMs: number | null;
  readonly logRollHours: number;
  readonly messageMaxBytes: number;
  readonly logFlushAckBeforeSync: boolean;
  readonly logMaxPendingBytes: number;
  readonly logWriteBufferPoolBytes: number;
  readonly logMaxOpenFiles: number;
  readonly logOpenConcurrency: number;
  readonly logIndexCacheBytes: number;
  readonly minInsyncReplicas: number;
  readonly logMessageTimestampBeforeMaxMs: number;
  readonly logMessageTimestampAfterMaxMs: number;
  readonly producerIdExpirationMs: number;
  readonly producerIdExpirationCheckIntervalMs: number;
}

/** Consumer-group coordinator settings. */
export interface GroupsConfig {
  readonly offsetsTopicNumPartitions: number;
  readonly offsetsRetentionMinutes: number;
}

/** Bounds on Fetch. */
export interface FetchConfig {
  readonly maxBytes: number;
  readonly maxWaitMs: number;
}

/** How produced batches are checked. */
export interface ProduceConfig {
  /** Worker threads that walk large batches; 0 walks every batch on the main thread. */
  readonly validationThreads: number;
  readonly validationInlineMaxBytes: number;
  readonly validationInlineMaxRecords: number;
  readonly validationQueueMaxBytes: number;
}

/** The node's whole configuration; deeply frozen. */
export interface Config {
  readonly nodeId: number;
  readonly kafkaPort: number;
  readonly bindAddr: string;
  /** Never empty: defaults to `bindAddr` when that is not a wildcard. */
  readonly advertisedAddr: string;
  readonly dataDir: string;
  /** 0 = admin API off. */
  readonly adminPort: number;
  readonly logLevel: LogLevelName;
  readonly logFormat: LogFormatName;
  readonly server: ServerConfig;
  readonly broker: BrokerConfig;
  readonly fetch: FetchConfig;
  readonly groups: GroupsConfig;
  readonly produce: ProduceConfig;
}

/** Where a value came from; named in errors. */
export type ConfigSource = "default" | "file" | "env" | "flag";

/** A refused configuration: names the key, the value and where it came from. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    message: string,
    readonly key: string,
    readonly value: unknown,
    readonly source: ConfigSource | "cross-check",
  ) {
    super(message);
  }
}

/** Inputs of {@link buildConfig}; all optional. */
export interface ConfigSources {
  /** TOML text of the config file. */
  readonly fileText?: string;
  /** Name of the file, for messages. */
  readonly fileName?: string;
  /** Environment variables (only `CHRONIK_*` ones are looked at). */
  readonly env?: Readonly<Record<string, string>>;
  /** Flag values by setting key (`"kafka.port" → "19092"`), as typed on the command line. */
  readonly flags?: Readonly<Record<string, string>>;
}

/**
 * `CHRONIK_*` variables that are not settings (test tooling). Any other unknown `CHRONIK_*`
 * variable is a ConfigError, so a typo cannot silently leave a default in place.
 */
export const NON_SETTING_ENV: readonly string[] = ["CHRONIK_SKIP_SETUP"];
const NON_SETTING_ENV_PREFIXES = ["CHRONIK_TEST_", "CHRONIK_INTEROP_"];

/** Builds, validates and freezes the configuration; throws {@link ConfigError}. */
export function buildConfig(sources: ConfigSources = {}): Config {
  const chosen = new Map<string, { value: SettingValue | null; source: ConfigSource }>();
  for (const setting of SETTINGS) {
    chosen.set(setting.key, { value: setting.default, source: "default" });
  }
  if (sources.fileText !== undefined) {
    for (const [key, raw] of readFile(sources.fileText, sources.fileName ?? "config file")) {
      const setting = findSetting(key);
      if (setting === undefined) {
        throw new ConfigError(
          `unknown key ${key} in ${sources.fileName ?? "config file"}`,
          key,
          raw,
          "file",
        );
      }
      chosen.set(key, { value: convert(setting, raw, "file"), source: "file" });
    }
  }
  const byEnv = new Map(SETTINGS.map((s) => [envName(s.key), s]));
  for (const [name, raw] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith("CHRONIK_")) continue;
    if (
      NON_SETTING_ENV.includes(name) || NON_SETTING_ENV_PREFIXES.some((p) => name.startsWith(p))
    ) continue;
    const setting = byEnv.get(name);
    if (setting === undefined) {
      throw new ConfigError(
        `unknown environment variable ${name}=${JSON.stringify(raw)}`,
        name,
        raw,
        "env",
      );
    }
    chosen.set(setting.key, { value: convert(setting, raw, "env"), source: "env" });
  }
  for (const [key, raw] of Object.entries(sources.flags ?? {})) {
    const setting = findSetting(key);
    if (setting === undefined) {
      throw new ConfigError(`unknown flag for key ${key}`, key, raw, "flag");
    }
    chosen.set(key, { value: convert(setting, raw, "flag"), source: "flag" });
  }
  const tree: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const picked = chosen.get(setting.key);
    if (picked === undefined) throw new Error(`config: no value chosen for ${setting.key}`);
    setPath(tree, setting.field, picked.value);
  }
  const config = tree as unknown as MutableConfig;
  crossCheck(config, (key) => chosen.get(key)?.source ?? "default");
  const frozen = deepFreeze(config);
  SOURCES.set(frozen, new Map([...chosen].map(([key, c]) => [key, c.source])));
  return frozen;
}

/** Where each setting of a built config came from, kept beside the config, not in it. */
const SOURCES = new WeakMap<Config, ReadonlyMap<string, ConfigSource>>();

/**
 * Where `key`'s value in `config` came from; "default" also for a config not made by
 * {@link buildConfig}. DescribeConfigs tells defaults from values an operator set.
 */
export function settingSource(config: Config, key: string): ConfigSource {
  return SOURCES.get(config)?.get(key) ?? "default";
}

type MutableConfig = { -readonly [K in keyof Config]: Config[K] };

/** Flattens the TOML document into `[dotted key, value]` pairs. */
function readFile(text: string, fileName: string): Array<[string, unknown]> {
  let doc: Record<string, unknown>;
  try {
    // Integers past 2^53 come as bigints, so the setting they belong to can name itself in the error.
    doc = parseToml(text, { integersAsBigInt: "asNeeded" }) as Record<string, unknown>;
  } catch (error) {
    const detail = error instanceof TomlError ? error.message : String(error);
    throw new ConfigError(
      `cannot parse ${fileName}: ${detail}`,
      fileName,
      text.slice(0, 80),
      "file",
    );
  }
  const out: Array<[string, unknown]> = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [name, value] of Object.entries(node)) {
      const key = prefix === "" ? name : `${prefix}.${name}`;
      // A TOML table continues the dotted key, unless it is a known leaf (caught by convert).
      if (isPlainTable(value) && findSetting(key) === undefined) walk(value, key);
      else out.push([key, value]);
    }
  };
  walk(doc, "");
  return out;
}

function isPlainTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

/** An integer from TOML (a number, or a bigint past 2^53) or from a flag or variable; else null. */
function integerText(raw: unknown, source: ConfigSource): bigint | null {
  if (typeof raw === "bigint") return raw;
  if (typeof raw === "number") return Number.isSafeInteger(raw) ? BigInt(raw) : null;
  if (source !== "file" && typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw)) {
    return BigInt(raw.trim());
  }
  return null;
}

/** Converts a raw value (a string from env/flags, or a TOML value) to the setting's type. */
function convert(setting: Setting, raw: unknown, source: ConfigSource): SettingValue {
  const fail = (expected: string): never => {
    const shown = typeof raw === "string" ? JSON.stringify(raw) : String(raw);
    throw new ConfigError(
      `invalid value ${shown} for ${setting.key} (from ${
        describe(setting, source)
      }): expected ${expected}`,
      setting.key,
      raw,
      source,
    );
  };
  let value: SettingValue;
  switch (setting.type) {
    case "int": {
      const min = setting.min ?? Number.MIN_SAFE_INTEGER;
      const max = setting.max ?? Number.MAX_SAFE_INTEGER;
      const n = integerText(raw, source);
      const top = setting.kafkaLong === true ? LONG_MAX : BigInt(max);
      if (n === null || n < BigInt(min) || n > top) fail(`an integer in [${min}, ${top}]`);
      value = n! > BigInt(max) ? max : Number(n);
      break;
    }
    case "bool": {
      if (typeof raw === "boolean") value = raw;
      else if (source !== "file" && raw === "true") value = true;
      else if (source !== "file" && raw === "false") value = false;
      else value = fail("true or false");
      break;
    }
    case "string": {
      if (typeof raw !== "string") fail("a string");
      value = raw as string;
      break;
    }
    case "enum": {
      const values = setting.values ?? [];
      const name = typeof raw === "string" ? (setting.aliases?.[raw] ?? raw) : raw;
      if (typeof name !== "string" || !values.includes(name)) fail(`one of ${values.join("|")}`);
      value = name as string;
      break;
    }
  }
  const problem = setting.check?.(value) ?? null;
  if (problem !== null) fail(problem);
  return value;
}

function describe(setting: Setting, source: ConfigSource): string {
  switch (source) {
    case "env":
      return envName(setting.key);
    case "flag":
      return `--${setting.key.replaceAll(".", "-")}`;
    default:
      return source;
  }
}

function crossCheck(config: MutableConfig, sourceOf: (key: string) => ConfigSource): void {
  const refuse = (key: string, value: unknown, why: string): never => {
    throw new ConfigError(
      `invalid value ${JSON.stringify(value)} for ${key} (from ${sourceOf(key)}): ${why}`,
      key,
      value,
      "cross-check",
    );
  };
  const s = config.server;
  if (s.maxInflightBytesPerConnection < s.maxFrameBytes) {
    refuse(
      "server.max.inflight.bytes.per.connection",
      s.maxInflightBytesPerConnection,
      `must be at least server.max.frame.bytes (${s.maxFrameBytes})`,
    );
  }
  if (s.maxInflightBytesTotal < s.maxInflightBytesPerConnection) {
    refuse(
      "server.max.inflight.bytes",
      s.maxInflightBytesTotal,
      `must be at least server.max.inflight.bytes.per.connection (${s.maxInflightBytesPerConnection})`,
    );
  }
  if (config.broker.messageMaxBytes > s.maxFrameBytes) {
    refuse(
      "message.max.bytes",
      config.broker.messageMaxBytes,
      `must not exceed server.max.frame.bytes (${s.maxFrameBytes})`,
    );
  }
  if (config.broker.minInsyncReplicas > config.broker.defaultReplicationFactor) {
    refuse(
      "min.insync.replicas",
      config.broker.minInsyncReplicas,
      `must not exceed default.replication.factor (${config.broker.defaultReplicationFactor})`,
    );
  }
  if (config.advertisedAddr === "") {
    if (isWildcard(config.bindAddr)) {
      refuse("advertised.addr", "", `must be set when bind.addr is ${config.bindAddr}`);
    }
    config.advertisedAddr = config.bindAddr;
  } else if (isWildcard(config.advertisedAddr)) {
    refuse("advertised.addr", config.advertisedAddr, "must be a reachable address, not a wildcard");
  }
}

function isWildcard(addr: string): boolean {
  return addr === "0.0.0.0" || addr === "::" || addr === "[::]";
}

function setPath(
  tree: Record<string, unknown>,
  path: string,
  value: SettingValue | null,
): void {
  const parts = path.split(".");
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === undefined) {
      const child: Record<string, unknown> = {};
      node[part] = child;
      node = child;
    } else {
      node = next as Record<string, unknown>;
    }
  }
  const last = parts[parts.length - 1];
  if (last === undefined || last in node) throw new Error(`config: field ${path} set twice`);
  node[last] = value;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === "object" && child !== null) deepFreeze(child);
  }
  return Object.freeze(value);
}

/** Reads the file (if any) and the process environment, then builds the config. */
export async function loadConfig(
  options: { readonly configFile?: string; readonly flags?: Readonly<Record<string, string>> },
): Promise<Config> {
  let fileText: string | undefined;
  if (options.configFile !== undefined) {
    try {
      fileText = await Deno.readTextFile(options.configFile);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ConfigError(
        `cannot read config file ${options.configFile}: ${why}`,
        "config",
        options.configFile,
        "flag",
      );
    }
  }
  return buildConfig({
    ...(fileText === undefined ? {} : { fileText, fileName: options.configFile }),
    env: Deno.env.toObject(),
    ...(options.flags === undefined ? {} : { flags: options.flags }),
  });
}
