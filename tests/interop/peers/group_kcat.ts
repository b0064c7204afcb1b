/**
 * kcat balanced-consumer (`-G`, librdkafka's KafkaConsumer) group member for
 * `tests/interop/groups`, behind the same stdin/stdout JSON-line protocol as the other members
 * (see `group_io.ts`). kcat prints records (`%p %o %k`) on stdout and its rebalances on stderr;
 * this wrapper turns both into events. kcat commits by itself (auto-commit every 500 ms and on
 * close), so "committed" events are what the group's committed offsets read back (kafkajs admin
 * OffsetFetch every 500 ms) for the partitions this member holds. `close` sends SIGTERM, on which
 * kcat closes its consumer cleanly (final commit, LeaveGroup unless static).
 *
 * Usage: `deno run -A group_kcat.ts --bootstrap H:P --topic T --group G --session-timeout-ms MS
 * [--instance-id ID]`
 *
 * @module
 */

import { Kafka, logLevel } from "kafkajs";
import { closeRequested, type Consumed, emit, indexOfKey, parseMemberArgs } from "./group_io.ts";

/** How often records are reported and committed offsets read back. */
const FLUSH_EVERY_MS = 500;
/** Bound on kcat's exit after SIGTERM. */
const CLOSE_GRACE_MS = 20_000;

const args = parseMemberArgs(Deno.args);
const kcat = new Deno.Command("kcat", {
  args: [
    "-b",
    args.bootstrap,
    "-G",
    args.group,
    args.topic,
    "-f",
    "%p %o %k\\n",
    "-u",
    "-X",
    `client.id=interop-kcat-${args.name}`,
    "-X",
    `session.timeout.ms=${args.sessionTimeoutMs}`,
    "-X",
    "heartbeat.interval.ms=1000",
    // Not `-o beginning`: in -G mode that would override the committed offsets.
    "-X",
    "auto.offset.reset=earliest",
    "-X",
    "auto.commit.interval.ms=500",
    ...(args.instanceId === null ? [] : ["-X", `group.instance.id=${args.instanceId}`]),
  ],
  stdin: "null",
  stdout: "piped",
  stderr: "piped",
}).spawn();

const assigned = new Set<number>();
let buffered: Consumed[] = [];
const partitionsIn = (text: string) =>
  [...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).sort((a, b) => a - b);

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (l: string) => void) {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      onLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
}

const reading = Promise.all([
  readLines(kcat.stdout, (line) => {
    const [p, o, key] = line.trim().split(" ");
    if (p !== undefined && o !== undefined) buffered.push([Number(p), Number(o), indexOfKey(key)]);
  }),
  readLines(kcat.stderr, (line) => {
    const assignedAt = line.indexOf("assigned:");
    const revokedAt = line.indexOf("revoked:");
    if (line.includes("rebalanced") && assignedAt >= 0) {
      for (const p of partitionsIn(line.slice(assignedAt))) assigned.add(p);
      emit({
        event: "assignment",
        partitions: [...assigned].sort((a, b) => a - b),
        generation: null,
      });
    } else if (line.includes("rebalanced") && revokedAt >= 0) {
      const parts = partitionsIn(line.slice(revokedAt));
      for (const p of parts) assigned.delete(p);
      emit({ event: "revoked", partitions: parts });
    } else if (line.startsWith("%") && /error|fail/i.test(line)) {
      console.error(line);
    }
  }),
]);

const kafka = new Kafka({
  clientId: `interop-kcat-offsets-${args.name}`,
  brokers: [args.bootstrap],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
await admin.connect();

let flushing = false;
let lastCommitted = "";
async function flush(): Promise<void> {
  if (flushing) return;
  flushing = true;
  try {
    if (buffered.length > 0) {
      emit({ event: "consumed", records: buffered });
      buffered = [];
    }
    if (assigned.size === 0) return;
    const [topic] = await admin.fetchOffsets({ groupId: args.group, topics: [args.topic] });
    const offsets = (topic?.partitions ?? [])
      .filter((p) => assigned.has(p.partition) && Number(p.offset) >= 0)
      .map((p) => [p.partition, Number(p.offset)]);
    const line = JSON.stringify(offsets);
    if (offsets.length > 0 && line !== lastCommitted) emit({ event: "committed", offsets });
    lastCommitted = line;
  } catch (e) {
    emit({ event: "warning", message: `offset read-back: ${e}` });
  } finally {
    flushing = false;
  }
}
const ticker = setInterval(flush, FLUSH_EVERY_MS);
const lifetime = setTimeout(() => {
  emit({ event: "error", message: "member lifetime (--timeout-ms) passed" });
  kcat.kill("SIGKILL");
  Deno.exit(1);
}, args.timeoutMs);

const exitedEarly = kcat.status.then((s) => s);
const why = await Promise.race([closeRequested().then(() => "close" as const), exitedEarly]);
if (why !== "close") {
  emit({ event: "error", message: `kcat exited with code ${why.code}` });
  Deno.exit(1);
}
kcat.kill("SIGTERM");
const killer = setTimeout(() => kcat.kill("SIGKILL"), CLOSE_GRACE_MS);
const status = await kcat.status;
clearTimeout(killer);
await reading;
clearInterval(ticker);
while (flushing) await new Promise((r) => setTimeout(r, 50));
await flush();
await admin.disconnect();
clearTimeout(lifetime);
emit({
  event: status.success ? "closed" : "error",
  ...(status.success ? {} : { message: `kcat exit ${status.code}` }),
});
Deno.exit(status.success ? 0 : 1);
