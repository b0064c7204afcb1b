import assert from "node:assert/strict";
import { BatchView, buildBatch, splitBatches } from "../../src/kafka/records/mod.ts";
import {
  type AppendResult,
  BufferPool,
  CorruptBatchError,
  type Disk,
  type DiskFile,
  IndexCache,
  InvalidOffsetError,
  LogFailedError,
  LogFullError,
  MemoryDisk,
  OffsetOutOfRangeError,
  PartitionLog,
  type PartitionLogOptions,
  ProducerSequenceError,
  type ProducerSnapshotEntry,
  ProducerStateTable,
  segmentName,
} from "../../src/log/mod.ts";
import { decodeSnapshot } from "../../src/log/_producer_snapshot.ts";
import { SimRng } from "../sim/rng.ts";

const enc = new TextEncoder();
const DIR = "/data/p0";

/** A batch of `n` records whose values name their index, timestamps `ts`, `ts+1`, … */
function batch(n: number, ts = 1_000, extra: Parameters<typeof buildBatch>[1] = {}): Uint8Array {
  return buildBatch(
    Array.from({ length: n }, (_, i) => ({ value: enc.encode(`v${i}`), timestampMs: ts + i })),
    extra,
  );
}

function views(records: Uint8Array): BatchView[] {
  return splitBatches(records, { maxBatches: 1_000 });
}

/**
 * Batches here carry 1970 timestamps against the real clock, so time retention and producer
 * expiry are off unless a test turns them on (expiry has its own tests, with a clock).
 */
const NO_PRODUCER_EXPIRY = Number.MAX_SAFE_INTEGER;

async function openMem(disk: MemoryDisk, o: PartitionLogOptions = {}) {
  return await PartitionLog.open(DIR, {
    disk,
    retentionMs: -1,
    producerIdExpirationMs: NO_PRODUCER_EXPIRY,
    ...o,
  });
}

/** Appends `count` batches of 3 records each; returns the batch byte sizes. */
async function fill(log: PartitionLog, count: number, ts = 1_000): Promise<number[]> {
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const b = batch(3, ts + i * 10);
    sizes.push(b.length);
    await log.append([b]);
  }
  return sizes;
}

Deno.test("partition log: append and read", async (t) => {
  const disk = new MemoryDisk();
  const log = await openMem(disk);
  await t.step("append assigns contiguous offsets from the log end", async () => {
    assert.equal(log.logEndOffset, 0);
    const a = await log.append([batch(3)]);
    assert.deepEqual(a, { baseOffset: 0, lastOffset: 2, logAppendTimeMs: -1, duplicate: false });
    const b = await log.append([batch(2), batch(4)]);
    assert.deepEqual(b, { baseOffset: 3, lastOffset: 8, logAppendTimeMs: -1, duplicate: false });
    assert.equal(log.logEndOffset, 9);
    assert.equal(log.sizeBytes, batch(3).length + batch(2).length + batch(4).length);
  });

  await t.step("read returns whole batches, from the batch holding the offset", async () => {
    const all = await log.read(0, { maxBytes: 1 << 20 });
    assert.equal(all.batchCount, 3);
    assert.equal(all.nextOffset, 9);
    assert.deepEqual(views(all.records).map((v) => [v.baseOffset, v.lastOffset]), [[0, 2], [3, 4], [
      5,
      8,
    ]]);
    const mid = await log.read(4, { maxBytes: 1 << 20 });
    assert.equal(views(mid.records)[0]!.baseOffset, 3);
    const end = await log.read(9, { maxBytes: 1 << 20 });
    assert.equal(end.batchCount, 0);
    assert.equal(end.nextOffset, 9);
  });

  await t.step("byte limit, high watermark and the first-batch rule", async () => {
    const one = await log.read(0, { maxBytes: batch(3).length + 10 });
    assert.equal(one.batchCount, 1);
    const tiny = await log.read(0, { maxBytes: 1 });
    assert.equal(tiny.batchCount, 1);
    assert.equal(tiny.nextOffset, 3);
    const none = await log.read(0, { maxBytes: 1, minOneBatch: false });
    assert.equal(none.batchCount, 0);
    const hw = await log.read(0, { maxBytes: 1 << 20, maxOffset: 5 });
    assert.equal(hw.batchCount, 2);
    assert.equal(hw.nextOffset, 5);
    const belowHw = await log.read(0, { maxBytes: 1 << 20, maxOffset: 2 });
    assert.equal(belowHw.batchCount, 0);
  });

  await t.step("offsets outside the log are refused", async () => {
    await assert.rejects(log.read(10, { maxBytes: 100 }), OffsetOutOfRangeError);
    await assert.rejects(log.read(-1, { maxBytes: 100 }), OffsetOutOfRangeError);
  });

  await t.step("followers keep their offsets and must continue the log", async () => {
    const b = batch(2, 5_000, { baseOffset: 9 });
    const r = await log.append([b], { assignOffsets: false, partitionLeaderEpoch: 4 });
    assert.deepEqual([r.baseOffset, r.lastOffset], [9, 10]);
    const back = views((await log.read(9, { maxBytes: 1000 })).records)[0]!;
    assert.equal(back.partitionLeaderEpoch, 4);
    assert.ok(back.crcValid());
    await assert.rejects(
      log.append([batch(1, 0, { baseOffset: 3 })], { assignOffsets: false }),
      InvalidOffsetError,
    );
  });

  await t.step("LogAppendTime stamps the batch and reports the time", async () => {
    const r = await log.append([batch(1)], { logAppendTime: true });
    assert.ok(r.logAppendTimeMs > 1_600_000_000_000);
    const v = views((await log.read(r.baseOffset, { maxBytes: 1000 })).records)[0]!;
    assert.equal(v.timestampType, "logAppendTime");
    assert.equal(v.maxTimestamp, r.logAppendTimeMs);
  });
  await log.close();
});

Deno.test("partition log: segments, indexes and reopening", async (t) => {
  const disk = new MemoryDisk();
  const opts = { segmentBytes: 2_000, indexIntervalBytes: 200 };
  let log = await openMem(disk, opts);
  const sizes = await fill(log, 60);
  const total = sizes.reduce((a, b) => a + b, 0);

  await t.step("rolls by size; every offset reads back from the right batch", async () => {
    assert.ok(log.segmentCount >= Math.floor(total / 2_000), `segments ${log.segmentCount}`);
    assert.equal(log.sizeBytes, total);
    for (let off = 0; off < 180; off += 7) {
      const r = await log.read(off, { maxBytes: 300 });
      const v = views(r.records)[0]!;
      assert.ok(v.baseOffset <= off && off <= v.lastOffset, `offset ${off}`);
    }
    const names = await disk.list(DIR);
    assert.ok(names.includes(segmentName(0, "log")));
    assert.ok(names.includes(segmentName(0, "index")));
    assert.ok(names.includes(segmentName(0, "timeindex")));
  });

  await t.step("a clean reopen sees the same log and scans nothing corrupt", async () => {
    await log.close();
    log = await openMem(disk, opts);
    assert.equal(log.logEndOffset, 180);
    assert.equal(log.sizeBytes, total);
    const all: number[] = [];
    let off = 0;
    while (off < 180) {
      const r = await log.read(off, { maxBytes: 1_000 });
      for (const v of views(r.records)) all.push(v.baseOffset);
      off = r.nextOffset;
    }
    assert.deepEqual(all, Array.from({ length: 60 }, (_, i) => i * 3));
  });

  await t.step("damaged index files are rebuilt from the log", async () => {
    await log.close();
    disk.cut(`${DIR}/${segmentName(0, "index")}`, 5);
    log = await openMem(disk, opts);
    const r = await log.read(40, { maxBytes: 100 });
    assert.equal(views(r.records)[0]!.baseOffset, 39);
  });

  await t.step("rolls by time", async () => {
    let now = 1_000_000;
    const timed = await PartitionLog.open("/data/timed", {
      disk,
      nowMs: () => now,
      segmentMs: 100,
      retentionMs: -1,
    });
    await timed.append([batch(1)]);
    now += 50;
    await timed.append([batch(1)]);
    assert.equal(timed.segmentCount, 1);
    now += 60;
    await timed.append([batch(1)]);
    assert.equal(timed.segmentCount, 2);
    await timed.close();
  });
  await log.close();
});

Deno.test("partition log: a wrong entry in the active segment's index is rebuilt", async (t) => {
  const disk = new MemoryDisk();
  const opts = { segmentBytes: 100_000, indexIntervalBytes: 100 };
  const index = `${DIR}/${segmentName(0, "index")}`;
  const log0 = await openMem(disk, opts);
  await fill(log0, 60);
  await log0.close();
  const sound = disk.contents(index);
  assert.ok(sound.length >= 8 * 10, `${sound.length} index bytes`);
  // Entry 4's position one byte off: `fits` passes it, the batch there does not start there.
  const wrong = sound.slice();
  wrong[4 * 8 + 7]! ^= 0x01;
  const writeWrong = async (on: MemoryDisk) => {
    const file = await on.open(index);
    await file.write(0, wrong);
    await file.sync();
    file.close();
  };
  const damaged = async () => {
    // After a clean close an open loads the active segment's index files instead of scanning.
    await (await openMem(disk, opts)).close();
    await writeWrong(disk);
    return await openMem(disk, opts);
  };

  await t.step("reads and timestamp lookups land; the index is written back sound", async () => {
    const log = await damaged();
    for (let off = 0; off < 180; off++) {
      const v = views((await log.read(off, { maxBytes: 1 })).records)[0]!;
      assert.ok(v.baseOffset <= off && off <= v.lastOffset, `offset ${off}`);
      const ts = 1_000 + Math.floor(off / 3) * 10 + (off % 3);
      assert.deepEqual(await log.offsetForTimestamp(ts), { offset: off, timestampMs: ts });
    }
    await log.close();
    assert.deepEqual(disk.contents(index), sound);
  });

  await t.step("a suffix truncation cuts where the batches are", async () => {
    const log = await damaged();
    assert.equal(await log.truncateSuffix(31), 30);
    assert.equal((await log.append([batch(3)])).baseOffset, 30);
    const r = await log.read(27, { maxBytes: 1_000 });
    assert.deepEqual(views(r.records).map((v) => v.baseOffset), [27, 30]);
    await log.close();
  });

  await t.step("a suffix truncation during the rebuild leaves no entry past its cut", async () => {
    // A disk of its own: the other steps leave theirs truncated or damaged.
    const own = new MemoryDisk();
    const built = await openMem(own, opts);
    await fill(built, 60);
    await built.close();
    await writeWrong(own);
    const gated = new CountingDisk(own);
    const log = await PartitionLog.open(DIR, { disk: gated, retentionMs: -1, ...opts });
    // The rebuild's scan from byte 0 reads the batches from before the cut and returns after it.
    const reached = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    gated.afterRead = (path, position) => {
      if (!path.endsWith(".log") || position !== 0) return;
      gated.afterRead = undefined;
      reached.resolve();
      return release.promise;
    };
    const usesWrongEntry = new DataView(sound.buffer, 4 * 8, 8).getUint32(0);
    const reading = log.read(usesWrongEntry, { maxBytes: 1 });
    await reached.promise;
    assert.equal(await log.truncateSuffix(90), 90);
    release.resolve();
    const v = views((await reading).records)[0]!;
    assert.ok(v.baseOffset <= usesWrongEntry && usesWrongEntry <= v.lastOffset);
    await fill(log, 20);
    for (let off = 0; off < 150; off++) {
      const v = views((await log.read(off, { maxBytes: 1 })).records)[0]!;
      assert.ok(v.baseOffset <= off && off <= v.lastOffset, `offset ${off}`);
    }
    await log.close();
    // The index written at close equals one an open builds from the batches alone.
    const written = own.contents(index);
    await own.remove(index);
    await own.remove(`${DIR}/${segmentName(0, "timeindex")}`);
    await (await openMem(own, opts)).close();
    assert.deepEqual(written, own.contents(index));
  });

  await t.step("a batch damaged at an entry's position is still reported corrupt", async () => {
    const log = await openMem(disk, opts);
    await log.close();
    // An interior entry (an open checks the batch at the last one, and cuts the log there).
    const entries = disk.contents(index);
    assert.ok(entries.length > 3 * 8, `${entries.length} index bytes`);
    const entry = new DataView(entries.buffer, 2 * 8, 8);
    const offset = entry.getUint32(0);
    const segment = `${DIR}/${segmentName(0, "log")}`;
    // A record byte: the header still reads, so the index rebuilt over it is the same, and the
    // scan again fails at the entry; what a CRC-checking scan finds there is still corruption.
    disk.corrupt(segment, entry.getUint32(4) + 61 + 2, 0x07);
    let reopened = await openMem(disk, opts);
    const ts = 1_000 + (offset / 3) * 10;
    await assert.rejects(reopened.offsetForTimestamp(ts), CorruptBatchError);
    await assert.rejects(reopened.read(offset, { maxBytes: 1_000 }), CorruptBatchError);
    await reopened.close();
    // Its magic byte (at 16): the header cannot be read, nor the index rebuilt.
    disk.corrupt(segment, entry.getUint32(4) + 16, 0x07);
    reopened = await openMem(disk, opts);
    await assert.rejects(reopened.read(offset, { maxBytes: 1_000 }), CorruptBatchError);
    await assert.rejects(reopened.offsetForTimestamp(ts), CorruptBatchError);
    await reopened.close();
  });
});

Deno.test("partition log: sealed indexes are bounded in memory and read back", async (t) => {
  const disk = new MemoryDisk();
  // Index entries are 20 bytes in memory (8 + 12, as in the files); a segment holds 2 or 3.
  // What the metrics are told.
  const told = { bytes: 0, loads: 0 };
  const cache = new IndexCache(100, (bytes, loaded) => {
    told.bytes = bytes;
    if (loaded) told.loads++;
  });
  const opts = { segmentBytes: 500, indexIntervalBytes: 100, indexCache: cache };
  let log = await openMem(disk, opts);
  await fill(log, 60);
  const everyOffset = async (l: PartitionLog) => {
    for (let off = 0; off < 180; off++) {
      const v = views((await l.read(off, { maxBytes: 1 })).records)[0]!;
      assert.ok(v.baseOffset <= off && off <= v.lastOffset, `offset ${off}`);
      const ts = 1_000 + Math.floor(off / 3) * 10 + (off % 3);
      assert.deepEqual(await l.offsetForTimestamp(ts), { offset: off, timestampMs: ts });
    }
  };

  await t.step("only the bound's worth stays in memory; every lookup still lands", async () => {
    assert.ok(log.segmentCount >= 10, `${log.segmentCount} segments`);
    assert.ok(cache.bytes > 0 && cache.bytes <= 100, `${cache.bytes} bytes`);
    const loads = cache.loads;
    await everyOffset(log);
    assert.ok(cache.loads > loads + 10, `${cache.loads - loads} indexes read back`);
    assert.ok(cache.bytes <= 100, `${cache.bytes} bytes`);
    assert.deepEqual(told, { bytes: cache.bytes, loads: cache.loads });
  });

  await t.step("a reopen holds no more, and finds every offset and timestamp", async () => {
    await log.close();
    assert.equal(cache.bytes, 0);
    assert.equal(told.bytes, 0);
    log = await openMem(disk, opts);
    assert.ok(cache.bytes <= 100, `${cache.bytes} bytes`);
    await everyOffset(log);
  });

  await t.step("an open reads only the last entry of each sealed segment's index", async () => {
    await log.close();
    const counting = new CountingDisk(disk);
    const loads = cache.loads;
    log = await PartitionLog.open(DIR, { retentionMs: -1, ...opts, disk: counting });
    const names = (await disk.list(DIR)).filter((n) => n.endsWith(".log")).sort();
    const active = names.at(-1)!.slice(0, -".log".length);
    const activeIndexBytes = disk.contents(`${DIR}/${active}.index`).length +
      disk.contents(`${DIR}/${active}.timeindex`).length;
    let read = 0;
    for (const [path, bytes] of counting.readBytes) if (path.endsWith("index")) read += bytes;
    // 8 + 12 bytes per sealed segment; the active one's whole index (it becomes live arrays).
    assert.ok(read <= (names.length - 1) * 20 + activeIndexBytes, `${read} index bytes read`);
    assert.equal(cache.loads, loads, "no sealed index read whole");
    await everyOffset(log);
    assert.ok(cache.loads > loads, "read on first use");
  });

  /**
   * XORs `mask` into byte `at` of the first sealed segment's index with two entries (entry 0:
   * an interior one; the last, all an open checks, stays sound), then finds every offset and
   * timestamp, after which the file must be as appends wrote it.
   */
  const healsSealedIndex = async (at: number, mask: number) => {
    await log.close();
    const sealed = (await disk.list(DIR)).filter((n) => n.endsWith(".index")).sort()
      .find((n) => disk.contents(`${DIR}/${n}`).length >= 16);
    assert.ok(sealed !== undefined, "a sealed segment with two index entries");
    const sound = disk.contents(`${DIR}/${sealed}`);
    disk.corrupt(`${DIR}/${sealed}`, at, mask);
    log = await openMem(disk, opts);
    await everyOffset(log);
    assert.deepEqual(disk.contents(`${DIR}/${sealed}`), sound, "the file as appends wrote it");
  };

  await t.step("an unsound index found on first use is rebuilt and rewritten", async () => {
    // Entry 0's position sent past the end of the file.
    await healsSealedIndex(4, 0x80);
  });

  await t.step(
    "an entry pointing into a batch is found where a scan starts, and rebuilt",
    async () => {
      // Entry 0's position one byte off: ascending, inside the file, so `fits` passes it, but the
      // batch it names does not start there.
      await healsSealedIndex(7, 0x01);
    },
  );

  await t.step(
    "without its index files a sealed segment has them rebuilt on first use",
    async () => {
      const dropped = new IndexCache(0);
      await log.close();
      const files = new Map<string, Uint8Array>();
      for (const n of await disk.list(DIR)) {
        if (/index$/.test(n)) {
          files.set(n, disk.contents(`${DIR}/${n}`));
        }
      }
      log = await openMem(disk, { ...opts, indexCache: dropped });
      const active = (await disk.list(DIR)).filter((n) => n.endsWith(".log")).sort().at(-1)!;
      for (const n of files.keys()) await disk.remove(`${DIR}/${n}`);
      await everyOffset(log);
      assert.equal(dropped.bytes, 0);
      for (const [n, bytes] of files) {
        // The active segment's files are written at close, not read.
        if (n.startsWith(active.slice(0, -".log".length))) continue;
        assert.deepEqual(disk.contents(`${DIR}/${n}`), bytes, n);
      }
    },
  );

  await t.step("a suffix truncation into a sealed segment reads its index back", async () => {
    await log.close();
    log = await openMem(disk, opts);
    assert.equal(await log.truncateSuffix(31), 30);
    const r = await log.append([batch(3, 1_100)]);
    assert.equal(r.baseOffset, 30);
    for (let off = 0; off < 33; off++) {
      const v = views((await log.read(off, { maxBytes: 1 })).records)[0]!;
      assert.ok(v.baseOffset <= off && off <= v.lastOffset, `offset ${off}`);
    }
    await log.close();
    log = await openMem(disk, opts);
    assert.equal(log.logEndOffset, 33);
    assert.deepEqual(await log.offsetForTimestamp(1_101), { offset: 31, timestampMs: 1_101 });
  });
  await log.close();
});

Deno.test("partition log: truncation and retention", async (t) => {
  const disk = new MemoryDisk();
  const opts = { segmentBytes: 1_000, indexIntervalBytes: 150 };
  const log = await openMem(disk, opts);
  await fill(log, 40);

  await t.step("truncateSuffix inside a segment and across segments", async () => {
    assert.equal(await log.truncateSuffix(100), 99); // 100 is inside batch [99, 101]
    assert.equal(log.logEndOffset, 99);
    const segs = log.segmentCount;
    assert.equal(await log.truncateSuffix(30), 30);
    assert.ok(log.segmentCount < segs);
    const r = await log.append([batch(2)]);
    assert.equal(r.baseOffset, 30);
    const back = await log.read(27, { maxBytes: 10_000 });
    assert.deepEqual(views(back.records).map((v) => v.baseOffset), [27, 30]);
  });

  await t.step("truncateSuffix survives a crash and reopen", async () => {
    disk.crash();
    const again = await openMem(disk, opts);
    assert.equal(again.logEndOffset, 32);
    await again.close();
    await log.close().catch(() => {}); // its handles died in the crash
  });

  const log2 = await openMem(new MemoryDisk(), opts);
  await fill(log2, 40);
  await t.step("truncatePrefix moves the start and deletes whole segments below it", async () => {
    const before = log2.segmentCount;
    await log2.truncatePrefix(50);
    assert.equal(log2.logStartOffset, 50);
    assert.ok(log2.segmentCount < before);
    await assert.rejects(log2.read(49, { maxBytes: 100 }), OffsetOutOfRangeError);
    const r = await log2.read(50, { maxBytes: 100 });
    assert.equal(views(r.records)[0]!.baseOffset, 48); // the batch holding 50
  });

  await t.step("truncatePrefix past the end restarts the log there", async () => {
    await log2.truncatePrefix(500);
    assert.equal(log2.logStartOffset, 500);
    assert.equal(log2.logEndOffset, 500);
    assert.equal(log2.segmentCount, 1);
    assert.equal((await log2.append([batch(1)])).baseOffset, 500);
  });
  await log2.close();

  await t.step(
    "retention by size keeps at most retentionBytes plus the active segment",
    async () => {
      const l = await openMem(new MemoryDisk(), { ...opts, retentionBytes: 2_500 });
      await fill(l, 40);
      const deleted = await l.enforceRetention();
      assert.ok(deleted > 0);
      assert.ok(l.sizeBytes < 2_500 + 1_000);
      assert.ok(l.logStartOffset > 0);
      assert.equal((await l.read(l.logStartOffset, { maxBytes: 100 })).batchCount, 1);
      await l.close();
    },
  );

  await t.step("retention by time deletes sealed segments whose newest record is old", async () => {
    const now = 100_000;
    const l = await openMem(new MemoryDisk(), { ...opts, retentionMs: 50_000, nowMs: () => now });
    await fill(l, 20, 10_000); // old: timestamps around 10 s
    await fill(l, 20, 90_000); // recent
    const deleted = await l.enforceRetention();
    assert.ok(deleted > 0);
    const first = views((await l.read(l.logStartOffset, { maxBytes: 100 })).records)[0]!;
    assert.ok(first.maxTimestamp >= 10_000);
    // Everything old enough is gone except possibly the segment that also holds new batches.
    assert.ok(l.logStartOffset >= 30, `start ${l.logStartOffset}`);
    await l.close();
  });
  await log.close();
});

Deno.test("partition log: timestamps for ListOffsets", async (t) => {
  const log = await openMem(new MemoryDisk(), { segmentBytes: 1_000, indexIntervalBytes: 100 });
  // Batch i holds timestamps 1000+10i .. 1000+10i+2, except one late, out-of-order batch.
  await fill(log, 30);
  await log.append([batch(2, 5_000)]); // offsets 90-91
  await log.append([batch(2, 1_100)]); // offsets 92-93

  await t.step("offsetForTimestamp finds the first record at or after the time", async () => {
    assert.deepEqual(await log.offsetForTimestamp(0), { offset: 0, timestampMs: 1_000 });
    assert.deepEqual(await log.offsetForTimestamp(1_101), { offset: 31, timestampMs: 1_101 });
    assert.deepEqual(await log.offsetForTimestamp(1_103), { offset: 33, timestampMs: 1_110 });
    assert.deepEqual(await log.offsetForTimestamp(1_300), { offset: 90, timestampMs: 5_000 });
    assert.equal(await log.offsetForTimestamp(6_000), null);
  });

  await t.step("maxTimestamp names the record holding the largest timestamp", async () => {
    assert.deepEqual(await log.maxTimestamp(), { offset: 91, timestampMs: 5_001 });
  });
  await log.close();
});

/** One batch whose records carry these timestamps, in this order. */
function stamped(...timestamps: number[]): Uint8Array {
  return buildBatch(
    timestamps.map((timestampMs, i) => ({ value: enc.encode(`v${i}`), timestampMs })),
  );
}

Deno.test("partition log: a timestamp lookup goes past a batch whose match lies below the log start", async (t) => {
  // Kafka (FileRecords.searchForTimestamp): the first record at or after the log start with a
  // timestamp >= the target. A batch whose header qualifies but holds no such record does not end
  // the search of its segment.
  await t.step("by timestamp", async () => {
    const log = await openMem(new MemoryDisk());
    await log.append([stamped(5_000, 1_000)]); // offsets 0-1
    await log.append([stamped(6_000)]); // offset 2
    await log.truncatePrefix(1);
    assert.deepEqual(await log.offsetForTimestamp(4_000), { offset: 2, timestampMs: 6_000 });
    assert.deepEqual(await log.offsetForTimestamp(1_000), { offset: 1, timestampMs: 1_000 });
    assert.equal(await log.offsetForTimestamp(6_001), null);
    await log.close();
  });

  await t.step("max timestamp: the first record at or after the log start holding it", async () => {
    const log = await openMem(new MemoryDisk());
    await log.append([stamped(7_000, 1_000)]); // offsets 0-1
    await log.append([stamped(2_000, 7_000)]); // offsets 2-3
    await log.truncatePrefix(1);
    assert.deepEqual(await log.maxTimestamp(), { offset: 3, timestampMs: 7_000 });
    await log.close();
  });
});

Deno.test("partition log: timestamp lookups equal a scan of every record (seeded)", async () => {
  // The oracle: the records at or after the log start, in offset order.
  for (let seed = 1; seed <= 20; seed++) {
    const rng = new SimRng(seed);
    const log = await openMem(new MemoryDisk(), { segmentBytes: 700, indexIntervalBytes: 150 });
    const batches = Array.from(
      { length: 40 },
      () => Array.from({ length: rng.between(1, 4) }, () => rng.nextInt(2_000)),
    );
    // Four at a time: they share syncs, and the log still rolls between them.
    const appended: AppendResult[] = [];
    for (let b = 0; b < batches.length; b += 4) {
      const four = batches.slice(b, b + 4);
      appended.push(...await Promise.all(four.map((ts) => log.append([stamped(...ts)]))));
    }
    const all = batches.flatMap((timestamps, b) =>
      timestamps.map((timestampMs, i) => ({ offset: appended[b]!.baseOffset + i, timestampMs }))
    );
    assert.ok(log.segmentCount > 3, `seed ${seed}: ${log.segmentCount} segments`);
    const start = rng.between(0, all.length - 1);
    await log.truncatePrefix(start);
    const visible = all.filter((r) => r.offset >= start);
    for (let i = 0; i < 40; i++) {
      const target = rng.nextInt(2_100);
      const want = visible.find((r) => r.timestampMs >= target) ?? null;
      assert.deepEqual(await log.offsetForTimestamp(target), want, `seed ${seed}, ts ${target}`);
    }
    // -3: a record the log start hid may still hold the first segment's max; the log then finds
    // no record at or after the start with it. Any answer given is the oracle's.
    const max = Math.max(...visible.map((r) => r.timestampMs));
    const found = await log.maxTimestamp();
    if (found === null) {
      assert.ok(all.some((r) => r.offset < start && r.timestampMs > max), `seed ${seed}: -3`);
    } else {
      assert.deepEqual(found, visible.find((r) => r.timestampMs === max), `seed ${seed}: -3`);
    }
    await log.close();
  }
});

Deno.test("partition log: durability and group commit", async (t) => {
  await t.step("every acknowledged append survives a crash", async () => {
    const disk = new MemoryDisk();
    const log = await openMem(disk);
    await fill(log, 10);
    disk.crash();
    const again = await openMem(disk);
    assert.equal(again.logEndOffset, 30);
    await again.close();
  });

  await t.step("concurrent appends share fdatasyncs", async () => {
    const disk = new MemoryDisk({ syncDelayMs: 5 });
    const log = await openMem(disk);
    const results = await Promise.all(Array.from({ length: 16 }, () => log.append([batch(1)])));
    assert.deepEqual(results.map((r) => r.baseOffset).sort((a, b) => a - b), [...Array(16).keys()]);
    assert.ok(log.syncCount >= 1 && log.syncCount <= 3, `syncs ${log.syncCount}`);
    disk.crash();
    const again = await openMem(disk);
    assert.equal(again.logEndOffset, 16);
    await again.close();
  });

  await t.step(
    "coalesced writes through shared pooled buffers land intact on a real disk",
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "chronik-coalesce-" });
      try {
        // Two partitions write at once, so both draw on one buffer pool together; its bound is a
        // single 64 KiB buffer, so the pool runs at its limit.
        const writeBuffers = new BufferPool({ maxIdleBytes: 64 * 1024 });
        const logs = [
          await PartitionLog.open(`${dir}/a`, { retentionMs: -1, writeBuffers }),
          await PartitionLog.open(`${dir}/b`, { retentionMs: -1, writeBuffers }),
        ];
        const sent: Uint8Array[][] = [[], []];
        for (let wave = 0; wave < 6; wave++) {
          const appends = Array.from({ length: 80 }, (_, i) => {
            const p = i % 2;
            const value = enc.encode(`p${p}-w${wave}-${i}-`.repeat(1 + ((wave * 7 + i) % 50)));
            const b = buildBatch([{ value, timestampMs: 1_000 + i }]);
            sent[p]!.push(b);
            return logs[p]!.append([b]);
          });
          await Promise.all(appends);
        }
        assert.ok(writeBuffers.idleBytes <= 64 * 1024, `idle ${writeBuffers.idleBytes}`);
        for (const [p, log] of logs.entries()) {
          const read = await log.read(0, { maxBytes: 64 * 1024 * 1024 });
          // append stamped each batch's offset into these very bytes
          const expected = new Uint8Array(sent[p]!.reduce((n, b) => n + b.length, 0));
          let at = 0;
          for (const b of sent[p]!) {
            expected.set(b, at);
            at += b.length;
          }
          assert.equal(read.batchCount, sent[p]!.length);
          assert.deepEqual(read.records, expected);
          await log.close();
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  await t.step("ackBeforeSync answers before the sync and can lose acknowledged data", async () => {
    const disk = new MemoryDisk({ syncDelayMs: 20 });
    const log = await openMem(disk, { ackBeforeSync: true });
    const r = await log.append([batch(1)]);
    assert.equal(r.baseOffset, 0);
    disk.crash(); // the sync had not finished
    const again = await openMem(disk);
    assert.equal(again.logEndOffset, 0);
    await again.close();
    await new Promise((res) => setTimeout(res, 30)); // let the orphaned sync settle
  });

  await t.step("pending bytes are bounded", async () => {
    const disk = new MemoryDisk({ syncDelayMs: 5 });
    const b = batch(1);
    const log = await openMem(disk, { maxPendingBytes: b.length * 2 });
    const first = [log.append([batch(1)]), log.append([batch(1)])];
    await assert.rejects(log.append([batch(1)]), LogFullError);
    await Promise.all(first);
    await log.append([batch(1)]);
    await log.close();
  });

  await t.step("a failed sync fails the log; reopening recovers", async () => {
    const disk = new MemoryDisk();
    const log = await openMem(disk);
    await fill(log, 2);
    disk.failNext("sync");
    await assert.rejects(log.append([batch(1)]), LogFailedError);
    await assert.rejects(log.append([batch(1)]), LogFailedError);
    await log.close();
    disk.crash();
    const again = await openMem(disk);
    assert.equal(again.logEndOffset, 6);
    await again.close();
  });
});

Deno.test("partition log: recovery from torn and corrupt tails", async (t) => {
  const opts = { segmentBytes: 1 << 20, indexIntervalBytes: 100 };
  /** A log with 12 synced batches and no clean close; returns the batch end positions. */
  async function crashed(): Promise<{ disk: MemoryDisk; ends: number[] }> {
    const disk = new MemoryDisk();
    const log = await openMem(disk, opts);
    const ends: number[] = [];
    let pos = 0;
    for (const n of [1, 2, 3, 1, 5, 2, 1, 4, 2, 3, 1, 2]) {
      const b = batch(n);
      await log.append([b]);
      pos += b.length;
      ends.push(pos);
    }
    disk.crash(); // no clean close: the checkpoint still says "scan everything"
    return { disk, ends };
  }
  const path = `${DIR}/${segmentName(0, "log")}`;
  const counts = [1, 2, 3, 1, 5, 2, 1, 4, 2, 3, 1, 2];
  const offsetAfter = (k: number) => counts.slice(0, k).reduce((a, b) => a + b, 0);

  await t.step("a cut at every byte keeps exactly the whole batches before it", async () => {
    const { disk, ends } = await crashed();
    const full = disk.contents(path);
    for (let cut = 0; cut <= full.length; cut += 3) {
      const d = new MemoryDisk();
      const f = await d.open(path, { create: true });
      await f.write(0, full.subarray(0, cut));
      await f.sync();
      f.close();
      const log = await openMem(d, opts);
      const whole = ends.filter((e) => e <= cut).length;
      assert.equal(log.logEndOffset, offsetAfter(whole), `cut ${cut}`);
      assert.equal(log.sizeBytes, ends[whole - 1] ?? 0);
      if (whole > 0) assert.equal((await log.read(0, { maxBytes: 1 << 20 })).batchCount, whole);
      const next = await log.append([batch(1)]);
      assert.equal(next.baseOffset, offsetAfter(whole));
      await log.close();
    }
  });

  await t.step("a flipped byte anywhere cuts the log at the batch holding it", async () => {
    const { disk, ends } = await crashed();
    const full = disk.contents(path);
    for (let pos = 0; pos < full.length; pos += 11) {
      const d = new MemoryDisk();
      const f = await d.open(path, { create: true });
      const bad = full.slice();
      bad[pos]! ^= 0x5a;
      await f.write(0, bad);
      await f.sync();
      f.close();
      const log = await openMem(d, opts);
      const hit = ends.findIndex((e) => pos < e);
      // partitionLeaderEpoch (bytes 12-15) is outside the CRC by design; any other flip is caught
      // by the CRC, the framing, or the offset sequence.
      const inBatch = pos - (ends[hit - 1] ?? 0);
      const want = inBatch >= 12 && inBatch < 16 ? offsetAfter(ends.length) : offsetAfter(hit);
      assert.equal(log.logEndOffset, want, `pos ${pos}`);
      await log.close();
    }
  });

  await t.step("a torn last write loses only that batch", async () => {
    const disk = new MemoryDisk();
    const log = await openMem(disk, { ...opts, ackBeforeSync: true });
    await log.append([batch(2)]);
    await log.flush();
    await log.append([batch(3)]);
    disk.tearLastWrite(path, 40);
    disk.crash();
    const again = await openMem(disk, opts);
    assert.equal(again.logEndOffset, 2);
    await again.close();
    await log.close().catch(() => {});
  });

  await t.step("a corrupt batch read back is refused, never served", async () => {
    const disk = new MemoryDisk();
    const log = await openMem(disk, opts);
    await fill(log, 3);
    const b0 = batch(3).length;
    disk.corrupt(path, b0 + 70);
    await assert.rejects(log.read(3, { maxBytes: 1 << 20 }), CorruptBatchError);
    const ok = await log.read(0, { maxBytes: b0 });
    assert.equal(ok.batchCount, 1);
    await log.close();
  });
});

Deno.test("partition log: producer state is kept and rebuilt", async () => {
  const disk = new MemoryDisk();
  let log = await openMem(disk);
  const p = { producerId: 77n, producerEpoch: 2 };
  await log.append([batch(3, 0, { ...p, baseSequence: 0 })]);
  const stamped = await log.append([batch(2, 0, { ...p, baseSequence: 3 })], {
    logAppendTime: true,
  });
  const dup = new BatchView(batch(2, 0, { ...p, baseSequence: 3 }));
  // The original's stored timestamp (its LogAppendTime), not the retry's.
  const original = {
    kind: "duplicate",
    firstOffset: 3,
    lastOffset: 4,
    maxTimestamp: stamped.logAppendTimeMs,
  };
  assert.deepEqual(log.producers.check(dup), original);
  disk.crash();
  log = await openMem(disk); // no snapshot after a crash: rebuilt from the batch headers
  assert.deepEqual(log.producers.check(dup), original);
  const next = new BatchView(batch(1, 0, { ...p, baseSequence: 5 }));
  assert.deepEqual(log.producers.check(next), { kind: "inSequence" });
  await log.truncateSuffix(3);
  assert.deepEqual(log.producers.check(dup), { kind: "inSequence" });
  await log.close();
});

Deno.test("partition log: producer sequences checked inside the serialized write", async (t) => {
  const disk = new MemoryDisk({ syncDelayMs: 5 });
  const log = await openMem(disk);
  const idem = (n: number, baseSequence: number) =>
    views(batch(n, 1_000, { producerId: 7n, producerEpoch: 0, baseSequence }));
  await t.step("pipelined in-sequence batches are all accepted in order", async () => {
    const results = await Promise.all([
      log.append(idem(2, 0), { checkProducers: true }),
      log.append(idem(3, 2), { checkProducers: true }),
      log.append(idem(1, 5), { checkProducers: true }),
    ]);
    assert.deepEqual(results.map((r) => r.baseOffset), [0, 2, 5]);
  });
  await t.step(
    "a retried batch is a duplicate with its original offsets, not rewritten",
    async () => {
      const again = await log.append(idem(3, 2), { checkProducers: true });
      assert.deepEqual(again, {
        baseOffset: 2,
        lastOffset: 4,
        logAppendTimeMs: -1,
        duplicate: true,
      });
      assert.equal(log.logEndOffset, 6);
    },
  );
  await t.step("a gap and an old epoch are refused with their Kafka codes", async () => {
    await assert.rejects(
      log.append(idem(1, 9), { checkProducers: true }),
      (e) => e instanceof ProducerSequenceError && e.code === 45,
    );
    await log.append(
      views(batch(1, 1_000, { producerId: 7n, producerEpoch: 1, baseSequence: 0 })),
      {
        checkProducers: true,
      },
    );
    await assert.rejects(
      log.append(idem(1, 6), { checkProducers: true }),
      (e) => e instanceof ProducerSequenceError && e.code === 47,
    );
    assert.equal(log.logEndOffset, 7);
  });
  await log.close();
});

Deno.test("partition log: a producer's state expires producerIdExpirationMs after its last batch (KIP-854)", async (t) => {
  const disk = new MemoryDisk();
  const t0 = 1_700_000_000_000;
  let now = t0;
  const opts = { nowMs: () => now, producerIdExpirationMs: 60_000 };
  let log = await openMem(disk, opts);
  /** A one-record batch of producer `id` at sequence `seq`, its CreateTime `ts`. */
  const idem = (id: bigint, seq: number, ts: number) =>
    views(batch(1, ts, { producerId: id, producerEpoch: 0, baseSequence: seq }));
  const append = (id: bigint, seq: number, ts: number) =>
    log.append(idem(id, seq, ts), { checkProducers: true });
  const ids = () => [...log.producers.entries()].map((e) => e.producerId);
  const reopen = async (crash: boolean) => {
    if (crash) disk.crash();
    else await log.close();
    log = await openMem(disk, opts);
  };
  await append(1n, 0, t0);
  now = t0 + 30_000;
  await append(2n, 0, now);

  await t.step("1 ms before expiry: a retry of the last batch is still a duplicate", async () => {
    now = t0 + 59_999;
    assert.equal(await log.removeExpiredProducers(), 0);
    const retry = await append(1n, 0, t0);
    assert.deepEqual([retry.baseOffset, retry.duplicate], [0, true]);
  });

  await t.step("at expiry the check forgets it; later snapshots leave it out", async () => {
    now = t0 + 60_000;
    assert.equal(await log.removeExpiredProducers(), 1);
    assert.deepEqual(ids(), [2n]);
    await log.close();
    const snapshot = decodeSnapshot(2, disk.contents(snapshotPath(2)), 0);
    assert.ok(typeof snapshot !== "string", String(snapshot));
    assert.deepEqual(snapshot.map((e) => e.producerId), [2n]);
    log = await openMem(disk, opts);
    // As Kafka after expiry: an unknown producer, so the retry is written again.
    const retry = await append(1n, 0, t0);
    assert.deepEqual([retry.baseOffset, retry.duplicate], [2, false]);
  });

  await t.step("a reopen drops producers expired by then, from the snapshot", async () => {
    now = t0 + 70_000;
    await append(3n, 0, now);
    now = t0 + 89_999;
    await reopen(false);
    // 1 (its retry stored t0) is 89,999 ms old; 2 is 59,999, 3 19,999.
    assert.deepEqual(ids(), [2n, 3n]);
  });

  await t.step("and from the batches replayed after it", async () => {
    await append(2n, 1, now);
    now = t0 + 130_000;
    await reopen(true);
    assert.deepEqual(ids(), [2n]);
    now = t0 + 89_999 + 60_000;
    await reopen(true);
    assert.deepEqual(ids(), []);
    const retry = await append(2n, 1, t0 + 89_999);
    assert.deepEqual([retry.baseOffset, retry.duplicate], [5, false]);
  });
  await log.close();
});

Deno.test("partition log: reads into pooled buffers hand back every one they do not return", async (t) => {
  const path = `${DIR}/${segmentName(0, "log")}`;
  /** A pool whose taken-but-not-given buffers can be counted. */
  const counting = () => {
    const pool = new BufferPool({ minBufferBytes: 1024, maxBufferBytes: 1 << 20 });
    const out = new Set<Uint8Array>();
    const take = pool.take.bind(pool);
    const give = pool.give.bind(pool);
    pool.take = (bytes: number) => {
      const b = take(bytes);
      out.add(b);
      return b;
    };
    pool.give = (b: Uint8Array) => {
      assert.ok(out.delete(b), "given back once, and only what was taken");
      give(b);
    };
    return { pool, out };
  };

  await t.step("records equal a plain read and live in the returned buffer", async () => {
    const { pool, out } = counting();
    const log = await openMem(new MemoryDisk());
    await fill(log, 4);
    const plain = await log.read(4, { maxBytes: 1 << 20 });
    const pooled = await log.read(4, { maxBytes: 1 << 20, buffers: pool });
    assert.deepEqual(pooled.records, plain.records);
    assert.equal(pooled.batchCount, plain.batchCount);
    assert.ok(pooled.buffer !== undefined && out.has(pooled.buffer));
    assert.equal(pooled.records.buffer, pooled.buffer.buffer);
    assert.equal(out.size, 1, "the lookup's chunk went back");
    pool.give(pooled.buffer);
    const again = await log.read(0, { maxBytes: 1 << 20, buffers: pool });
    assert.equal(views(again.records).length, 4);
    assert.equal(plain.buffer, undefined, "a plain read holds no pooled buffer");
    pool.give(again.buffer!);
    assert.equal(out.size, 0);
    await log.close();
  });

  await t.step("the first batch beyond the budget comes in a second buffer", async () => {
    const { pool, out } = counting();
    const log = await openMem(new MemoryDisk());
    const sizes = await fill(log, 2);
    const r = await log.read(0, { maxBytes: 10, buffers: pool });
    assert.equal(r.batchCount, 1);
    assert.equal(r.records.length, sizes[0]);
    assert.deepEqual([...out], [r.buffer]);
    pool.give(r.buffer!);
    await log.close();
  });

  await t.step("nothing to return: every buffer goes back", async () => {
    const { pool, out } = counting();
    const log = await openMem(new MemoryDisk());
    await fill(log, 2);
    const r = await log.read(0, { maxBytes: 1 << 20, maxOffset: 0, buffers: pool });
    assert.equal(r.batchCount, 0);
    const none = await log.read(3, { maxBytes: 1, minOneBatch: false, buffers: pool });
    assert.equal(none.batchCount, 0);
    assert.equal(r.buffer ?? none.buffer, undefined);
    assert.equal(out.size, 0);
    await log.close();
  });

  await t.step("a corrupt batch is refused and its buffer goes back", async () => {
    const { pool, out } = counting();
    const disk = new MemoryDisk();
    const log = await openMem(disk);
    await fill(log, 3);
    disk.corrupt(path, batch(3).length + 70);
    await assert.rejects(log.read(3, { maxBytes: 1 << 20, buffers: pool }), CorruptBatchError);
    assert.equal(out.size, 0);
    await log.close();
  });
});

/** A disk that counts the bytes read from each file (to see what an open replays). */
class CountingDisk implements Disk {
  readonly readBytes = new Map<string, number>();
  /** Called after each read; the read returns once the promise it may give settles. */
  afterRead: ((path: string, position: number) => Promise<void> | undefined) | undefined;
  constructor(readonly inner: Disk) {}

  /**
   * Bytes read since the last call: from `.log` files in all and from the most read one, and
   * from index files.
   */
  takeLogBytes(): { total: number; mostOfOne: number; indexBytes: number } {
    let total = 0;
    let mostOfOne = 0;
    let indexBytes = 0;
    for (const [path, bytes] of this.readBytes) {
      if (path.endsWith("index")) indexBytes += bytes;
      if (!path.endsWith(".log")) continue;
      total += bytes;
      mostOfOne = Math.max(mostOfOne, bytes);
    }
    this.readBytes.clear();
    return { total, mostOfOne, indexBytes };
  }

  async open(path: string, options?: { create?: boolean }): Promise<DiskFile> {
    const f = await this.inner.open(path, options);
    const count = (bytes: Uint8Array) => {
      this.readBytes.set(path, (this.readBytes.get(path) ?? 0) + bytes.length);
      return bytes;
    };
    return {
      path,
      read: async (p, n, into) => {
        const bytes = count(await f.read(p, n, into));
        await this.afterRead?.(path, p);
        return bytes;
      },
      write: (p, d) => f.write(p, d),
      sync: () => f.sync(),
      truncate: (n) => f.truncate(n),
      size: () => f.size(),
      hold: () => f.hold(),
      release: () => f.release(),
      close: () => f.close(),
    };
  }
  list(dir: string) {
    return this.inner.list(dir);
  }
  mkdirp(dir: string) {
    return this.inner.mkdirp(dir);
  }
  rename(from: string, to: string) {
    return this.inner.rename(from, to);
  }
  remove(path: string) {
    return this.inner.remove(path);
  }
  syncDir(dir: string) {
    return this.inner.syncDir(dir);
  }
}

/**
 * The oracle: producer state replayed from every batch of the log, as a log without snapshots
 * rebuilds it (batches ending below the log start left out).
 */
async function replayedProducers(log: PartitionLog): Promise<ProducerSnapshotEntry[]> {
  const table = new ProducerStateTable();
  let off = log.logStartOffset;
  while (off < log.logEndOffset) {
    const r = await log.read(off, { maxBytes: 1 << 20 });
    for (const v of views(r.records)) {
      if (v.lastOffset >= log.logStartOffset) table.record(v, v.baseOffset);
    }
    off = r.nextOffset;
  }
  return [...table.entries()];
}

function snapshotPath(offset: number): string {
  return `${DIR}/${String(offset).padStart(20, "0")}.snapshot`;
}

function snapshotsOn(disk: MemoryDisk): number[] {
  return [...disk.nodes.keys()].filter((p) => p.endsWith(".snapshot"))
    .map((p) => Number(p.slice(DIR.length + 1, -".snapshot".length))).sort((a, b) => a - b);
}

Deno.test("partition log: producer snapshots bound what an open replays", async (t) => {
  const mem = new MemoryDisk();
  const disk = new CountingDisk(mem);
  const opts = {
    disk,
    segmentBytes: 1_000,
    indexIntervalBytes: 200,
    producerIdExpirationMs: NO_PRODUCER_EXPIRY,
  };
  let log = await PartitionLog.open(DIR, { retentionMs: -1, ...opts });
  const seqs = [0, 0, 0];
  for (let i = 0; i < 150; i++) {
    const p = i % 3;
    await log.append([batch(2, 1_000 + i, { producerId: BigInt(p + 1), baseSequence: seqs[p]! })]);
    seqs[p]! += 2;
  }
  const logBytes = log.sizeBytes;
  assert.ok(log.segmentCount >= 8, `segments ${log.segmentCount}`);
  const expected = await replayedProducers(log);
  assert.deepEqual([...log.producers.entries()], expected);
  const reopen = async () => {
    disk.takeLogBytes();
    log = await PartitionLog.open(DIR, { retentionMs: -1, ...opts });
    return disk.takeLogBytes();
  };

  // What an open reads of a segment it need not scan: the tail after its last index entry (at
  // most an index interval and a batch).
  const tail = opts.indexIntervalBytes + 100;

  await t.step("a clean reopen replays nothing and scans no segment", async () => {
    await log.close();
    assert.deepEqual(snapshotsOn(mem).at(-1), 300, "a snapshot at the log end");
    const read = await reopen();
    assert.deepEqual([...log.producers.entries()], expected);
    // The active segment too: the clean close wrote its indexes and the log end.
    assert.ok(read.mostOfOne <= tail, `read ${read.mostOfOne} bytes of one segment`);
  });

  await t.step("after a crash the replay starts at the last roll", async () => {
    // Past the snapshot the clean close left, over several rolls.
    for (let i = 0; i < 40; i++) {
      await log.append([batch(2, 5_000, { producerId: 2n, baseSequence: seqs[1]! })]);
      seqs[1]! += 2;
    }
    const want = await replayedProducers(log);
    mem.crash();
    const read = await reopen();
    assert.deepEqual([...log.producers.entries()], want);
    // The active segment once: its recovery scan is also the replay from the last roll. Of the
    // others, the tails.
    const active = [...mem.nodes.keys()].filter((p) => p.endsWith(".log")).sort().at(-1)!;
    const activeBytes = mem.contents(active).length;
    assert.ok(activeBytes > tail, `active segment of ${activeBytes} bytes`);
    assert.equal(read.mostOfOne, activeBytes);
    const most = (log.segmentCount - 1) * tail + activeBytes;
    assert.ok(read.total <= most, `read ${read.total} bytes of a log of ${log.sizeBytes}`);
    assert.ok(snapshotsOn(mem).length <= 2, `snapshots ${snapshotsOn(mem)}`);
  });

  await t.step("without snapshots the whole log is replayed, to the same state", async () => {
    const want = [...log.producers.entries()];
    await log.close();
    for (const at of snapshotsOn(mem)) {
      await mem.remove(snapshotPath(at));
    }
    const read = await reopen();
    assert.deepEqual([...log.producers.entries()], want);
    assert.ok(read.total >= logBytes, `read ${read.total} bytes of a log of ${log.sizeBytes}`);
    // Each segment is replayed from its first byte, which needs no index: of the sealed ones'
    // indexes only the last entries an open checks (8 + 12 bytes), and the active one's whole.
    const names = (await mem.list(DIR)).filter((n) => n.endsWith(".log")).sort();
    const active = `${DIR}/${names.at(-1)!.slice(0, -".log".length)}`;
    const activeIndexBytes = mem.contents(`${active}.index`).length +
      mem.contents(`${active}.timeindex`).length;
    assert.ok(
      read.indexBytes <= (names.length - 1) * 20 + activeIndexBytes,
      `${read.indexBytes} index bytes read`,
    );
  });

  await t.step("a damaged newest snapshot falls back to the one before it", async () => {
    for (let i = 0; i < 20; i++) {
      await log.append([batch(2, 6_000, { producerId: 3n, baseSequence: seqs[2]! })]);
      seqs[2]! += 2;
    }
    await log.close();
    const [older, newest] = snapshotsOn(mem).slice(-2);
    assert.ok(older !== undefined && newest !== undefined, `snapshots ${snapshotsOn(mem)}`);
    mem.corrupt(snapshotPath(newest), 20);
    const read = await reopen();
    assert.deepEqual([...log.producers.entries()], await replayedProducers(log));
    // From the older snapshot (the last roll): the active segment and the tails, not the log.
    const most = log.segmentCount * tail + opts.segmentBytes;
    assert.ok(read.total <= most, `read ${read.total} bytes of a log of ${log.sizeBytes}`);
    await log.close();
  });
});

Deno.test("partition log: producer state after any history equals a replay of the log (seeded)", async () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rng = new SimRng(seed);
    const disk = new MemoryDisk();
    const opts = { segmentBytes: 1_500, indexIntervalBytes: 200 };
    let log = await openMem(disk, opts);
    const epochs = [0, 0, 0, 0];
    const seqs = [0, 0, 0, 0];
    const history: string[] = [];
    const check = async (what: string) => {
      history.push(what);
      const want = await replayedProducers(log);
      assert.deepEqual(
        [...log.producers.entries()],
        want,
        `seed ${seed}, after: ${history.join(", ")}`,
      );
      for (const at of snapshotsOn(disk)) {
        assert.ok(at <= log.logEndOffset, `seed ${seed}: snapshot ${at} above ${log.logEndOffset}`);
      }
    };
    for (let step = 0; step < 120; step++) {
      const r = rng.nextInt(100);
      const start = log.logStartOffset;
      const end = log.logEndOffset;
      if (r < 70) {
        const p = rng.nextInt(5);
        const n = rng.between(1, 3);
        if (p === 4) {
          await log.append([batch(n, step)]);
        } else {
          if (rng.chance(0.05)) {
            epochs[p]!++;
            seqs[p] = 0;
          }
          await log.append([batch(n, step, {
            producerId: BigInt(p + 1),
            producerEpoch: epochs[p]!,
            baseSequence: seqs[p]!,
          })]);
          seqs[p]! += n;
        }
        await check("append");
      } else if (r < 78) {
        const at = rng.between(start, end);
        await log.truncateSuffix(at);
        await check(`truncateSuffix(${at})`);
      } else if (r < 83) {
        const at = rng.between(start, end + (rng.chance(0.2) ? 5 : 0));
        await log.truncatePrefix(at);
        await check(`truncatePrefix(${at})`);
      } else if (r < 90) {
        await log.close();
        log = await openMem(disk, opts);
        await check("clean reopen");
      } else if (r < 95) {
        disk.crash();
        log = await openMem(disk, opts);
        await check("crash");
      } else if (r < 98) {
        // Synced bytes lost at the tail (a disk that lied): the log end moves back on open.
        const active = [...disk.nodes.keys()].filter((p) => p.endsWith(".log")).sort().at(-1)!;
        const size = disk.contents(active).length;
        await log.close();
        disk.cut(active, rng.nextInt(size + 1));
        log = await openMem(disk, opts);
        await check("tail cut");
      } else {
        const newest = snapshotsOn(disk).at(-1);
        if (newest !== undefined) {
          const path = snapshotPath(newest);
          disk.corrupt(path, rng.nextInt(disk.contents(path).length));
        }
        disk.crash();
        log = await openMem(disk, opts);
        await check("damaged newest snapshot, crash");
      }
    }
    await log.close();
  }
});
