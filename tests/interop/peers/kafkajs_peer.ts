/**
 * kafkajs interop peer: creates the topic with kafkajs's admin, produces with its producer (gzip is
 * built in; snappy, lz4 and zstd are registered from `_codecs.ts`, as kafkajs expects a plugin to),
 * and reads the partition back through kafkajs's own Fetch path without a consumer group: kafkajs's
 * public consumer is group-only, so the peer fetches from the partition leader via the cluster
 * object kafkajs builds for its producer and consumer. Prints one JSON verdict line.
 *
 * Usage: `deno run -A kafkajs_peer.ts --bootstrap H:P --topic T --count N --compression C
 * --idempotent true|false`
 *
 * @module
 */

import type { Buffer } from "node:buffer";
import { CompressionCodecs, CompressionTypes, Kafka, logLevel } from "kafkajs";
import { KAFKAJS_EXTRA_CODECS } from "./_codecs.ts";
import {
  ALL_CODECS,
  type Codec,
  describeError,
  parsePeerArgs,
  type PeerArgs,
  recordAt,
  report,
  type SeenRecord,
} from "./_records.ts";

const CLIENT = "kafkajs";
/** Records per `producer.send` call. */
const SEND_CHUNK_RECORDS = 1_000;
/** Bound on one Fetch response. */
const FETCH_MAX_BYTES = 4 * 1024 * 1024;

Object.assign(CompressionCodecs, KAFKAJS_EXTRA_CODECS);

const CODEC_TYPES: Record<Codec, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

const args = parsePeerArgs(Deno.args, ALL_CODECS);
const deadline = Date.now() + args.timeoutMs;
const kafka = new Kafka({
  clientId: "chronik-interop-kafkajs",
  brokers: [args.bootstrap],
  logLevel: logLevel.ERROR,
  retry: { retries: 8 },
});

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
Deno.exit(report(CLIENT, args, produced, seen, error));

async function createTopic(a: PeerArgs): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [{ topic: a.topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
      timeout: Math.max(1_000, deadline - Date.now()),
    });
    if (!created) throw new Error(`topic ${a.topic} already existed`);
  } finally {
    await admin.disconnect();
  }
}

async function produce(a: PeerArgs): Promise<number> {
  const producer = kafka.producer({
    idempotent: a.idempotent,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  let delivered = 0;
  try {
    for (let start = 0; start < a.count; start += SEND_CHUNK_RECORDS) {
      if (Date.now() > deadline) throw new Error("deadline passed while producing");
      const messages = [];
      for (let i = start; i < Math.min(a.count, start + SEND_CHUNK_RECORDS); i++) {
        const r = recordAt(i);
        messages.push({
          key: r.key,
          value: r.value,
          partition: 0,
          headers: Object.fromEntries(r.headers),
        });
      }
      await producer.send({
        topic: a.topic,
        acks: -1,
        compression: CODEC_TYPES[a.compression],
        messages,
      });
      delivered += messages.length;
    }
  } finally {
    await producer.disconnect();
  }
  return delivered;
}

/** The slice of kafkajs's internal cluster and broker objects the assign-mode read uses. */
interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | Buffer[]>;
}
interface FetchResponse {
  responses: {
    topicName: string;
    partitions: { partition: number; errorCode: number; messages: FetchedMessage[] }[];
  }[];
}
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  findBroker(q: { nodeId: number }): Promise<{
    fetch(request: {
      replicaId: number;
      isolationLevel: number;
      maxWaitTime: number;
      minBytes: number;
      maxBytes: number;
      topics: {
        topic: string;
        partitions: { partition: number; fetchOffset: string; maxBytes: number }[];
      }[];
    }): Promise<FetchResponse>;
  }>;
}

function createCluster(): KafkajsCluster {
  const key = Object.getOwnPropertySymbols(kafka).find((s) =>
    s.description === "private:Kafka:createCluster"
  );
  if (!key) throw new Error("kafkajs internals changed: no createCluster on the Kafka object");
  const factory = (kafka as unknown as Record<symbol, (o: object) => KafkajsCluster>)[key]!;
  return factory({ allowAutoTopicCreation: false, isolationLevel: 1 });
}

async function consume(a: PeerArgs): Promise<SeenRecord[]> {
  const cluster = createCluster();
  await cluster.connect();
  const seen: SeenRecord[] = [];
  try {
    await cluster.addTargetTopic(a.topic);
    const partition = cluster.findTopicPartitionMetadata(a.topic).find((p) => p.partitionId === 0);
    if (!partition) throw new Error(`no metadata for ${a.topic}/0`);
    const broker = await cluster.findBroker({ nodeId: partition.leader });
    let next = 0n;
    let emptyAfterEnd = 0;
    while (Date.now() < deadline && emptyAfterEnd < 1) {
      const response = await broker.fetch({
        replicaId: -1,
        isolationLevel: 1,
        maxWaitTime: 500,
        minBytes: 1,
        maxBytes: FETCH_MAX_BYTES,
        topics: [{
          topic: a.topic,
          partitions: [{ partition: 0, fetchOffset: next.toString(), maxBytes: FETCH_MAX_BYTES }],
        }],
      });
      const part = response.responses[0]?.partitions[0];
      if (!part) throw new Error("fetch response without the partition");
      if (part.errorCode !== 0) throw new Error(`fetch error code ${part.errorCode}`);
      let added = 0;
      for (const m of part.messages) {
        // A compressed batch may start before the requested offset; skip what was already seen.
        if (BigInt(m.offset) < next) continue;
        seen.push({
          offset: Number(m.offset),
          key: m.key?.toString() ?? null,
          value: m.value?.toString() ?? null,
          headers: Object.entries(m.headers ?? {}).flatMap(([k, v]) =>
            (Array.isArray(v) ? v : [v]).map((b) => [k, b.toString()] as [string, string])
          ),
        });
        next = BigInt(m.offset) + 1n;
        added++;
      }
      if (added === 0 && seen.length >= a.count) emptyAfterEnd++;
    }
  } finally {
    await cluster.disconnect();
  }
  return seen;
}
