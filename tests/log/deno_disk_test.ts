import assert from "node:assert/strict";
import { buildBatch } from "../../src/kafka/records/mod.ts";
import { DenoDisk, PartitionLog } from "../../src/log/mod.ts";

Deno.test("deno disk", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chronik-disk-" });
  try {
    await t.step("positional I/O, sync, truncate, rename, remove, list", async () => {
      const d = new DenoDisk();
      const f = await d.open(`${dir}/a`, { create: true });
      // Concurrent reads and writes do not interleave their seek+read pairs.
      await Promise.all([f.write(0, Uint8Array.of(1, 2, 3, 4)), f.write(4, Uint8Array.of(5, 6))]);
      const [x, y] = await Promise.all([f.read(0, 2), f.read(4, 10)]);
      assert.deepEqual([...x], [1, 2]);
      assert.deepEqual([...y], [5, 6]);
      // A read into a given buffer lands at its start; a buffer too short is refused.
      const into = new Uint8Array(8).fill(9);
      const z = await f.read(1, 10, new Uint8Array(10));
      assert.deepEqual([...z], [2, 3, 4, 5, 6]);
      const w = await f.read(2, 3, into);
      assert.equal(w.buffer, into.buffer);
      assert.deepEqual([...into], [3, 4, 5, 9, 9, 9, 9, 9]);
      await assert.rejects(f.read(0, 9, into), RangeError);
      await f.sync();
      await f.truncate(3);
      assert.equal(await f.size(), 3);
      f.close();
      await d.rename(`${dir}/a`, `${dir}/b`);
      assert.deepEqual(await d.list(dir), ["b"]);
      await d.syncDir(dir);
      await d.remove(`${dir}/b`);
      await d.remove(`${dir}/b`); // missing is fine
      assert.deepEqual(await d.list(dir), []);
    });

    await t.step("a partition log on real files reopens intact", async () => {
      const opts = { segmentBytes: 4_096, retentionMs: -1 };
      const log = await PartitionLog.open(`${dir}/p`, opts);
      for (let i = 0; i < 50; i++) {
        await log.append([buildBatch([{ value: new Uint8Array(200).fill(i) }])]);
      }
      const segs = log.segmentCount;
      await log.close();
      const again = await PartitionLog.open(`${dir}/p`, opts);
      assert.equal(again.logEndOffset, 50);
      assert.equal(again.segmentCount, segs);
      const r = await again.read(49, { maxBytes: 1_000 });
      assert.equal(r.records[61 + 10], 49); // inside the value bytes
      await again.close();
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
