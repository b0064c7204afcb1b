/**
 * Configuration: one validated, frozen {@link Config} built from a TOML file, `CHRONIK_*`
 * environment variables and command-line flags (precedence flag > env > file > default).
 *
 * All settings live in one table, {@link SETTINGS} (key, type, default, validator, doc); the
 * environment variable (`CHRONIK_LOG_LEVEL`) and flag (`--log-level`) names derive from the key
 * (`log.level`), and `docs/configuration.md` is rendered from it (`src/config/doc.ts`).
 *
 * ```ts
 * const config = await loadConfig({ configFile: "chronik.toml", flags: { "kafka.port": "19092" } });
 * config.server.maxFrameBytes; // 104857600 unless set
 * ```
 *
 * Refusals (unknown key, bad value, failed cross-check) throw {@link ConfigError}, whose message
 * names the key, the value and its source; `main.ts` prints it and exits 2. Nothing outside this
 * folder reads configuration sources.
 *
 * @module
 */
export {
  type BrokerConfig,
  buildConfig,
  type Config,
  ConfigError,
  type ConfigSource,
  type ConfigSources,
  type FetchConfig,
  type GroupsConfig,
  loadConfig,
  NON_SETTING_ENV,
  type ServerConfig,
  settingSource,
} from "./config.ts";
export {
  envName,
  findSetting,
  flagName,
  kafkaText,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormatName,
  type LogLevelName,
  LONG_MAX,
  type Setting,
  SETTINGS,
  type SettingType,
  type SettingValue,
} from "./schema.ts";
export { renderConfigurationDoc } from "./doc.ts";
