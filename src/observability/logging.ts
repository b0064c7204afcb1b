/**
 * LogTape setup. One category per subsystem under `chronik` (`["chronik", "server"]`); lines go
 * to stderr as text or JSON lines. Until {@link setupLogging} runs, LogTape drops every record,
 * which is what tests want unless they capture.
 */
import {
  configure,
  getLogger,
  getTextFormatter,
  jsonLinesFormatter,
  type Logger,
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

/** Logger of one subsystem: `logger("server").info("listening on {addr}", { addr })`. */
export function logger(subsystem: Subsystem, ...sub: string[]): Logger {
  return getLogger([ROOT_CATEGORY, subsystem, ...sub]);
}

/** Options of {@link setupLogging}. */
export interface LoggingOptions {
  readonly level: LogLevel;
  readonly format: "text" | "json";
  /** Where formatted lines go; stderr by default. Tests pass a collector. */
  readonly write?: (line: string) => void;
}

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

/** Configures LogTape for the whole process (replacing any earlier setup). */
export async function setupLogging(options: LoggingOptions): Promise<void> {
  await configure({
    reset: true,
    sinks: { out: lineSink(options.format, options.write ?? writeStderr) },
    loggers: [
      { category: [ROOT_CATEGORY], sinks: ["out"], lowestLevel: options.level },
      // LogTape's own diagnostics: only problems.
      { category: ["logtape", "meta"], sinks: ["out"], lowestLevel: "warning" },
    ],
  });
}

/** Removes the setup; later records are dropped. */
export async function teardownLogging(): Promise<void> {
  await reset();
}
