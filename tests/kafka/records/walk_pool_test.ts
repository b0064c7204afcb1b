/**
 * `RecordWalkPool`: produced batches whose records are larger than the inline budget, stored or
 * decompressed, are walked by a worker while the main thread goes on; the worker's answers are
 * those of `walkRecords`; the queue is bounded; without a loadable worker every batch is walked
 * inline.
 */
import assert from "node:assert/strict";
import {
  BatchView,
  buildBatch,
  type Codec,
  Field,
  KafkaCode,
  RecordBatchError,
  RecordTimestampError,
  RecordWalkPool,
  type RecordWalkPoolOptions,
  sealCrc,
  WalkQueueFullError,
  walkRecords,
} from "../../../src/kafka/records/mod.ts";

const MIB = 1024 * 1024;

/** `count` records of `size` zero bytes (compressible), stamped 1000 + their index. */
function zeros(count: number, size: number, codec: Codec): BatchView {
  const value = new Uint8Array(size);
  const records = Array.from({ length: count }, (_, i) => ({ value, timestampMs: 1000 + i }));
  return new BatchView(buildBatch(records, { codec }));
}

async function withPool(
  options: Partial<RecordWalkPoolOptions>,
  fn: (pool: RecordWalkPool, offloads: { count: number }) => Promise<void>,
): Promise<void> {
  const offloads = { count: 0 };
  const pool = new RecordWalkPool({
    threads: 1,
    inlineMaxBytes: 64 * 1024,
    maxQueuedBytes: 64 * MIB,
    onOffload: () => offloads.count++,
    ...options,
  });
  try {
    await fn(pool, offloads);
  } finally {
    await pool.close();
  }
}

Deno.test("a batch within the inline budget is walked at once, on the calling thread", async () => {
  await withPool({}, (pool, offloads) => {
    const small = zeros(10, 100, "gzip");
    assert.equal(pool.walk(small), 1009);
    assert.equal(pool.walk(zeros(10, 100, "none")), 1009);
    assert.equal(offloads.count, 0);
    return Promise.resolve();
  });
});

Deno.test("a batch of more records than the inline bound goes to a worker, however small", async () => {
  await withPool({ inlineMaxRecords: 100 }, async (pool, offloads) => {
    // 100 empty records: a few hundred bytes, well inside the byte budget; walked inline.
    assert.equal(pool.walk(zeros(100, 0, "none")), 1099);
    assert.equal(offloads.count, 0);
    // One more record than the bound: handed over, and answered as the inline walk answers it.
    for (const codec of ["none", "zstd"] as const) {
      const many = zeros(101, 0, codec);
      const walked = pool.walk(many);
      assert.ok(walked instanceof Promise);
      assert.equal(await walked, walkRecords(many));
    }
    assert.equal(offloads.count, 2);
  });
});

Deno.test("a batch that decompresses beyond the budget is walked by a worker while timers run", async () => {
  await withPool({}, async (pool, offloads) => {
    // 30 MB of records in a batch of about 150 KiB: tens of ms of work on one thread.
    const big = zeros(30_000, 1000, "gzip");
    assert.ok(big.sizeBytes < 1 * MIB, `${big.sizeBytes} bytes stored`);
    const order: string[] = [];
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        order.push("timer");
        resolve();
      }, 0)
    );
    const walked = pool.walk(big);
    assert.ok(walked instanceof Promise, "walked off the calling thread");
    const maxTimestamp = await walked.then((ts) => {
      order.push("walk");
      return ts;
    });
    await timer;
    assert.equal(maxTimestamp, 1000 + 29_999);
    assert.deepEqual(order, ["timer", "walk"], "the event loop ran while the worker walked");
    assert.equal(offloads.count, 1);
  });
});

Deno.test("a worker answers every codec as walkRecords does", async () => {
  await withPool({ inlineMaxBytes: 0 }, async (pool, offloads) => {
    for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"] as const) {
      const batch = zeros(50, 300, codec);
      assert.equal(await pool.walk(batch), walkRecords(batch), codec);
    }
    assert.equal(offloads.count, 5);
  });
});

Deno.test("a worker's refusals are the inline walk's errors", async () => {
  await withPool({ inlineMaxBytes: 0 }, async (pool) => {
    // A gzip payload that does not decompress: CORRUPT_MESSAGE.
    const corrupt = buildBatch([{ value: new Uint8Array(100) }], { codec: "gzip" });
    corrupt.fill(0x5a, corrupt.length - 20, corrupt.length - 10);
    sealCrc(corrupt);
    await assert.rejects(
      Promise.resolve(pool.walk(new BatchView(corrupt))),
      (e: unknown) => e instanceof RecordBatchError && e.code === KafkaCode.CORRUPT_MESSAGE,
    );
    // A header that claims two records over one: INVALID_RECORD.
    const short = buildBatch([{ value: new Uint8Array(10) }]);
    const dv = new DataView(short.buffer);
    dv.setInt32(Field.recordCount, 2);
    dv.setInt32(Field.lastOffsetDelta, 1);
    sealCrc(short);
    await assert.rejects(
      Promise.resolve(pool.walk(new BatchView(short))),
      (e: unknown) => e instanceof RecordBatchError && e.code === KafkaCode.INVALID_RECORD,
    );
    // Records outside the timestamp window, each named.
    await assert.rejects(
      Promise.resolve(pool.walk(zeros(3, 10, "zstd"), { timestamps: { min: 1001, max: 5000 } })),
      (e: unknown) =>
        e instanceof RecordTimestampError && e.records.length === 1 &&
        e.records[0]!.batchIndex === 0,
    );
  });
});

Deno.test("a large corrupt batch is refused by the worker, not taken as merely large", async () => {
  await withPool({ inlineMaxBytes: 1024 }, async (pool) => {
    const bytes = buildBatch([{ value: new Uint8Array(1 * MIB) }], { codec: "zstd" });
    bytes.fill(0x5a, bytes.length - 40, bytes.length - 10);
    sealCrc(bytes);
    const walked = pool.walk(new BatchView(bytes));
    assert.ok(walked instanceof Promise);
    await assert.rejects(
      walked,
      (e: unknown) => e instanceof RecordBatchError && e.code === KafkaCode.CORRUPT_MESSAGE,
    );
  });
});

Deno.test("batches beyond the queue bound are refused at once", async () => {
  const batch = zeros(100, 100, "none");
  await withPool({ inlineMaxBytes: 0, maxQueuedBytes: batch.sizeBytes * 2 }, async (pool) => {
    const first = pool.walk(batch);
    const second = pool.walk(batch);
    assert.throws(() => pool.walk(batch), WalkQueueFullError);
    assert.deepEqual(await Promise.all([first, second]), [1099, 1099]);
    // Answered batches leave the queue.
    assert.equal(await pool.walk(batch), 1099);
  });
});

Deno.test("without a loadable worker module every batch is walked inline, correctly", async () => {
  const workerUrl = new URL("./no_such_walker.ts", import.meta.url);
  await withPool({ inlineMaxBytes: 0, workerUrl }, async (pool) => {
    const batch = zeros(20, 100, "lz4");
    // The first batch goes to the worker that fails to load, and is walked inline instead.
    assert.equal(await pool.walk(batch), 1019);
    assert.equal(pool.walk(batch), 1019, "then inline for good");
  });
});
