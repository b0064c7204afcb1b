/** The commander program: global options (derived from the settings table) and subcommands. */
import { Command, CommanderError, Option } from "commander";
import { envName, flagName, SETTINGS } from "../config/schema.ts";

/** What the command line asks for. */
export type CliCommand =
  | {
    readonly kind: "standalone";
    /** `--config <file.toml>`, if given. */
    readonly configFile?: string;
    /** Flag values by setting key, as typed (the config module parses and validates them). */
    readonly flags: Readonly<Record<string, string>>;
  }
  | { readonly kind: "version" }
  /** Help was printed, or the command line was refused (message already written). */
  | { readonly kind: "exit"; readonly code: number };

/** Where commander writes help and errors. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const defaultOutput: CliOutput = {
  out: (text) => void Deno.stdout.writeSync(new TextEncoder().encode(text)),
  err: (text) => void Deno.stderr.writeSync(new TextEncoder().encode(text)),
};

/** Exit code of a refused command line (same as a refused configuration). */
export const USAGE_EXIT_CODE = 2;

/** Parses `argv` (without the executable and script). Never exits the process. */
export function parseCommandLine(
  argv: readonly string[],
  output: CliOutput = defaultOutput,
): CliCommand {
  let chosen: CliCommand | undefined;
  const program = new Command("chronik")
    .description("Chronik: a Kafka-compatible event-streaming broker")
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .option("--config <file.toml>", "read settings from this TOML file");
  const flagged = SETTINGS.filter((s) => s.flag === true);
  const attributes = new Map<string, string>();
  for (const setting of flagged) {
    const values = setting.values === undefined ? "" : ` (${setting.values.join("|")})`;
    const option = new Option(
      `--${flagName(setting.key)} <value>`,
      `${setting.doc}${values} [default: ${JSON.stringify(setting.default)}; env ${
        envName(setting.key)
      }]`,
    );
    attributes.set(setting.key, option.attributeName());
    program.addOption(option);
  }
  const collect = () => {
    const opts = program.opts<Record<string, string | undefined>>();
    const flags: Record<string, string> = {};
    for (const [key, attribute] of attributes) {
      const value = opts[attribute];
      if (value !== undefined) flags[key] = value;
    }
    const configFile = opts["config"];
    chosen = configFile === undefined
      ? { kind: "standalone", flags }
      : { kind: "standalone", flags, configFile };
  };
  program.command("standalone", { isDefault: true })
    .description("run one broker, no replication (the default)")
    .action(collect);
  program.command("version")
    .description("print the version and exit")
    .action(() => {
      chosen = { kind: "version" };
    });
  try {
    program.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return { kind: "exit", code: error.exitCode === 0 ? 0 : USAGE_EXIT_CODE };
    }
    throw error;
  }
  if (chosen === undefined) throw new Error("cli: commander ran no action");
  return chosen;
}
