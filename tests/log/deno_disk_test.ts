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

    await t.step("descriptors stay within maxOpenFiles; evicted files lose nothing", async () => {
      const before = openDescriptors();
      const events: string[] = [];
      const d = new DenoDisk({ maxOpenFiles: 4, onHandle: (e) => events.push(e) });
      const files = [];
      for (let i = 0; i < 20; i++) files.push(await d.open(`${dir}/f${i}`, { create: true }));
      assert.ok(d.openHandles <= 4, `${d.openHandles} open`);
      // Append to every file twice, round-robin, so each one's handles are evicted between its
      // two writes and the second (at the tracked end) must seek on a fresh descriptor.
      for (const round of [0, 1]) {
        for (const [i, f] of files.entries()) {
          await f.write(round * 3, Uint8Array.of(i, round, 7));
          await f.sync();
        }
      }
      assert.ok(d.openHandles <= 4, `${d.openHandles} open`);
      assert.ok(openDescriptors() - before <= 4, `${openDescriptors() - before} more descriptors`);
      for (const [i, f] of files.entries()) {
        assert.deepEqual([...await f.read(0, 10)], [i, 0, 7, i, 1, 7]);
        assert.equal(await f.size(), 6);
        assert.deepEqual([...await Deno.readFile(`${dir}/f${i}`)], [i, 0, 7, i, 1, 7]);
      }
      assert.ok(events.filter((e) => e === "evicted").length > 40, "handles were evicted");
      // Operations in flight all at once: each keeps its descriptor until it ends.
      const reads = await Promise.all(files.map((f) => f.read(3, 3)));
      reads.forEach((r, i) => assert.deepEqual([...r], [i, 1, 7]));
      for (const f of files) f.close();
      assert.equal(d.openHandles, 0);
      assert.equal(openDescriptors(), before);
      for (let i = 0; i < 20; i++) await d.remove(`${dir}/f${i}`);
    });

    await t.step(
      "an existing file is measured and read on the descriptor its open made",
      async () => {
        await Deno.writeFile(`${dir}/existing`, Uint8Array.of(4, 5, 6));
        const events: string[] = [];
        const d = new DenoDisk({ onHandle: (e) => events.push(e) });
        const f = await d.open(`${dir}/existing`);
        assert.equal(await f.size(), 3);
        assert.deepEqual([...await f.read(0, 3)], [4, 5, 6]);
        assert.deepEqual(events, ["opened"]);
        f.close();
        assert.deepEqual(events, ["opened", "closed"]);
        await d.remove(`${dir}/existing`);
      },
    );

    await t.step("a held file reads after its removal, however many others open", async () => {
      const before = openDescriptors();
      const d = new DenoDisk({ maxOpenFiles: 3 });
      const held = await d.open(`${dir}/held`, { create: true });
      await held.write(0, Uint8Array.of(1, 2, 3));
      await held.hold();
      const removal = d.remove(`${dir}/held`);
      // Churn the cache well past its bound while the name is gone.
      for (let i = 0; i < 10; i++) {
        const f = await d.open(`${dir}/o${i}`, { create: true });
        await f.write(0, Uint8Array.of(i));
        await f.sync();
        f.close();
        await d.remove(`${dir}/o${i}`);
      }
      await removal;
      assert.deepEqual(await d.list(dir), []);
      assert.deepEqual([...await held.read(0, 3)], [1, 2, 3]);
      held.release();
      held.close();
      assert.equal(d.openHandles, 0);
      assert.equal(openDescriptors(), before);
      await assert.rejects(held.read(0, 3), Deno.errors.BadResource);
    });

    await t.step("a close lets queued operations finish, then frees every descriptor", async () => {
      const before = openDescriptors();
      const d = new DenoDisk({ maxOpenFiles: 1 });
      const f = await d.open(`${dir}/q`, { create: true });
      const writes = [f.write(0, Uint8Array.of(1)), f.write(1, Uint8Array.of(2))];
      const read = f.read(0, 2);
      f.close();
      await Promise.all(writes);
      await read;
      assert.deepEqual([...await Deno.readFile(`${dir}/q`)], [1, 2]);
      assert.equal(d.openHandles, 0);
      assert.equal(openDescriptors(), before);
      await d.remove(`${dir}/q`);
    });

    await t.step("a log of many segments runs within a small descriptor bound", async () => {
      const before = openDescriptors();
      const disk = new DenoDisk({ maxOpenFiles: 6 });
      const opts = { segmentBytes: 1_024, retentionMs: -1, disk };
      const log = await PartitionLog.open(`${dir}/many`, opts);
      for (let i = 0; i < 60; i++) {
        await log.append([buildBatch([{ value: new Uint8Array(300).fill(i) }])]);
      }
      assert.ok(log.segmentCount >= 20, `${log.segmentCount} segments`);
      for (let i = 0; i < 60; i++) {
        const r = await log.read(i, { maxBytes: 1 });
        assert.equal(r.records[61 + 10], i);
      }
      assert.ok(disk.openHandles <= 6, `${disk.openHandles} open`);
      assert.ok(openDescriptors() - before <= 6, `${openDescriptors() - before} more descriptors`);
      await log.close();
      const again = await PartitionLog.open(`${dir}/many`, opts);
      assert.equal(again.logEndOffset, 60);
      assert.equal((await again.read(59, { maxBytes: 1 })).records[61 + 10], 59);
      await again.close();
      assert.equal(disk.openHandles, 0);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** This process's open descriptors (Linux). */
function openDescriptors(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}
