import assert from "node:assert/strict";
import {
  BatchView,
  buildBatch,
  CODECS,
  readRecords,
  RecordBatchError,
  splitBatches,
} from "../../../src/kafka/records/mod.ts";

const enc = new TextEncoder();

Deno.test("records inside batches", async (t) => {
  const inputs = Array.from({ length: 50 }, (_, i) => ({
    key: i % 5 === 0 ? null : enc.encode(`key-${i}`),
    value: i % 7 === 0 ? null : enc.encode(`value-${i}-`.repeat(i)),
    headers: i % 3 === 0
      ? [{ key: "h", value: enc.encode(String(i)) }, { key: "n", value: null }]
      : [],
    timestampMs: 1_000 + i * 3 - (i % 4),
  }));

  for (const codec of CODECS) {
    await t.step(`${codec}: build, split, validate and read back every field`, () => {
      const bytes = buildBatch(inputs, {
        codec,
        baseOffset: 100,
        producerId: 9n,
        producerEpoch: 0,
        baseSequence: 0,
      });
      const [view] = splitBatches(bytes);
      assert.ok(view);
      assert.equal(view.codec, codec);
      assert.equal(view.recordCount, 50);
      assert.equal(view.lastOffset, 149);
      assert.equal(view.maxTimestamp, Math.max(...inputs.map((r) => r.timestampMs)));
      const recs = readRecords(view);
      assert.equal(recs.length, 50);
      recs.forEach((r, i) => {
        const want = inputs[i]!;
        assert.equal(r.offset, 100 + i);
        assert.equal(r.timestampMs, want.timestampMs);
        assert.deepEqual(r.key, want.key);
        assert.deepEqual(r.value, want.value);
        assert.deepEqual(r.headers, want.headers);
      });
    });
  }

  await t.step("varints cover negative timestamp deltas and large values", () => {
    const bytes = buildBatch(
      [{ value: enc.encode("x"), timestampMs: 2 ** 41 }, {
        value: enc.encode("y"),
        timestampMs: 5,
      }],
      { baseTimestampMs: 2 ** 40 },
    );
    const recs = readRecords(new BatchView(bytes));
    assert.deepEqual(recs.map((r) => r.timestampMs), [2 ** 41, 5]);
  });

  await t.step("LogAppendTime batches report maxTimestamp for every record", () => {
    const bytes = buildBatch([{ timestampMs: 1 }, { timestampMs: 2 }], {
      timestampType: "logAppendTime",
      baseTimestampMs: 1,
    });
    const recs = readRecords(new BatchView(bytes));
    assert.deepEqual(recs.map((r) => r.timestampMs), [2, 2]);
  });

  await t.step("a record count that disagrees with the records is refused", () => {
    const bytes = buildBatch([{ value: enc.encode("a") }, { value: enc.encode("b") }]);
    const dv = new DataView(bytes.buffer);
    dv.setInt32(57, 3);
    dv.setInt32(23, 2);
    assert.throws(
      () => readRecords(new BatchView(bytes)),
      (e) => e instanceof RecordBatchError && e.code === 87,
    );
    dv.setInt32(57, 1);
    dv.setInt32(23, 0);
    assert.throws(() => readRecords(new BatchView(bytes)), /after the last record/);
  });
});
