/**
 * Java interop peer: the Java client's Admin + KafkaProducer (`java/ProducerPeer.java`, compiled by
 * `setup.ts` into `.cache/java-classes`) creates the topic, produces, and checks through
 * DescribeLogDirs that the partition's log has grown; Kafka's own
 * `ConsoleConsumer` reads it back in assign mode (`--partition 0 --offset earliest`, no group),
 * asked for one record more than was produced so extras show. Prints one JSON verdict line.
 *
 * Usage: `deno run -A java_peer.ts --bootstrap H:P --topic T --count N --compression C
 * --idempotent true|false`
 *
 * @module
 */

import { JAVA_CLASSES_DIR, JAVA_LIB_DIR } from "../_paths.ts";
import {
  ALL_CODECS,
  describeError,
  parsePeerArgs,
  type PeerArgs,
  report,
  type SeenRecord,
} from "./_records.ts";

const CLIENT = "java";
/** How long ConsoleConsumer waits for a record past the last one before it exits. */
const IDLE_EXIT_MS = 3_000;
const JVM_FLAGS = ["-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"];

const args = parsePeerArgs(Deno.args, ALL_CODECS);
const deadline = Date.now() + args.timeoutMs;

let produced = 0;
let seen: SeenRecord[] = [];
let error: string | null = null;
try {
  produced = await produce(args);
  seen = await consume(args);
} catch (e) {
  error = describeError(e);
}
Deno.exit(report(CLIENT, args, produced, seen, error));

async function produce(a: PeerArgs): Promise<number> {
  const out = await java([
    "-cp",
    `${JAVA_LIB_DIR}/*:${JAVA_CLASSES_DIR}`,
    "ProducerPeer",
    a.bootstrap,
    a.topic,
    String(a.count),
    a.compression,
    String(a.idempotent),
    String(Math.max(1_000, deadline - Date.now())),
  ]);
  const line = out.stdout.trim().split("\n").at(-1) ?? "";
  let parsed: { produced?: number; error?: string | null };
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`ProducerPeer printed no verdict (exit ${out.code}): ${out.stderr}`);
  }
  if (parsed.error) throw new Error(`ProducerPeer: ${parsed.error}`);
  return parsed.produced ?? 0;
}

async function consume(a: PeerArgs): Promise<SeenRecord[]> {
  const out = await java([
    "-cp",
    `${JAVA_LIB_DIR}/*`,
    "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "--bootstrap-server",
    a.bootstrap,
    "--topic",
    a.topic,
    "--partition",
    "0",
    "--offset",
    "earliest",
    "--max-messages",
    String(a.count + 1),
    "--timeout-ms",
    String(IDLE_EXIT_MS),
    "--formatter-property",
    "print.offset=true",
    "--formatter-property",
    "print.key=true",
    "--formatter-property",
    "print.headers=true",
  ]);
  // The idle timeout ends ConsoleConsumer with a logged TimeoutException; the lines are the truth.
  const seen: SeenRecord[] = [];
  for (const line of out.stdout.split("\n")) {
    if (line === "") continue;
    const [offsetField, headerField, key, value] = line.split("\t");
    if (!offsetField?.startsWith("Offset:")) throw new Error(`unexpected line: ${line}`);
    seen.push({
      offset: Number(offsetField.slice("Offset:".length)),
      key: key ?? null,
      value: value ?? null,
      headers: headerField === undefined || headerField === "NO_HEADERS"
        ? []
        : headerField.split(",").map((h) => {
          const at = h.indexOf(":");
          return [h.slice(0, at), h.slice(at + 1)] as [string, string];
        }),
    });
  }
  return seen;
}

async function java(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("java", {
    args: [...JVM_FLAGS, ...argv],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(Math.max(1_000, deadline - Date.now())),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr).slice(-2_000),
  };
}
