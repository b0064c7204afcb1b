import assert from "node:assert/strict";
import {
  BatchView,
  buildBatch,
  crc32c,
  RecordBatchError,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  splitBatches,
} from "../../../src/kafka/records/mod.ts";

const enc = new TextEncoder();

/**
 * A batch written field by field from the protocol guide's layout, independent of buildBatch:
 * one record, key "k", value "v", no headers, producer 7 epoch 1 sequence 5.
 */
function specBatch(): Uint8Array {
  // record: attributes 0, tsDelta 0, offsetDelta 0, keyLen 1 ("k"), valueLen 1 ("v"), 0 headers
  const record = [0x00, 0x00, 0x00, 0x02, 0x6b, 0x02, 0x76, 0x00];
  const body = [record.length * 2, ...record]; // zigzag length prefix
  const total = 61 + body.length;
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, 0n);
  dv.setInt32(8, total - 12);
  dv.setInt32(12, -1);
  dv.setInt8(16, 2);
  dv.setInt16(21, 0);
  dv.setInt32(23, 0);
  dv.setBigInt64(27, 1_700_000_000_000n);
  dv.setBigInt64(35, 1_700_000_000_000n);
  dv.setBigInt64(43, 7n);
  dv.setInt16(51, 1);
  dv.setInt32(53, 5);
  dv.setInt32(57, 1);
  b.set(body, 61);
  dv.setUint32(17, crc32c(b.subarray(21)));
  return b;
}

function expectCode(fn: () => unknown, code: number, kind?: string) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof RecordBatchError, String(e));
    assert.equal(e.code, code);
    if (kind) assert.equal(e.kind, kind);
    return true;
  });
}

Deno.test("record batch v2", async (t) => {
  await t.step("buildBatch produces the spec layout byte for byte", () => {
    const built = buildBatch([{ key: enc.encode("k"), value: enc.encode("v") }], {
      baseTimestampMs: 1_700_000_000_000,
      producerId: 7n,
      producerEpoch: 1,
      baseSequence: 5,
    });
    assert.deepEqual(built, specBatch());
  });

  await t.step("the header view decodes every field without copying", () => {
    const b = specBatch();
    const v = new BatchView(b);
    assert.equal(v.bytes.buffer, b.buffer);
    assert.equal(v.baseOffset, 0);
    assert.equal(v.batchLength, b.length - 12);
    assert.equal(v.partitionLeaderEpoch, -1);
    assert.equal(v.magic, 2);
    assert.equal(v.crc, crc32c(b.subarray(21)));
    assert.equal(v.codec, "none");
    assert.equal(v.timestampType, "createTime");
    assert.equal(v.isTransactional, false);
    assert.equal(v.isControl, false);
    assert.equal(v.lastOffsetDelta, 0);
    assert.equal(v.baseTimestamp, 1_700_000_000_000);
    assert.equal(v.maxTimestamp, 1_700_000_000_000);
    assert.equal(v.producerId, 7n);
    assert.equal(v.producerEpoch, 1);
    assert.equal(v.baseSequence, 5);
    assert.equal(v.recordCount, 1);
    assert.ok(v.crcValid());
  });

  await t.step("the CRC is stored big-endian", () => {
    const b = specBatch();
    const crc = crc32c(b.subarray(21));
    assert.deepEqual([...b.subarray(17, 21)], [
      crc >>> 24,
      (crc >>> 16) & 0xff,
      (crc >>> 8) & 0xff,
      crc & 0xff,
    ]);
  });

  await t.step("splitBatches returns zero-copy views of several batches", () => {
    const a = buildBatch([{ value: enc.encode("a") }, { value: enc.encode("b") }]);
    const b = buildBatch([{ value: enc.encode("c") }], { codec: "gzip" });
    const blob = new Uint8Array(a.length + b.length);
    blob.set(a);
    blob.set(b, a.length);
    const views = splitBatches(blob, { maxBatches: 2 });
    assert.equal(views.length, 2);
    assert.equal(views[0]!.recordCount, 2);
    assert.equal(views[1]!.codec, "gzip");
    assert.equal(views[1]!.bytes.buffer, blob.buffer);
    assert.equal(views[1]!.bytes.byteOffset, a.length);
    expectCode(() => splitBatches(blob), 87, "tooManyBatches");
  });

  await t.step("splitBatches refuses each kind of bad input with its Kafka code", () => {
    const good = specBatch();
    // Kafka's reading order: fewer bytes than a batch length and magic, or than the length
    // claims, is no batch (INVALID_RECORD); a length below any batch's or a magic no version has
    // is corrupt (CORRUPT_MESSAGE).
    expectCode(() => splitBatches(new Uint8Array(0)), 87, "incomplete");
    expectCode(() => splitBatches(good.subarray(0, 11)), 87, "incomplete");
    expectCode(() => splitBatches(good.subarray(0, 16)), 87, "incomplete");
    expectCode(() => splitBatches(good.subarray(0, 40)), 87, "incomplete");
    expectCode(() => splitBatches(good.subarray(0, good.length - 1)), 87, "incomplete");
    const magic1 = good.slice();
    magic1[16] = 1;
    expectCode(() => splitBatches(magic1), 87, "badMagic");
    for (const magic of [3, -1]) {
      const unknown = good.slice();
      new DataView(unknown.buffer).setInt8(16, magic);
      expectCode(() => splitBatches(unknown), 2, "unknownMagic");
    }
    const shortLen = good.slice();
    new DataView(shortLen.buffer).setInt32(8, 10);
    expectCode(() => splitBatches(shortLen), 2, "badLength");
    // The length is read before the magic: a short length with any magic is corrupt.
    new DataView(shortLen.buffer).setInt8(16, 9);
    expectCode(() => splitBatches(shortLen.subarray(0, 14)), 2, "badLength");
    // A length Kafka's v0/v1 batches may have but a v2 batch may not: corrupt, as Kafka's check
    // of the batch finds it.
    const v2Short = good.slice();
    new DataView(v2Short.buffer).setInt32(8, 30);
    expectCode(() => splitBatches(v2Short), 2, "badLength");
    // Bytes after a whole batch that make no batch are the end of the blob, dropped unread as
    // Kafka drops them: fewer than a length, fewer than a length and magic, fewer than the length
    // claims. A short length or an unknown magic there is still corrupt, and a second whole batch
    // is one too many whatever it holds.
    for (const extra of [5, 11, 12, 16, 17, 40]) {
      const trailing = new Uint8Array(good.length + extra);
      trailing.set(good);
      trailing.set(good.subarray(0, extra), good.length);
      const views = splitBatches(trailing);
      assert.equal(views.length, 1, `${extra} bytes after the batch`);
      assert.deepEqual(views[0]!.bytes, good);
    }
    const badLengthAfter = new Uint8Array(good.length + 12);
    badLengthAfter.set(good);
    new DataView(badLengthAfter.buffer).setInt32(good.length + 8, 13);
    expectCode(() => splitBatches(badLengthAfter), 2, "badLength");
    const badMagicAfter = new Uint8Array(good.length + 17);
    badMagicAfter.set(good);
    badMagicAfter.set(good.subarray(0, 17), good.length);
    badMagicAfter[good.length + 16] = 3;
    expectCode(() => splitBatches(badMagicAfter), 2, "unknownMagic");
    const second = new Uint8Array(good.length * 2);
    second.set(good);
    second.set(good, good.length);
    new DataView(second.buffer).setInt32(good.length + 8, 20);
    expectCode(() => splitBatches(second.subarray(0, good.length + 32)), 87, "tooManyBatches");
    const flipped = good.slice();
    flipped[good.length - 1]! ^= 0x40;
    expectCode(() => splitBatches(flipped), 2, "badCrc");
    expectCode(() => splitBatches(good, { maxBatchBytes: 64 }), 10, "tooLarge");
    const badCount = good.slice();
    new DataView(badCount.buffer).setInt32(23, 3);
    new DataView(badCount.buffer).setUint32(17, crc32c(badCount.subarray(21)));
    expectCode(() => splitBatches(badCount), 87, "badCount");
    const badCodec = good.slice();
    new DataView(badCodec.buffer).setInt16(21, 6);
    new DataView(badCodec.buffer).setUint32(17, crc32c(badCodec.subarray(21)));
    expectCode(() => splitBatches(badCodec), 76, "badCodec");
    // Without CRC checking a flipped payload byte passes framing.
    assert.equal(splitBatches(flipped, { verifyCrc: false }).length, 1);
  });

  await t.step("baseOffset and partitionLeaderEpoch rewrite in place outside the CRC", () => {
    const b = specBatch();
    const crcBefore = new BatchView(b).crc;
    setBaseOffset(b, 2 ** 40 + 3);
    setPartitionLeaderEpoch(b, 17);
    const v = new BatchView(b);
    assert.equal(v.baseOffset, 2 ** 40 + 3);
    assert.equal(v.lastOffset, 2 ** 40 + 3);
    assert.equal(v.partitionLeaderEpoch, 17);
    assert.equal(v.crc, crcBefore);
    assert.ok(v.crcValid());
  });

  await t.step(
    "LogAppendTime rewrite sets the type bit and max timestamp, re-sealing the CRC",
    () => {
      const b = specBatch();
      setLogAppendTime(b, 1_800_000_000_123);
      const v = new BatchView(b);
      assert.equal(v.timestampType, "logAppendTime");
      assert.equal(v.maxTimestamp, 1_800_000_000_123);
      assert.equal(v.baseTimestamp, 1_700_000_000_000);
      assert.ok(v.crcValid());
      assert.equal(splitBatches(b).length, 1);
    },
  );
});
