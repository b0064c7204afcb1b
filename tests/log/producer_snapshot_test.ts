import assert from "node:assert/strict";
import {
  decodeSnapshot,
  encodeSnapshot,
  maxSnapshotBytes,
  snapshotName,
} from "../../src/log/_producer_snapshot.ts";
import { BATCHES_PER_PRODUCER, type ProducerSnapshotEntry } from "../../src/log/mod.ts";
import { crc32c } from "../../src/kafka/records/mod.ts";

const entries: ProducerSnapshotEntry[] = [
  { producerId: 9n, epoch: 0, lastOffset: 4, batches: [] },
  {
    producerId: 2n ** 62n,
    epoch: 32_000,
    lastOffset: 2 ** 40,
    batches: Array.from({ length: BATCHES_PER_PRODUCER }, (_, i) => ({
      firstSeq: 2_147_483_640 + i,
      lastSeq: i === 4 ? 3 : 2_147_483_640 + i,
      firstOffset: 2 ** 40 - 10 + i,
      lastOffset: 2 ** 40 - 10 + i,
      maxTimestamp: i === 0 ? -1 : 1_700_000_000_000 + i,
    })),
  },
];

Deno.test("producer snapshot format", async (t) => {
  await t.step("round-trips producers in order, with 64-bit ids and offsets", () => {
    const bytes = encodeSnapshot(1234, entries);
    assert.equal(snapshotName(1234), "00000000000000001234.snapshot");
    assert.deepEqual(decodeSnapshot(1234, bytes), entries);
    assert.deepEqual(decodeSnapshot(7, encodeSnapshot(7, [])), []);
    assert.ok(bytes.length <= maxSnapshotBytes(2));
  });

  await t.step("any damage is refused with a reason, never misread", () => {
    const bytes = encodeSnapshot(1234, entries);
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i]! ^= 0x40;
      assert.equal(typeof decodeSnapshot(1234, bad), "string", `flipped byte ${i}`);
    }
    for (let n = 0; n < bytes.length; n++) {
      assert.equal(typeof decodeSnapshot(1234, bytes.subarray(0, n)), "string", `cut to ${n}`);
    }
    assert.equal(decodeSnapshot(1235, bytes), "holds offset 1234, named 1235");
  });

  await t.step("a v1 snapshot (no max timestamps) is read with max timestamps of -1", () => {
    const v1 = v1Snapshot(1234, entries);
    const unstamped = entries.map((e) => ({
      ...e,
      batches: e.batches.map((r) => ({ ...r, maxTimestamp: -1 })),
    }));
    assert.deepEqual(decodeSnapshot(1234, v1), unstamped);
  });
});

/** The v1 layout: a v2 snapshot without each batch's trailing max timestamp, magic `CHRNPSv1`. */
function v1Snapshot(offset: number, list: ProducerSnapshotEntry[]): Uint8Array {
  const v2 = encodeSnapshot(offset, list);
  const parts: Uint8Array[] = [new TextEncoder().encode("CHRNPSv1"), v2.subarray(8, 20)];
  let at = 20;
  for (const e of list) {
    parts.push(v2.subarray(at, at + 19));
    at += 19;
    for (let i = 0; i < e.batches.length; i++, at += 32) parts.push(v2.subarray(at, at + 24));
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
