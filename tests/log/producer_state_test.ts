import assert from "node:assert/strict";
import { lastSequence, type ProducerBatch, ProducerStateTable } from "../../src/log/mod.ts";
import { SimRng } from "../sim/rng.ts";

function b(seq: number, count: number, epoch = 0, producerId = 1n): ProducerBatch {
  return {
    producerId,
    producerEpoch: epoch,
    baseSequence: seq,
    lastOffsetDelta: count - 1,
    maxTimestamp: 1_000 + seq,
    isControl: false,
  };
}

Deno.test("producer state", async (t) => {
  await t.step("non-idempotent and control batches are not tracked", () => {
    const p = new ProducerStateTable();
    assert.deepEqual(p.check(b(-1, 1, 0, -1n)), { kind: "notIdempotent" });
    assert.deepEqual(p.check({ ...b(0, 1), isControl: true }), { kind: "notIdempotent" });
    p.record(b(-1, 1, 0, -1n), 0);
    assert.equal(p.size, 0);
  });

  await t.step("in sequence, duplicates of the last five, out of order", () => {
    const p = new ProducerStateTable();
    assert.deepEqual(p.check(b(0, 2)), { kind: "inSequence" });
    let offset = 100;
    for (let seq = 0; seq < 14; seq += 2) {
      assert.deepEqual(p.check(b(seq, 2)), { kind: "inSequence" }, `seq ${seq}`);
      p.record(b(seq, 2), offset);
      offset += 2;
    }
    assert.equal(p.get(1n)!.batches.length, 5);
    // A duplicate carries the original's stored timestamp (its LogAppendTime, if stamped).
    assert.deepEqual(p.check({ ...b(12, 2), maxTimestamp: 5 }), {
      kind: "duplicate",
      firstOffset: 112,
      lastOffset: 113,
      maxTimestamp: 1_012,
    });
    assert.deepEqual(p.check(b(4, 2)), {
      kind: "duplicate",
      firstOffset: 104,
      lastOffset: 105,
      maxTimestamp: 1_004,
    });
    // Older than the last five: no longer recognised, so out of order.
    assert.deepEqual(p.check(b(2, 2)), { kind: "outOfOrder", code: 45, expectedSeq: 14 });
    assert.deepEqual(p.check(b(15, 1)), { kind: "outOfOrder", code: 45, expectedSeq: 14 });
    assert.deepEqual(p.check(b(14, 3)), { kind: "inSequence" });
  });

  await t.step("epochs fence older producers; a new epoch starts at sequence 0", () => {
    const p = new ProducerStateTable();
    p.record(b(0, 3, 5), 0);
    assert.deepEqual(p.check(b(3, 1, 4)), { kind: "fenced", code: 47, currentEpoch: 5 });
    assert.deepEqual(p.check(b(7, 1, 6)), { kind: "outOfOrder", code: 45, expectedSeq: 0 });
    assert.deepEqual(p.check(b(0, 1, 6)), { kind: "inSequence" });
    p.record(b(0, 1, 6), 3);
    assert.deepEqual(p.get(1n), {
      epoch: 6,
      batches: [{ firstSeq: 0, lastSeq: 0, firstOffset: 3, lastOffset: 3, maxTimestamp: 1_000 }],
    });
  });

  await t.step("an unknown producer may start at any sequence (KIP-360)", () => {
    assert.deepEqual(new ProducerStateTable().check(b(41, 1)), { kind: "inSequence" });
  });

  await t.step("sequences wrap at 2^31-1", () => {
    assert.equal(lastSequence(0x7ffffffe, 3), 1);
    const p = new ProducerStateTable();
    p.record(b(0x7ffffffe, 2), 0);
    assert.deepEqual(p.check(b(0, 1)), { kind: "inSequence" });
    assert.deepEqual(p.check(b(1, 1)), { kind: "outOfOrder", code: 45, expectedSeq: 0 });
  });

  await t.step("bounded: the least recently active producer is evicted; log start expiry", () => {
    const p = new ProducerStateTable(3);
    p.record(b(0, 1, 0, 1n), 0);
    p.record(b(0, 1, 0, 2n), 1);
    p.record(b(0, 1, 0, 3n), 2);
    p.record(b(1, 1, 0, 1n), 3); // 1 is active again
    p.record(b(0, 1, 0, 4n), 4);
    assert.equal(p.size, 3);
    assert.equal(p.get(2n), undefined);
    p.removeBefore(4);
    assert.deepEqual([1n, 3n, 4n].map((id) => p.get(id) !== undefined), [false, false, true]);
  });

  await t.step("a log start move also forgets a kept producer's batches below it", () => {
    const p = new ProducerStateTable();
    for (let i = 0; i < 4; i++) p.record(b(i * 2, 2), 10 + i * 2);
    p.removeBefore(14);
    assert.deepEqual(p.get(1n)!.batches.map((r) => r.firstOffset), [14, 16]);
    // The sequence continues; the forgotten batches are no longer duplicates.
    assert.deepEqual(p.check(b(8, 1)), { kind: "inSequence" });
    assert.deepEqual(p.check(b(0, 2)), { kind: "outOfOrder", code: 45, expectedSeq: 8 });
  });

  await t.step("entries and restore carry the table, oldest first", () => {
    const p = new ProducerStateTable();
    p.record(b(0, 3, 1, 7n), 0);
    p.record(b(0, 1, 0, 8n), 3);
    p.record(b(3, 2, 1, 7n), 4);
    p.record(b(-1, 1, 0, -1n), 6);
    const entries = [...p.entries()];
    assert.deepEqual(entries.map((e) => e.producerId), [8n, 7n]);
    const q = new ProducerStateTable();
    for (const e of entries) q.restore(e);
    assert.deepEqual([...q.entries()], entries);
    // A snapshot from before a log-start move, cut to it as a replay from there would be.
    const cut = new ProducerStateTable();
    for (const e of entries) cut.restore(e);
    cut.removeBefore(4);
    assert.deepEqual([...cut.entries()], [
      {
        producerId: 7n,
        epoch: 1,
        lastOffset: 5,
        lastTimestamp: 1_003,
        batches: [p.get(7n)!.batches[1]!],
      },
    ]);
  });

  await t.step(
    "expiry: exactly expirationMs after the last batch, not 1 ms before (KIP-854)",
    () => {
      const p = new ProducerStateTable();
      p.record({ ...b(0, 2, 0, 1n), maxTimestamp: 10_000 }, 0);
      p.record({ ...b(0, 1, 0, 2n), maxTimestamp: 10_001 }, 2);
      assert.equal(p.removeExpired(10_499, 500), 0);
      assert.equal(p.removeExpired(10_500, 500), 1);
      assert.equal(p.get(1n), undefined);
      assert.equal(p.get(2n)!.batches.length, 1);
      // Now unknown: a retry of its last batch is new, and any sequence starts it (as in Kafka).
      assert.deepEqual(p.check(b(0, 2, 0, 1n)), { kind: "inSequence" });
      assert.deepEqual(p.check(b(9, 1, 0, 1n)), { kind: "inSequence" });
      assert.deepEqual(p.check(b(0, 1, 0, 2n)).kind, "duplicate");
    },
  );

  await t.step("expiry counts from the last batch's timestamp, sequenced or not", () => {
    const p = new ProducerStateTable();
    // A later batch with an earlier CreateTime: Kafka keeps the last batch's, not the largest.
    p.record({ ...b(0, 1), maxTimestamp: 5_000 }, 0);
    p.record({ ...b(1, 1), maxTimestamp: 1_000 }, 1);
    assert.equal([...p.entries()][0]!.lastTimestamp, 1_000);
    assert.equal(p.removeExpired(1_100, 100), 1);
    // A batch with a producer id but no sequence moves the last offset and timestamp alike.
    p.record({ ...b(0, 1), maxTimestamp: 1_000 }, 2);
    p.record({ ...b(-1, 1), maxTimestamp: 3_000 }, 3);
    assert.deepEqual([...p.entries()].map((e) => [e.lastOffset, e.lastTimestamp]), [[3, 3_000]]);
    assert.equal(p.removeExpired(3_099, 100), 0);
    assert.equal(p.removeExpired(3_100, 100), 1);
  });

  await t.step("expiry in slices: pauses, and a producer active meanwhile is kept", () => {
    const p = new ProducerStateTable();
    for (let id = 0; id < 10; id++) {
      p.record({ ...b(0, 1, 0, BigInt(id)), maxTimestamp: id }, id);
    }
    const pass = p.removeExpiredInSlices(105, 100, 3);
    assert.deepEqual(pass.next(), { value: 3, done: false });
    p.record({ ...b(1, 1, 0, 4n), maxTimestamp: 105 }, 10);
    let step = pass.next();
    while (!step.done) step = pass.next();
    assert.equal(step.value, 5);
    assert.deepEqual([...p.entries()].map((e) => e.producerId), [6n, 7n, 8n, 9n, 4n]);
    assert.throws(() => p.removeExpiredInSlices(0, 1, 0).next(), RangeError);
  });

  await t.step("expiry equals a filter of the entries (seeded, 300 cases)", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rng = new SimRng(seed);
      const p = new ProducerStateTable(rng.between(5, 40));
      for (let i = 0, n = rng.between(0, 60); i < n; i++) {
        const id = BigInt(rng.nextInt(50));
        const seq = rng.chance(0.1) ? -1 : rng.nextInt(100);
        p.record({ ...b(seq, 1, 0, id), maxTimestamp: rng.nextInt(1_000) }, i);
      }
      const now = rng.nextInt(1_500);
      const expirationMs = rng.between(1, 1_000);
      const before = [...p.entries()];
      const kept = before.filter((e) => now - e.lastTimestamp < expirationMs);
      const removed = p.removeExpiredInSlices(now, expirationMs, rng.between(1, 10));
      let step = removed.next();
      while (!step.done) step = removed.next();
      assert.deepEqual([...p.entries()], kept, `seed ${seed}`);
      assert.equal(step.value, before.length - kept.length, `seed ${seed}`);
    }
  });
});
