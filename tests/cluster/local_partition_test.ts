/**
 * LocalPartition.produce with a record walk pool: a batch walked by a worker and the batches that
 * arrive behind it are appended in arrival order, so a producer's pipelined sequences hold; a
 * refused batch does not hold up the ones behind it.
 */
import assert from "node:assert/strict";
import { LocalPartition, type PartitionConfig } from "../../src/cluster/local_partition.ts";
import { ErrorCode } from "../../src/kafka/protocol/errors.ts";
import { buildBatch, type Codec, RecordWalkPool, sealCrc } from "../../src/kafka/records/mod.ts";
import { MemoryDisk, PartitionLog } from "../../src/log/mod.ts";

const CONFIG: PartitionConfig = {
  maxMessageBytes: 1024 * 1024,
  logAppendTime: false,
  minInsyncReplicas: 1,
  timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  timestampAfterMaxMs: 3_600_000,
};

/** `count` records of 100 zero bytes from producer 7, epoch 0, starting at `baseSequence`. */
function produced(count: number, baseSequence: number, codec: Codec): Uint8Array {
  const value = new Uint8Array(100);
  return buildBatch(
    Array.from({ length: count }, (_, i) => ({ value, timestampMs: 1_000 + i })),
    { codec, producerId: 7n, producerEpoch: 0, baseSequence },
  );
}

async function withPartition(
  fn: (p: LocalPartition, offloads: { count: number }) => Promise<void>,
  config: PartitionConfig = CONFIG,
) {
  // Records over 4 KiB decompressed go to the worker.
  const offloads = { count: 0 };
  const pool = new RecordWalkPool({
    threads: 1,
    inlineMaxBytes: 4096,
    maxQueuedBytes: 1 << 24,
    onOffload: () => offloads.count++,
  });
  const log = await PartitionLog.open("/p", { disk: new MemoryDisk(), retentionMs: -1 });
  try {
    await fn(
      new LocalPartition({ topic: "t", topicId: "id", index: 0 }, log, config, pool),
      offloads,
    );
  } finally {
    await log.close();
    await pool.close();
  }
}

Deno.test("a batch behind one walked by a worker is appended after it", async () => {
  await withPartition(async (partition, offloads) => {
    const first = partition.produce(produced(500, 0, "gzip"), -1); // 50 KB of records: a worker
    const second = partition.produce(produced(2, 500, "none"), -1); // inline, but behind it
    const third = partition.produce(produced(3, 502, "none"), -1);
    const answers = await Promise.all([first, second, third]);
    assert.deepEqual(answers.map((a) => [a.errorCode, a.baseOffset]), [[0, 0], [0, 500], [0, 502]]);
    assert.equal(offloads.count, 1);
    assert.equal(partition.highWatermark(), 505);
    // With nothing pending, the next batch takes the direct path and follows on.
    const fourth = await partition.produce(produced(1, 505, "none"), -1);
    assert.deepEqual([fourth.errorCode, fourth.baseOffset], [0, 505]);
  });
});

Deno.test("a batch refused by the worker does not hold up the batches behind it", async () => {
  await withPartition(async (partition, offloads) => {
    const corrupt = produced(500, 0, "zstd");
    corrupt.fill(0x5a, corrupt.length - 30, corrupt.length - 10);
    sealCrc(corrupt);
    const refused = partition.produce(corrupt, -1);
    const other = buildBatch([{ value: new Uint8Array(10), timestampMs: 5 }]);
    const accepted = partition.produce(other, 1);
    const [a, b] = await Promise.all([refused, accepted]);
    assert.equal(a.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal(a.baseOffset, -1);
    assert.deepEqual([b.errorCode, b.baseOffset], [0, 0]);
    assert.equal(offloads.count, 1);
  });
});

Deno.test("a worker's timestamp refusal names the records and stores nothing", async () => {
  await withPartition(async (partition) => {
    const future = Date.now() + 10 * 3_600_000;
    const value = new Uint8Array(100);
    const batch = buildBatch(
      Array.from({ length: 100 }, (_, i) => ({ value, timestampMs: i === 3 ? future : 1_000 })),
      { codec: "lz4" },
    );
    const answer = await partition.produce(batch, -1);
    assert.equal(answer.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(answer.recordErrors.map((r) => r.batchIndex), [3]);
    assert.equal(partition.logEndOffset(), 0);
  });
});

Deno.test("on a LogAppendTime topic a worker-walked batch is stamped, or refused if so marked", async () => {
  await withPartition(async (partition, offloads) => {
    const value = new Uint8Array(100);
    const records = Array.from({ length: 100 }, () => ({ value, timestampMs: 1_000 }));
    const marked = buildBatch(records, { codec: "gzip", timestampType: "logAppendTime" });
    const refused = await partition.produce(marked, -1);
    assert.equal(refused.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.equal(refused.recordErrors.length, 100);
    const accepted = await partition.produce(buildBatch(records, { codec: "gzip" }), -1);
    assert.deepEqual([accepted.errorCode, accepted.baseOffset], [0, 0]);
    assert.ok(accepted.logAppendTimeMs > 0);
    assert.equal(offloads.count, 2);
  }, { ...CONFIG, logAppendTime: true });
});
