/**
 * LogTape setup. One category per subsystem under `chronik` (`["chronik", "server"]`); lines go
 * to stderr as text or JSON lines. Until {@link setupLogging} runs, LogTape drops every record,
 * which is what tests want unless they capture.
 *
 * Levels can change while the process runs (Kafka's broker-logger configs, KIP-412):
 * {@link changeLogLevels} gives a category its own level, or takes it away so that the category
 * inherits its parent's again; the root category `chronik` starts at the level `setupLogging` was
 * given. Overrides live in memory only: a restart, a new `setupLogging` or `teardownLogging` drops
 * them. {@link loggerLevels} lists every category it knows with the level that applies to it.
 *
 * @module
 */
import {
  configureSync,
  getLogger,
  getLoggers,
  getTextFormatter,
  jsonLinesFormatter,
  type Logger,
  type LoggerConfig,
  type LogRecord,
  reset,
  type Sink,
} from "@logtape/logtape";

/** Log levels in LogTape's naming, lowest first. */
export type LogLevel = "trace" | "debug" | "info" | "warning" | "error" | "fatal";

/** Subsystem categories used across Chronik; others may be added. */
export type Subsystem =
  | "main"
  | "config"
  | "server"
  | "admin"
  | "node"
  | "handlers"
  | "log"
  | "raft"
  | "cluster"
  | "groups"
  | "metrics";

/** Root category of every Chronik logger. */
export const ROOT_CATEGORY = "chronik";

/**
 * The most categories that may hold a run-time level at once (the root counts). Each one is a
 * logger entry that every later change reconfigures and every listing walks; the categories in
 * the code number a few dozen, so the bound is only reached by a client gone wrong.
 */
export const LEVEL_OVERRIDES_MAX = 1000;

/** Logger of one subsystem: `logger("server").info("listening on {addr}", { addr })`. */
export function logger(subsystem: Subsystem, ...sub: string[]): Logger {
  const category = [ROOT_CATEGORY, subsystem, ...sub];
  obtained.add(category.join("."));
  return getLogger(category);
}

/** Options of {@link setupLogging}. */
export interface LoggingOptions {
  readonly level: LogLevel;
  readonly format: "text" | "json";
  /** Where formatted lines go; stderr by default. Tests pass a collector. */
  readonly write?: (line: string) => void;
}

/** One run-time level change: `level` null removes the category's own level. */
export interface LevelChange {
  /** Dot-joined category: `chronik`, `chronik.server`, … */
  readonly category: string;
  readonly level: LogLevel | null;
}

/** Thrown by {@link changeLogLevels} when more than {@link LEVEL_OVERRIDES_MAX} would be set. */
export class TooManyLevelOverridesError extends Error {
  constructor() {
    super(
      `cannot give more than ${LEVEL_OVERRIDES_MAX} loggers their own level; ` +
        "delete the level of some first",
    );
    this.name = "TooManyLevelOverridesError";
  }
}

/** What {@link setupLogging} was given; undefined until it runs and after teardown. */
let active: { readonly sink: Sink; readonly baseLevel: LogLevel } | undefined;

/**
 * Run-time levels by dot-joined category; `chronik` here replaces the base level. At most
 * {@link LEVEL_OVERRIDES_MAX} entries; empty whenever `active` is undefined.
 */
const overrides = new Map<string, LogLevel>();

/**
 * Dot-joined categories handed out by {@link logger}. LogTape's own tree (`getLoggers`) holds its
 * loggers through weak references, so a logger a function obtained and dropped may vanish from it
 * at the next garbage collection; this set keeps such categories listed. Categories are names in
 * the code, so the set stays small.
 */
const obtained = new Set<string>();

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  const bytes = encoder.encode(line);
  let offset = 0;
  // writeSync may write less than asked; a log line is small, so finishing it here is cheap.
  while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
}

/** A sink that formats each record as one line and hands it to `write`. */
export function lineSink(format: "text" | "json", write: (line: string) => void): Sink {
  const formatter = format === "json" ? jsonLinesFormatter : getTextFormatter({
    timestamp: "rfc3339",
    category: ".",
    value: "bare",
  });
  return (record: LogRecord) => write(formatter(record));
}

/** Configures LogTape for the whole process (replacing any earlier setup and level changes). */
export function setupLogging(options: LoggingOptions): Promise<void> {
  overrides.clear();
  active = {
    sink: lineSink(options.format, options.write ?? writeStderr),
    baseLevel: options.level,
  };
  reconfigure(active);
  return Promise.resolve();
}

/** Removes the setup and every level change; later records are dropped. */
export async function teardownLogging(): Promise<void> {
  active = undefined;
  overrides.clear();
  await reset();
}

/**
 * Every category this process knows, dot-joined, with the level that applies to it: its own, else
 * its nearest ancestor's, else the root's. Known are the root, every category a logger was
 * obtained for (through {@link logger} or LogTape's `getLogger`, and their ancestors) and every
 * category with its own level. Empty before {@link setupLogging}: nothing is logged then, so there
 * is no level to tell.
 */
export function loggerLevels(): Map<string, LogLevel> {
  const levels = new Map<string, LogLevel>();
  if (active === undefined) return levels;
  const names = new Set([ROOT_CATEGORY, ...obtained, ...overrides.keys()]);
  for (const l of getLoggers([ROOT_CATEGORY])) names.add(l.category.join("."));
  for (const name of [...names].sort()) levels.set(name, effectiveLevel(name, active.baseLevel));
  return levels;
}

/**
 * Applies `changes` in order, all or none, to the running setup: records of a category below its
 * level are dropped from then on, the rest reach the same sink in the same format. A category's
 * level covers its descendants that have none of their own, whatever its ancestors' levels.
 * Removing the root's level brings back the base level. With `validateOnly`, only checks.
 *
 * @throws TooManyLevelOverridesError, changing nothing, when more than
 *   {@link LEVEL_OVERRIDES_MAX} categories would have their own level.
 */
export function changeLogLevels(
  changes: readonly LevelChange[],
  options: { readonly validateOnly?: boolean } = {},
): void {
  if (active === undefined) throw new Error("changeLogLevels before setupLogging");
  const next = new Map(overrides);
  for (const c of changes) {
    if (c.category !== ROOT_CATEGORY && !c.category.startsWith(`${ROOT_CATEGORY}.`)) {
      throw new Error(`category ${c.category} is not under ${ROOT_CATEGORY}`);
    }
    if (c.level === null) next.delete(c.category);
    else next.set(c.category, c.level);
  }
  if (next.size > LEVEL_OVERRIDES_MAX) throw new TooManyLevelOverridesError();
  if (options.validateOnly) return;
  overrides.clear();
  for (const [category, level] of next) overrides.set(category, level);
  reconfigure(active);
}

function effectiveLevel(category: string, baseLevel: LogLevel): LogLevel {
  for (
    let name = category;
    name.length > 0;
    name = name.slice(0, Math.max(0, name.lastIndexOf(".")))
  ) {
    const own = overrides.get(name);
    if (own !== undefined) return own;
  }
  return baseLevel;
}

/**
 * Installs the setup with the current overrides. The sink hangs on the root category alone; a
 * category with its own level takes its ancestors' sinks regardless of their levels (LogTape's
 * `parentSinks: "forward"`), which is log4j's rule that the nearest level set decides. The
 * synchronous `configureSync` swaps the whole configuration at once, so no record logged by other
 * code falls between the reset and the new setup; with one sink and a few loggers it is cheap.
 */
function reconfigure(setup: { readonly sink: Sink; readonly baseLevel: LogLevel }): void {
  const loggers: LoggerConfig<"out", never>[] = [
    {
      category: [ROOT_CATEGORY],
      sinks: ["out"],
      lowestLevel: overrides.get(ROOT_CATEGORY) ?? setup.baseLevel,
    },
    // LogTape's own diagnostics: only problems.
    { category: ["logtape", "meta"], sinks: ["out"], lowestLevel: "warning" },
  ];
  for (const [category, level] of overrides) {
    if (category === ROOT_CATEGORY) continue;
    // Chronik's category names hold no dots, so the dot-joined form splits back unambiguously.
    loggers.push({ category: category.split("."), lowestLevel: level, parentSinks: "forward" });
  }
  configureSync({ reset: true, sinks: { out: setup.sink }, loggers });
}
