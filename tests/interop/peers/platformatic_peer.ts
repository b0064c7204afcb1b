/**
 * `@platformatic/kafka` interop peer: creates the topic with its `Admin`, produces with its
 * `Producer` (all five codecs are built in), and reads the partition back with `Consumer.fetch`,
 * which sends Fetch straight to the leader without joining the consumer group the constructor
 * names. Prints one JSON verdict line.
 *
 * Usage: `deno run -A platformatic_peer.ts --bootstrap H:P --topic T --count N --compression C
 * --idempotent true|false`
 *
 * @module
 */

import {
  Admin,
  Consumer,
  type MessageToProduce,
  Producer,
  stringSerializers,
} from "@platformatic/kafka";
import {
  ALL_CODECS,
  describeError,
  parsePeerArgs,
  type PeerArgs,
  recordAt,
  report,
  type SeenRecord,
} from "./_records.ts";

const CLIENT = "platformatic-kafka";
/** Records per `producer.send` call. */
const SEND_CHUNK_RECORDS = 1_000;
/** Bound on one Fetch response. */
const FETCH_MAX_BYTES = 4 * 1024 * 1024;

const args = parsePeerArgs(Deno.args, ALL_CODECS);
const deadline = Date.now() + args.timeoutMs;
const base = { clientId: "chronik-interop-platformatic", bootstrapBrokers: [args.bootstrap] };

let produced = 0;
let seen: SeenRecord[] = [];
let error: string | null = null;
try {
  await createTopic(args);
  produced = await produce(args);
  seen = await consume(args);
} catch (e) {
  error = describeError(e) + causes(e);
}
Deno.exit(report(CLIENT, args, produced, seen, error));

async function createTopic(a: PeerArgs): Promise<void> {
  const admin = new Admin(base);
  try {
    await admin.createTopics({ topics: [a.topic], partitions: 1, replicas: 1 });
  } finally {
    await admin.close();
  }
}

async function produce(a: PeerArgs): Promise<number> {
  const producer = new Producer({
    ...base,
    idempotent: a.idempotent,
    acks: -1,
    compression: a.compression,
    autocreateTopics: false,
    serializers: stringSerializers,
  });
  let delivered = 0;
  try {
    for (let start = 0; start < a.count; start += SEND_CHUNK_RECORDS) {
      if (Date.now() > deadline) throw new Error("deadline passed while producing");
      const messages: MessageToProduce<string, string, string, string>[] = [];
      for (let i = start; i < Math.min(a.count, start + SEND_CHUNK_RECORDS); i++) {
        const r = recordAt(i);
        messages.push({
          topic: a.topic,
          partition: 0,
          key: r.key,
          value: r.value,
          headers: new Map(r.headers),
        });
      }
      await producer.send({ messages });
      delivered += messages.length;
    }
  } finally {
    await producer.close();
  }
  return delivered;
}

async function consume(a: PeerArgs): Promise<SeenRecord[]> {
  const consumer = new Consumer({ ...base, groupId: `unused-${a.topic}` });
  const seen: SeenRecord[] = [];
  try {
    const metadata = await consumer.metadata({ topics: [a.topic] });
    const topic = metadata.topics.get(a.topic);
    const leader = topic?.partitions[0]?.leader;
    if (!topic || leader === undefined) throw new Error(`no metadata for ${a.topic}/0`);
    let next = 0n;
    let emptyAfterEnd = 0;
    while (Date.now() < deadline && emptyAfterEnd < 1) {
      const response = await consumer.fetch({
        node: leader,
        maxWaitTime: 500,
        minBytes: 1,
        maxBytes: FETCH_MAX_BYTES,
        topics: [{
          topicId: topic.id,
          partitions: [{
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset: next,
            lastFetchedEpoch: -1,
            partitionMaxBytes: FETCH_MAX_BYTES,
          }],
        }],
      });
      const part = response.responses[0]?.partitions[0];
      // In a fetch session (KIP-227) a partition with nothing new is left out of the answer.
      if (part && part.errorCode !== 0) throw new Error(`fetch error code ${part.errorCode}`);
      let added = 0;
      for (const batch of part?.records ?? []) {
        for (const r of batch.records) {
          const offset = batch.firstOffset + BigInt(r.offsetDelta);
          if (offset < next) continue; // a batch may start before the requested offset
          seen.push({
            offset: Number(offset),
            key: r.key?.toString() ?? null,
            value: r.value?.toString() ?? null,
            headers: r.headers.map(([k, v]) => [k?.toString() ?? "", v?.toString() ?? ""]),
          });
          next = offset + 1n;
          added++;
        }
      }
      if (added === 0 && seen.length >= a.count) emptyAfterEnd++;
    }
  } finally {
    await consumer.close();
  }
  return seen;
}

/** platformatic wraps errors in `MultipleErrors`; name the inner ones too. */
function causes(e: unknown): string {
  const inner = (e as { errors?: unknown[] })?.errors;
  return Array.isArray(inner) ? ` [${inner.map(describeError).join("; ")}]` : "";
}
