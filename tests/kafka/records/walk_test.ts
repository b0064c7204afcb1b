/**
 * `walkRecords`, the produce path's check of every record inside a batch whose header and CRC are
 * already valid: what it refuses (so no consumer is served a batch it cannot read), the records'
 * max timestamp it returns, and the CreateTime timestamp window.
 */
import assert from "node:assert/strict";
import {
  BATCH_HEADER_BYTES,
  BatchView,
  buildBatch,
  CODECS,
  Field,
  KafkaCode,
  RecordBatchError,
  RecordTimestampError,
  sealCrc,
  setCreateTime,
  walkRecords,
} from "../../../src/kafka/records/mod.ts";

const enc = new TextEncoder();

function view(bytes: Uint8Array): BatchView {
  return new BatchView(bytes);
}

/** Two uncompressed records of equal size and timestamp; returns the batch and record 2's start. */
function twoRecords(): { bytes: Uint8Array; second: number } {
  const bytes = buildBatch([{ value: enc.encode("a"), timestampMs: 7 }, {
    value: enc.encode("b"),
    timestampMs: 7,
  }]);
  const firstLength = bytes[BATCH_HEADER_BYTES]! / 2; // a one-byte zigzag varint
  return { bytes, second: BATCH_HEADER_BYTES + 1 + firstLength };
}

function refusedAs(fn: () => unknown, code: number): void {
  assert.throws(fn, (e: unknown) => e instanceof RecordBatchError && e.code === code);
}

Deno.test("walkRecords accepts every codec and returns the records' max timestamp", () => {
  const records = [5, 9, 3].map((t) => ({ value: enc.encode(`v${t}`.repeat(t)), timestampMs: t }));
  for (const codec of CODECS) {
    assert.equal(walkRecords(view(buildBatch(records, { codec }))), 9, codec);
  }
  const unstamped = buildBatch([{ value: enc.encode("x") }], { baseTimestampMs: -1 });
  assert.equal(walkRecords(view(unstamped)), -1);
});

Deno.test("walkRecords refuses records that do not fit their batch (INVALID_RECORD)", () => {
  // The header claims two records; the batch holds one.
  const short = buildBatch([{ value: enc.encode("only") }]);
  const dv = new DataView(short.buffer);
  dv.setInt32(Field.recordCount, 2);
  dv.setInt32(Field.lastOffsetDelta, 1);
  sealCrc(short);
  refusedAs(() => walkRecords(view(short)), KafkaCode.INVALID_RECORD);

  // Both records say offset delta 0.
  const { bytes: twice, second } = twoRecords();
  assert.equal(twice[second + 3], 2); // length, attributes, timestamp delta, then offset delta 1
  twice[second + 3] = 0;
  sealCrc(twice);
  refusedAs(() => walkRecords(view(twice)), KafkaCode.INVALID_RECORD);

  // A byte after the last record.
  const one = buildBatch([{ value: enc.encode("x") }]);
  const longer = new Uint8Array(one.length + 1);
  longer.set(one);
  new DataView(longer.buffer).setInt32(Field.batchLength, one.length + 1 - 12);
  sealCrc(longer);
  refusedAs(() => walkRecords(view(longer)), KafkaCode.INVALID_RECORD);

  // A value longer than its record.
  const { bytes: overrun, second: at } = twoRecords();
  overrun[at + 5] = 40; // value length 20 (zigzag) in a record of a few bytes
  sealCrc(overrun);
  refusedAs(() => walkRecords(view(overrun)), KafkaCode.INVALID_RECORD);
});

Deno.test("walkRecords refuses a compressed payload that does not decompress (CORRUPT_MESSAGE)", () => {
  const gzip = buildBatch([{ value: enc.encode("x".repeat(100)) }], { codec: "gzip" });
  gzip.fill(0x55, BATCH_HEADER_BYTES + 10);
  sealCrc(gzip);
  refusedAs(() => walkRecords(view(gzip)), KafkaCode.CORRUPT_MESSAGE);
});

Deno.test("walkRecords names each record stamped outside the window; -1 is never checked", () => {
  const batch = buildBatch([
    { value: enc.encode("a"), timestampMs: 1_000 },
    { value: enc.encode("b"), timestampMs: 5_000 },
    { value: enc.encode("c"), timestampMs: 2_000 },
    { value: enc.encode("d"), timestampMs: -1 },
  ]);
  const window = { min: 1_500, max: 4_000 };
  assert.throws(
    () => walkRecords(view(batch), { timestamps: window }),
    (e: unknown) =>
      e instanceof RecordTimestampError && e.code === 32 &&
      JSON.stringify(e.records.map((r) => r.batchIndex)) === "[0,1]",
  );
  assert.equal(walkRecords(view(batch), { timestamps: { min: 1_000, max: 5_000 } }), 5_000);
  // Bounded: at most maxRecordErrors records are named.
  assert.throws(
    () => walkRecords(view(batch), { timestamps: { min: 3_000, max: 4_000 }, maxRecordErrors: 2 }),
    (e: unknown) => e instanceof RecordTimestampError && e.records.length === 2,
  );
});

Deno.test("setCreateTime makes the header agree with the records, and reseals the CRC", () => {
  const lying = buildBatch([{ value: enc.encode("x"), timestampMs: 1_000 }], {
    timestampType: "logAppendTime",
  });
  new DataView(lying.buffer).setBigInt64(Field.maxTimestamp, 9_000n);
  sealCrc(lying);
  setCreateTime(lying, walkRecords(view(lying)));
  const fixed = view(lying);
  assert.deepEqual([fixed.timestampType, fixed.maxTimestamp, fixed.crcValid()], [
    "createTime",
    1_000,
    true,
  ]);
});
