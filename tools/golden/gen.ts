/**
 * Regenerates the golden byte fixtures in `tests/testdata/kafka/golden/`.
 *
 * For every advertised (api, version, direction) it draws sample values from our tables (the
 * best-covering of several seeds: nulls, empty and null arrays, tagged fields), converts them to
 * Kafka's JSON form, and has Apache Kafka's own generated classes (`Golden.java`, kafka-clients
 * from Maven Central) serialize them. The bytes therefore come from Kafka, not from our codec.
 *
 * Run: deno run --allow-read --allow-write --allow-run --allow-env tools/golden/gen.ts
 * Needs java 17 and mvn; jars are cached in ~/.cache/chronik-golden/lib-<kafka-clients version>.
 *
 * @module
 */
import { APIS } from "../../src/kafka/protocol/apis.ts";
import type { Direction, Message } from "../../src/kafka/protocol/codec.ts";
import { messageToJson } from "../../src/kafka/protocol/json.ts";
import { type FieldDef, inRange } from "../../src/kafka/protocol/schema.ts";
import { sampleMessage } from "../../tests/kafka/protocol/_sample.ts";

const root = new URL("../../", import.meta.url).pathname;
const outDir = `${root}tests/testdata/kafka/golden`;
/** Must match the kafka-clients version in `pom.xml`; one folder per version keeps one on the path. */
const KAFKA_CLIENTS_VERSION = "4.3.1";
const lib = `${Deno.env.get("HOME")}/.cache/chronik-golden/lib-${KAFKA_CLIENTS_VERSION}`;
const SEEDS_PER_CASE = 300;

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** Distinct (field path, shape) observations: what a sample exercises. */
function coverage(
  fields: readonly FieldDef[],
  o: Message,
  version: number,
  path: string,
  seen: Set<string>,
) {
  for (const f of fields) {
    if (!inRange(f.versions, version)) continue;
    const p = `${path}.${f.name}`;
    const v = o[f.name];
    if (v === undefined) {
      seen.add(`${p}:absent`);
      continue;
    }
    if (v === null) {
      seen.add(`${p}:null`);
    } else if (Array.isArray(v)) {
      seen.add(`${p}:${v.length === 0 ? "empty" : "items"}`);
      if (f.fields !== undefined) {
        for (const e of v) coverage(f.fields, e as Message, version, p, seen);
      }
    } else if (f.type === "struct") {
      seen.add(`${p}:set`);
      coverage(f.fields ?? [], v as Message, version, p, seen);
    } else {
      seen.add(`${p}:set`);
    }
  }
}

async function run(cmd: string, args: string[]): Promise<void> {
  const { code } = await new Deno.Command(cmd, { args, stdout: "inherit", stderr: "inherit" })
    .output();
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${code}`);
}

async function ensureJars(): Promise<void> {
  try {
    await Deno.stat(`${lib}/kafka-clients-${KAFKA_CLIENTS_VERSION}.jar`);
  } catch {
    await run("mvn", [
      "-q",
      "-B",
      "-f",
      `${root}tools/golden/pom.xml`,
      "dependency:copy-dependencies",
      `-DoutputDirectory=${lib}`,
    ]);
  }
}

interface Case {
  apiKey: number;
  apiName: string;
  version: number;
  direction: Direction;
  value: unknown;
}

const cases: Case[] = [];
for (const api of APIS) {
  for (let version = api.minVersion; version <= api.maxVersion; version++) {
    for (const direction of ["request", "response"] as const) {
      const fields = direction === "request" ? api.request : api.response;
      let best: Message = {};
      let bestScore = -1;
      for (let seed = 1; seed <= SEEDS_PER_CASE; seed++) {
        const value = sampleMessage(
          api.apiKey,
          version,
          direction,
          api.apiKey * 1000 + version * 10 + seed,
        );
        const seen = new Set<string>();
        coverage(fields, value, version, "", seen);
        if (seen.size > bestScore) {
          best = value;
          bestScore = seen.size;
        }
      }
      cases.push({
        apiKey: api.apiKey,
        apiName: api.name,
        version,
        direction,
        value: messageToJson(api.apiKey, version, direction, best),
      });
    }
  }
}

await ensureJars();
const tmp = await Deno.makeTempDir({ prefix: "chronik-golden-" });
try {
  await Deno.writeTextFile(
    `${tmp}/samples.jsonl`,
    cases.map((c) => JSON.stringify(c)).join("\n") + "\n",
  );
  await run("java", [
    "-cp",
    `${lib}/*`,
    `${root}tools/golden/Golden.java`,
    `${tmp}/samples.jsonl`,
    `${tmp}/hex.txt`,
  ]);
  const lines = (await Deno.readTextFile(`${tmp}/hex.txt`)).split("\n").filter((l) => l !== "");
  if (lines.length !== cases.length) {
    throw new Error(`${lines.length} outputs for ${cases.length} cases`);
  }
  await Deno.mkdir(outDir, { recursive: true });
  let failed = 0;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    const line = lines[i]!;
    const file = `${outDir}/${snake(c.apiName)}_v${c.version}_${c.direction}.json`;
    if (line.startsWith("ERROR")) {
      console.error(`${c.apiName} v${c.version} ${c.direction}: ${line}`);
      failed++;
      continue;
    }
    await Deno.writeTextFile(file, JSON.stringify({ ...c, hex: line.slice(4) }, null, 2) + "\n");
  }
  console.log(`${cases.length - failed} fixtures written, ${failed} failed`);
  await run(Deno.execPath(), ["fmt", "--quiet", outDir]);
  if (failed > 0) Deno.exitCode = 1;
} finally {
  await Deno.remove(tmp, { recursive: true });
}
