/**
 * The command line (commander): global options before the subcommand, then `standalone` (the
 * default when none is given) or `version`.
 *
 * Global options: `--config <file.toml>` and one flag per node setting of the settings table
 * (`--node-id`, `--kafka-port`, `--bind-addr`, `--advertised-addr`, `--data-dir`,
 * `--admin-port`, `--log-level`, `--log-format`). Flag values are passed through as text; the
 * config module parses and validates them, so a bad value is a `ConfigError` like any other.
 *
 * ```ts
 * const command = parseCommandLine(Deno.args);
 * if (command.kind === "standalone") await loadConfig(command);
 * ```
 *
 * {@link parseCommandLine} never exits: help and usage errors come back as `{ kind: "exit" }`
 * (code 0 for help, 2 for a refused command line). No broker logic lives here.
 *
 * @module
 */
export { type CliCommand, type CliOutput, parseCommandLine, USAGE_EXIT_CODE } from "./program.ts";
