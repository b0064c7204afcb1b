import assert from "node:assert/strict";
import {
  decodeSnapshot,
  encodeSnapshot,
  maxSnapshotBytes,
  snapshotName,
} from "../../src/log/_producer_snapshot.ts";
import { BATCHES_PER_PRODUCER, type ProducerSnapshotEntry } from "../../src/log/mod.ts";

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
});
