/**
 * Renders the settings table as Markdown for `docs/configuration.md`:
 * `deno run src/config/doc.ts > docs/configuration.md && deno fmt docs/configuration.md`.
 * A test keeps the two equal (modulo formatting).
 */
import { envName, flagName, kafkaText, LONG_MAX, type Setting, SETTINGS } from "./schema.ts";

const INTRO = `# Configuration

Chronik reads its settings from, highest precedence first:

1. command-line flags (only the node settings below have one; they go before the subcommand),
2. environment variables \`CHRONIK_<KEY>\` (the key upper-cased, dots as underscores),
3. a TOML file given with \`--config <file.toml>\`,
4. the defaults below.

An unknown key, an unknown \`CHRONIK_*\` variable or a bad value stops the node at start with exit
code 2 and a message naming the key and the value. (\`CHRONIK_SKIP_SETUP\` and \`CHRONIK_TEST_*\`
belong to the test tooling and are ignored.) The built configuration is frozen: nothing changes it
while the node runs.

In the TOML file a key may be written dotted (\`log.retention.ms = 86400000\`) or as nested tables
(\`[server]\` then \`max.frame.bytes = 1048576\`); both mean the same key.

\`\`\`toml
node.id = 1
kafka.port = 9092
data.dir = "/var/lib/chronik"
log.format = "json"
num.partitions = 3

[server]
max.connections = 2000
\`\`\`

Cross-checks: \`server.max.frame.bytes\` ≤ \`server.max.inflight.bytes.per.connection\` ≤
\`server.max.inflight.bytes\`; \`message.max.bytes\` ≤ \`server.max.frame.bytes\`;
\`min.insync.replicas\` ≤ \`default.replication.factor\`; \`advertised.addr\` must be set when
\`bind.addr\` is a wildcard (\`0.0.0.0\`, \`::\`).

Settings Kafka holds as a Java long (their type below ends at 9223372036854775807, Long.MAX_VALUE,
Kafka's "no limit") accept any value up to it; values past 2^53-1 (285,000 years in milliseconds)
are held as 2^53-1, and 2^53-1 is shown to Kafka clients (DescribeConfigs) as Long.MAX_VALUE.

## Settings
`;

function describeType(setting: Setting): string {
  switch (setting.type) {
    case "int": {
      const lo = setting.min === undefined ? "" : String(setting.min);
      return `int [${lo}, ${upperBound(setting)}]`;
    }
    case "enum": {
      const aliases = Object.entries(setting.aliases ?? {}).map(([a, v]) => `${a} = ${v}`);
      const values = (setting.values ?? []).join(" \\| ");
      return aliases.length === 0 ? values : `${values} (${aliases.join(", ")})`;
    }
    default:
      return setting.type;
  }
}

/** An int setting's largest value as the page shows it: "…" when it is only 2^53-1. */
function upperBound(setting: Setting): string {
  if (setting.kafkaLong === true) return String(LONG_MAX);
  if (setting.max === undefined || setting.max >= Number.MAX_SAFE_INTEGER) return "…";
  return String(setting.max);
}

function describeDefault(setting: Setting): string {
  if (setting.default === null) return "(unset)";
  if (setting.default === "") return "(empty)";
  return `\`${kafkaText(setting, setting.default)}\``;
}

/** The whole Markdown page. */
export function renderConfigurationDoc(): string {
  const rows = SETTINGS.map((s) => {
    const names = [`\`${s.key}\``, `\`${envName(s.key)}\``];
    if (s.flag === true) names.push(`\`--${flagName(s.key)}\``);
    return `| ${names.join("<br>")} | ${describeType(s)} | ${describeDefault(s)} | ${s.doc} |`;
  });
  return INTRO + "\n| key / env / flag | type | default | meaning |\n|---|---|---|---|\n" +
    rows.join("\n") + "\n";
}

if (import.meta.main) {
  await Deno.stdout.write(new TextEncoder().encode(renderConfigurationDoc()));
}
