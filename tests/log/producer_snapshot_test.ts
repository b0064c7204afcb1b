import assert from "node:assert/strict";
import {
  decodeSnapshot,
  encodeSnapshot,
  maxSnapshotBytes,
  snapshotName,
} from "../../src/log/_producer_snapshot.ts";
import { BATCHES_PER_PRODUCER, type ProducerSnapshotEntry } from "../../src/log/mod.ts";
import { crc32c } from "../../src/kafka/records/mod.ts";

/** What an older snapshot's producers are given for the last timestamp it lacks. */
const LOADED_AT_MS = 1_800_000_000_000;

const entries: ProducerSnapshotEntry[] = [
  // Its last batch carried no sequence (only an epoch and offset are kept).
  { producerId: 9n, epoch: 0, lastOffset: 4, lastTimestamp: 1_700_000_000_009, batches: [] },
  {
    producerId: 2n ** 62n,
    epoch: 32_000,
    // A batch without a sequence after its last five.
    lastOffset: 2 ** 40,
    lastTimestamp: 1_700_000_000_100,
    batches: Array.from({ length: BATCHES_PER_PRODUCER }, (_, i) => ({
      firstSeq: 2_147_483_640 + i,
      lastSeq: i === 4 ? 3 : 2_147_483_640 + i,
      firstOffset: 2 ** 40 - 10 + i,
      lastOffset: 2 ** 40 - 10 + i,
      maxTimestamp: i === 0 ? -1 : 1_700_000_000_000 + i,
    })),
  },
  {
    producerId: 5n,
    epoch: 1,
    lastOffset: 20,
    lastTimestamp: 1_700_000_000_020,
    batches: [{
      firstSeq: 0,
      lastSeq: 2,
      firstOffset: 18,
      lastOffset: 20,
      maxTimestamp: 1_700_000_000_020,
    }],
  },
];

Deno.test("producer snapshot format", async (t) => {
  await t.step("round-trips producers in order, with 64-bit ids, offsets and times", () => {
    const bytes = encodeSnapshot(1234, entries);
    assert.equal(snapshotName(1234), "00000000000000001234.snapshot");
    assert.deepEqual(decodeSnapshot(1234, bytes, LOADED_AT_MS), entries);
    assert.deepEqual(decodeSnapshot(7, encodeSnapshot(7, []), LOADED_AT_MS), []);
    assert.ok(bytes.length <= maxSnapshotBytes(3));
  });

  await t.step("any damage is refused with a reason, never misread", () => {
    const bytes = encodeSnapshot(1234, entries);
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i]! ^= 0x40;
      assert.equal(typeof decodeSnapshot(1234, bad, 0), "string", `flipped byte ${i}`);
    }
    for (let n = 0; n < bytes.length; n++) {
      assert.equal(typeof decodeSnapshot(1234, bytes.subarray(0, n), 0), "string", `cut to ${n}`);
    }
    assert.equal(decodeSnapshot(1235, bytes, 0), "holds offset 1234, named 1235");
  });

  await t.step("a v2 snapshot (no last timestamps): its last batch's, else the load time", () => {
    const v2 = olderSnapshot(1234, entries, 2);
    assert.deepEqual(decodeSnapshot(1234, v2, LOADED_AT_MS), [
      { ...entries[0]!, lastTimestamp: LOADED_AT_MS },
      { ...entries[1]!, lastTimestamp: LOADED_AT_MS },
      entries[2]!,
    ]);
  });

  await t.step("a v1 snapshot (no max timestamps) is read with max timestamps of -1", () => {
    const v1 = olderSnapshot(1234, entries, 1);
    const unstamped = entries.map((e) => ({
      ...e,
      lastTimestamp: LOADED_AT_MS,
      batches: e.batches.map((r) => ({ ...r, maxTimestamp: -1 })),
    }));
    assert.deepEqual(decodeSnapshot(1234, v1, LOADED_AT_MS), unstamped);
  });
});

/**
 * An older layout, cut from a v3 snapshot: v2 lacks each producer's last timestamp (the 8 bytes
 * after its last offset), v1 also each batch's trailing max timestamp.
 */
function olderSnapshot(offset: number, list: ProducerSnapshotEntry[], version: 1 | 2): Uint8Array {
  const v3 = encodeSnapshot(offset, list);
  const parts: Uint8Array[] = [new TextEncoder().encode(`CHRNPSv${version}`), v3.subarray(8, 20)];
  let at = 20;
  for (const e of list) {
    parts.push(v3.subarray(at, at + 18), v3.subarray(at + 26, at + 27));
    at += 27;
    for (let i = 0; i < e.batches.length; i++, at += 32) {
      parts.push(v3.subarray(at, at + (version === 1 ? 24 : 32)));
    }
  }
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0) + 4);
  let w = 0;
  for (const p of parts) {
    body.set(p, w);
    w += p.length;
  }
  new DataView(body.buffer).setUint32(w, crc32c(body.subarray(0, w)));
  return body;
}
