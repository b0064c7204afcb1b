/**
 * librdkafka interop peer via the `kcat` CLI. kcat has no admin API, so the topic is created by
 * the confluent_kafka peer (`--create-only`, same librdkafka); then `kcat -P` produces the records
 * (one `key<TAB>value` line each) and `kcat -C -p 0 -o beginning -e` reads them back without a
 * consumer group. kcat sets headers per run, not per record, so every record carries the same
 * `peer`/`topic` headers here. Prints one JSON verdict line.
 *
 * Usage: `deno run -A kcat_peer.ts --bootstrap H:P --topic T --count N --compression C
 * --idempotent true|false`
 *
 * @module
 */

import {
  ALL_CODECS,
  describeError,
  parsePeerArgs,
  type PeerArgs,
  recordAt,
  report,
  type SeenRecord,
} from "./_records.ts";

const CLIENT = "kcat";
const DEBIAN_PYTHON = "/usr/bin/python3";
/** Bound on kcat's stdout we keep (10,000 records are ~1 MB). */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

const args = parsePeerArgs(Deno.args, ALL_CODECS);
const deadline = Date.now() + args.timeoutMs;
const runHeaders = (): [string, string][] => [["peer", "kcat"], ["topic", args.topic]];

let produced = 0;
let seen: SeenRecord[] = [];
let error: string | null = null;
try {
  await createTopic(args);
  produced = await produce(args);
  seen = await consume(args);
} catch (e) {
  error = describeError(e);
}
Deno.exit(report(CLIENT, args, produced, seen, error, runHeaders));

async function createTopic(a: PeerArgs): Promise<void> {
  const script = new URL("./confluent_peer.py", import.meta.url).pathname;
  const out = await run(DEBIAN_PYTHON, [
    script,
    "--bootstrap",
    a.bootstrap,
    "--topic",
    a.topic,
    "--create-only",
    "--timeout-ms",
    String(Math.max(1_000, deadline - Date.now())),
  ]);
  if (!out.includes('"created": true')) throw new Error(`topic creation failed: ${out}`);
}

function common(a: PeerArgs): string[] {
  return ["-b", a.bootstrap, "-t", a.topic, "-p", "0", "-q"];
}

async function produce(a: PeerArgs): Promise<number> {
  const lines: string[] = [];
  for (let i = 0; i < a.count; i++) {
    const r = recordAt(i);
    lines.push(`${r.key}\t${r.value}\n`);
  }
  const flags = ["-P", ...common(a), "-K", "\t", "-z", a.compression];
  flags.push("-X", `enable.idempotence=${a.idempotent}`, "-X", "linger.ms=5");
  for (const [k, v] of runHeaders()) flags.push("-H", `${k}=${v}`);
  await run("kcat", flags, lines.join(""));
  return a.count;
}

async function consume(a: PeerArgs): Promise<SeenRecord[]> {
  // Fields: offset, key, value, headers; unit separator between them (values have no \x1f).
  const format = "%o\x1f%k\x1f%s\x1f%h\n";
  const out = await run("kcat", ["-C", ...common(a), "-o", "beginning", "-e", "-f", format]);
  const seen: SeenRecord[] = [];
  for (const line of out.split("\n")) {
    if (line === "") continue;
    const [offset, key, value, headers] = line.split("\x1f");
    seen.push({
      offset: Number(offset),
      key: key ?? null,
      value: value ?? null,
      headers: (headers ?? "").split(",").filter((h) => h !== "").map((h) => {
        const at = h.indexOf("=");
        return [h.slice(0, at), h.slice(at + 1)] as [string, string];
      }),
    });
  }
  return seen;
}

/** Runs a command to completion within the peer's deadline; throws on a non-zero exit. */
async function run(cmd: string, argv: string[], input?: string): Promise<string> {
  const child = new Deno.Command(cmd, {
    args: argv,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(Math.max(1_000, deadline - Date.now())),
  }).spawn();
  if (input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input));
    await writer.close();
  }
  const out = await child.output();
  const stdout = new TextDecoder().decode(out.stdout.subarray(0, MAX_OUTPUT_BYTES));
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).slice(-2_000);
    throw new Error(`${cmd} ${argv[0]} exited with ${out.code}: ${stderr}`);
  }
  return stdout;
}
