/**
 * The group suites' producer, run as its own process so the test process holds no client: creates
 * the topic (with `--create`) and produces records `from..from+count-1` of the shared record rule,
 * record `i` to partition `i % partitions`, with kafkajs (acks=all, idempotent). Prints one JSON
 * line `{"produced": n}` and exits 0, or `{"error": "..."}` and exits 1.
 *
 * Usage: `deno run -A _produce.ts --bootstrap H:P --topic T --partitions P --from A --count N
 * [--create] [--timeout-ms MS]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { describeError, recordAt } from "../peers/_records.ts";

/** Records per `producer.send` call. */
const SEND_CHUNK_RECORDS = 1_000;
/** Upper bound of `--count`. */
const MAX_COUNT = 1_000_000;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    bootstrap: { type: "string" },
    topic: { type: "string" },
    partitions: { type: "string", default: "6" },
    from: { type: "string", default: "0" },
    count: { type: "string", default: "0" },
    create: { type: "boolean", default: false },
    "timeout-ms": { type: "string", default: "60000" },
  },
});
const partitions = Number(values.partitions);
const from = Number(values.from);
const count = Number(values.count);
const deadline = Date.now() + Number(values["timeout-ms"]);
if (
  !values.bootstrap || !values.topic || !Number.isInteger(partitions) || partitions < 1 ||
  !Number.isInteger(from) || from < 0 || !Number.isInteger(count) || count < 0 || count > MAX_COUNT
) {
  console.log(JSON.stringify({ error: "bad arguments" }));
  Deno.exit(2);
}
const topic = values.topic;
const kafka = new Kafka({
  clientId: "chronik-interop-groups-producer",
  brokers: [values.bootstrap],
  logLevel: logLevel.ERROR,
  retry: { retries: 8 },
});

try {
  if (values.create) await createTopic();
  await produce();
  console.log(JSON.stringify({ produced: count }));
  Deno.exit(0);
} catch (e) {
  console.log(JSON.stringify({ error: describeError(e) }));
  Deno.exit(1);
}

async function createTopic(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
      timeout: Math.max(1_000, deadline - Date.now()),
    });
    if (!created) throw new Error(`topic ${topic} already existed`);
  } finally {
    await admin.disconnect();
  }
}

async function produce(): Promise<void> {
  if (count === 0) return;
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    for (let start = from; start < from + count; start += SEND_CHUNK_RECORDS) {
      if (Date.now() > deadline) throw new Error("deadline passed while producing");
      const messages = [];
      for (let i = start; i < Math.min(from + count, start + SEND_CHUNK_RECORDS); i++) {
        const r = recordAt(i);
        messages.push({
          key: r.key,
          value: r.value,
          partition: i % partitions,
          headers: Object.fromEntries(r.headers),
        });
      }
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}
