/**
 * Codec throughput: encode/decode rate (MB/s) of a Produce v9 request and a Fetch v12 response
 * carrying 100 partitions x 16 KiB of record bytes, plus a many-small-partitions variant that
 * stresses per-field overhead; then the produce path's walk over every record of a batch
 * (`walkRecords`), per compression codec; then, for batches of zeros that decompress to 30-60 MB,
 * the longest event-loop gap while the walk runs inline and while a `RecordWalkPool` worker runs
 * it. Prints figures; asserts nothing.
 *
 * Run: deno run bench/codec_bench.ts
 *
 * @module
 */
import { decodeMessage, encodeMessage, type Message } from "../src/kafka/protocol/codec.ts";
import {
  BatchView,
  buildBatch,
  CODECS,
  RecordWalkPool,
  walkRecords,
} from "../src/kafka/records/mod.ts";

function records(bytes: number): Uint8Array {
  const b = new Uint8Array(bytes);
  for (let i = 0; i < b.length; i++) b[i] = (i * 131) & 0xff;
  return b;
}

function produce(topics: number, partitions: number, recordBytes: number): Message {
  const data = records(recordBytes);
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: Array.from({ length: topics }, (_, t) => ({
      name: `topic-${t}`,
      partitionData: Array.from({ length: partitions }, (_, p) => ({ index: p, records: data })),
    })),
  };
}

function fetchResponse(topics: number, partitions: number, recordBytes: number): Message {
  const data = records(recordBytes);
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: Array.from({ length: topics }, (_, t) => ({
      topic: `topic-${t}`,
      partitions: Array.from({ length: partitions }, (_, p) => ({
        partitionIndex: p,
        errorCode: 0,
        highWatermark: 1000n,
        lastStableOffset: 1000n,
        logStartOffset: 0n,
        abortedTransactions: null,
        preferredReadReplica: -1,
        records: data,
      })),
    })),
  };
}

function measure(
  label: string,
  apiKey: number,
  version: number,
  dir: "request" | "response",
  value: Message,
) {
  const bytes = encodeMessage(apiKey, version, dir, value);
  const iterations = Math.max(20, Math.min(5000, Math.floor(200_000_000 / bytes.length)));
  for (let i = 0; i < 10; i++) {
    decodeMessage(apiKey, version, dir, encodeMessage(apiKey, version, dir, value));
  }
  let t0 = performance.now();
  for (let i = 0; i < iterations; i++) encodeMessage(apiKey, version, dir, value);
  const encMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < iterations; i++) decodeMessage(apiKey, version, dir, bytes);
  const decMs = performance.now() - t0;
  const mb = (bytes.length * iterations) / 1e6;
  console.log(
    `${label.padEnd(38)} ${String(bytes.length).padStart(9)} B  ` +
      `encode ${(mb / (encMs / 1000)).toFixed(0).padStart(6)} MB/s ${
        (iterations / (encMs / 1000)).toFixed(0).padStart(7)
      } msg/s  ` +
      `decode ${(mb / (decMs / 1000)).toFixed(0).padStart(6)} MB/s ${
        (iterations / (decMs / 1000)).toFixed(0).padStart(7)
      } msg/s`,
  );
}

measure("Produce v9 request, 10x10 x 16 KiB", 0, 9, "request", produce(10, 10, 16384));
measure("Produce v3 request, 10x10 x 16 KiB", 0, 3, "request", produce(10, 10, 16384));
measure("Produce v9 request, 10x100 x 100 B", 0, 9, "request", produce(10, 100, 100));
measure("Fetch v12 response, 10x10 x 16 KiB", 1, 12, "response", fetchResponse(10, 10, 16384));
measure("Fetch v4 response, 10x10 x 16 KiB", 1, 4, "response", fetchResponse(10, 10, 16384));
measure("Fetch v12 response, 10x100 x 100 B", 1, 12, "response", fetchResponse(10, 100, 100));

/** Main-thread time of `walkRecords` on one batch of `count` records of `size` bytes, per codec. */
function measureWalk(count: number, size: number) {
  const value = records(size);
  const input = Array.from({ length: count }, (_, i) => ({ value, timestampMs: 1_000 + i }));
  for (const codec of CODECS) {
    const batch = new BatchView(buildBatch(input, { codec }));
    for (let i = 0; i < 5; i++) walkRecords(batch);
    const iterations = 30;
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) walkRecords(batch);
    const ms = (performance.now() - t0) / iterations;
    const label = `walkRecords ${count} x ${size} B, ${codec}`;
    console.log(
      `${label.padEnd(38)} ${String(batch.sizeBytes).padStart(9)} B  ` +
        `${ms.toFixed(3).padStart(7)} ms per batch  ` +
        `${((count * size) / 1e6 / (ms / 1000)).toFixed(0).padStart(6)} MB/s of records`,
    );
  }
}

measureWalk(1_000, 1_024);
measureWalk(10_000, 100);

/**
 * Batches of zero-filled records that decompress to about `count * size` bytes: the wall time of
 * a walk and the longest gap between 1 ms timer ticks meanwhile, walked inline and by the pool's
 * worker (after a warm-up walk that starts it).
 */
async function measureOffload(count: number, size: number) {
  const value = new Uint8Array(size);
  const input = Array.from({ length: count }, (_, i) => ({ value, timestampMs: 1_000 + i }));
  const pool = new RecordWalkPool({ threads: 1, inlineMaxBytes: 1 << 20, maxQueuedBytes: 1 << 30 });
  try {
    for (const codec of ["gzip", "zstd", "lz4", "snappy"] as const) {
      const batch = new BatchView(buildBatch(input, { codec }));
      await pool.walk(batch);
      for (const mode of ["inline", "worker"] as const) {
        let last = performance.now();
        let gap = 0;
        const ticker = setInterval(() => {
          const now = performance.now();
          gap = Math.max(gap, now - last);
          last = now;
        }, 1);
        await new Promise((r) => setTimeout(r, 20));
        gap = 0;
        last = performance.now();
        const t0 = performance.now();
        if (mode === "inline") walkRecords(batch);
        else await pool.walk(batch);
        const ms = performance.now() - t0;
        await new Promise((r) => setTimeout(r, 5));
        clearInterval(ticker);
        const label = `walk ${count} x ${size} B zeros, ${codec}, ${mode}`;
        console.log(
          `${label.padEnd(44)} ${String(batch.sizeBytes).padStart(9)} B  ` +
            `${ms.toFixed(1).padStart(6)} ms walk  ${
              gap.toFixed(1).padStart(6)
            } ms longest loop gap`,
        );
      }
    }
  } finally {
    await pool.close();
  }
}

await measureOffload(30_000, 1_000);
await measureOffload(300_000, 100);
