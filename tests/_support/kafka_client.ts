/**
 * A minimal Kafka client over TCP for tests that need exact control (crash, bundle, fault tests):
 * our own codec on the wire, pipelined requests matched by correlation id. Not a product client.
 */
import { decodeResponse, encodeRequest } from "../../src/kafka/protocol/header.ts";
import { ApiKey } from "../../src/kafka/protocol/apis.ts";
import { buildBatch, type Codec, readRecords, splitBatches } from "../../src/kafka/records/mod.ts";

type Body = Record<string, unknown>;
// deno-lint-ignore no-explicit-any
type Any = any;

interface Pending {
  apiKey: number;
  version: number;
  resolve: (body: Body) => void;
  reject: (e: Error) => void;
}

export class TestClient {
  #conn: Deno.TcpConn;
  #pending = new Map<number, Pending>();
  #nextCorrelation = 1;
  #reading: Promise<void>;
  #closed = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#reading = this.#readLoop();
  }

  static async connect(port: number, hostname = "127.0.0.1"): Promise<TestClient> {
    return new TestClient(await Deno.connect({ hostname, port }));
  }

  request(apiKey: number, version: number, body: Body): Promise<Body> {
    const correlationId = this.#nextCorrelation++;
    const frame = encodeRequest(
      {
        requestApiKey: apiKey,
        requestApiVersion: version,
        correlationId,
        clientId: "chronik-test",
      },
      body,
    );
    const result = new Promise<Body>((resolve, reject) => {
      this.#pending.set(correlationId, { apiKey, version, resolve, reject });
    });
    this.#write(frame).catch((e) => this.#failAll(e));
    return result;
  }

  async #write(frame: Uint8Array): Promise<void> {
    let written = 0;
    while (written < frame.length) written += await this.#conn.write(frame.subarray(written));
  }

  async #readLoop(): Promise<void> {
    let buffer = new Uint8Array(0);
    const chunk = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await this.#conn.read(chunk);
        if (n === null) break;
        const merged = new Uint8Array(buffer.length + n);
        merged.set(buffer);
        merged.set(chunk.subarray(0, n), buffer.length);
        buffer = merged;
        while (buffer.length >= 4) {
          const size = new DataView(buffer.buffer, buffer.byteOffset).getInt32(0);
          if (buffer.length < 4 + size) break;
          const frame = buffer.slice(4, 4 + size);
          buffer = buffer.slice(4 + size);
          const correlationId = new DataView(frame.buffer).getInt32(0);
          const pending = this.#pending.get(correlationId);
          if (pending === undefined) throw new Error(`unexpected correlation id ${correlationId}`);
          this.#pending.delete(correlationId);
          pending.resolve(decodeResponse(frame, pending.apiKey, pending.version).body);
        }
      }
      this.#failAll(new Error("connection closed by broker"));
    } catch (e) {
      this.#failAll(e instanceof Error ? e : new Error(String(e)));
    }
  }

  #failAll(e: Error): void {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    await this.#reading;
  }

  async createTopic(name: string, partitions = 1): Promise<number> {
    const res: Any = await this.request(ApiKey.CreateTopics, 7, {
      topics: [{
        name,
        numPartitions: partitions,
        replicationFactor: -1,
        assignments: [],
        configs: [],
      }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    return res.topics[0].errorCode;
  }

  /** Produces one batch with acks=all; returns error code and base offset. */
  async produce(topic: string, partition: number, values: string[], acks = -1) {
    const enc = new TextEncoder();
    const records = buildBatch(
      values.map((v) => ({ value: enc.encode(v), timestampMs: Date.now() })),
    );
    const res: Any = await this.request(ApiKey.Produce, 9, {
      transactionalId: null,
      acks,
      timeoutMs: 10_000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
    });
    const p = res.responses[0].partitionResponses[0];
    return { errorCode: p.errorCode as number, baseOffset: Number(p.baseOffset) };
  }

  /** Fetches everything from `offset` to the high watermark; returns (offset, value) pairs. */
  async fetchAll(topic: string, partition: number, offset = 0) {
    const dec = new TextDecoder();
    const out: { offset: number; value: string }[] = [];
    const batches = this.#batches(topic, partition, offset);
    for (;;) {
      const step = await batches.next();
      if (step.done) return { records: out, highWatermark: step.value };
      for (const r of readRecords(step.value)) {
        if (r.offset >= offset) out.push({ offset: r.offset, value: dec.decode(r.value!) });
      }
    }
  }

  /**
   * How many batches from `offset` to the high watermark were stored with each compression codec,
   * as the log holds them (a Fetch returns batches as they were written).
   */
  async batchCodecs(topic: string, partition: number, offset = 0) {
    const counts = new Map<Codec, number>();
    for await (const b of this.#batches(topic, partition, offset)) {
      counts.set(b.codec, (counts.get(b.codec) ?? 0) + 1);
    }
    return counts;
  }

  /** The batches from `offset` to the high watermark, which the generator returns. */
  async *#batches(topic: string, partition: number, offset: number) {
    let next = offset;
    for (;;) {
      const res: Any = await this.request(
        ApiKey.Fetch,
        12,
        fetchRequestBody(topic, partition, next, { maxBytes: 4 << 20 }),
      );
      const p = res.responses[0].partitions[0];
      if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
      const records: Uint8Array = p.records ?? new Uint8Array(0);
      if (records.length === 0) return Number(p.highWatermark);
      for (const b of splitBatches(records, { maxBatches: 100_000, maxBatchBytes: 64 << 20 })) {
        yield b;
        next = b.lastOffset + 1;
      }
    }
  }
}

/** Waits until something accepts TCP connections on `port`. */
export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      if (performance.now() > deadline) throw new Error(`nothing listens on ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A free loopback port (bind to 0, read it, release it). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A Fetch v12 request body for one partition (no waiting unless asked). */
export function fetchRequestBody(
  topic: string,
  partition: number,
  offset: number,
  o: { maxWaitMs?: number; minBytes?: number; maxBytes?: number } = {},
): Record<string, unknown> {
  const maxBytes = o.maxBytes ?? 1 << 20;
  return {
    maxWaitMs: o.maxWaitMs ?? 0,
    minBytes: o.minBytes ?? 0,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{
      topic,
      partitions: [{
        partition,
        currentLeaderEpoch: -1,
        fetchOffset: BigInt(offset),
        lastFetchedEpoch: -1,
        logStartOffset: -1n,
        partitionMaxBytes: maxBytes,
      }],
    }],
    forgottenTopicsData: [],
    rackId: "",
  };
}
