import assert from "node:assert/strict";
import { DiskFaultError, MemoryDisk } from "../../src/log/mod.ts";

const bytes = (...b: number[]) => Uint8Array.from(b);

Deno.test("memory disk", async (t) => {
  await t.step("reads what was written; positional writes extend and overwrite", async () => {
    const d = new MemoryDisk();
    const f = await d.open("/x/a", { create: true });
    await f.write(0, bytes(1, 2, 3));
    await f.write(5, bytes(9));
    await f.write(1, bytes(7));
    assert.deepEqual(await f.read(0, 10), bytes(1, 7, 3, 0, 0, 9));
    const into = new Uint8Array(4).fill(5);
    const part = await f.read(1, 2, into);
    assert.equal(part.buffer, into.buffer);
    assert.deepEqual(into, bytes(7, 3, 5, 5));
    assert.equal(await f.size(), 6);
    await f.truncate(2);
    assert.deepEqual(await f.read(0, 10), bytes(1, 7));
    assert.deepEqual(await d.list("/x"), ["a"]);
    await assert.rejects(d.open("/x/missing"), Deno.errors.NotFound);
    f.close();
  });

  await t.step("a crash keeps synced bytes only and kills open handles", async () => {
    const d = new MemoryDisk();
    const f = await d.open("/x/a", { create: true });
    await f.write(0, bytes(1, 2));
    await f.sync();
    await f.write(2, bytes(3, 4));
    d.crash();
    await assert.rejects(f.read(0, 4), DiskFaultError);
    const g = await d.open("/x/a");
    assert.deepEqual(await g.read(0, 10), bytes(1, 2));
    g.close();
  });

  await t.step("tear, cut and corrupt", async () => {
    const d = new MemoryDisk();
    const f = await d.open("/x/a", { create: true });
    await f.write(0, bytes(1, 2, 3));
    await f.sync();
    await f.write(3, bytes(4, 5, 6, 7));
    d.tearLastWrite("/x/a", 2);
    d.crash();
    assert.deepEqual(d.contents("/x/a"), bytes(1, 2, 3, 4, 5));
    d.corrupt("/x/a", 0, 0x0f);
    d.cut("/x/a", 4);
    d.crash();
    assert.deepEqual(d.contents("/x/a"), bytes(14, 2, 3, 4));
    f.close();
  });

  await t.step("injected faults fail the next calls only", async () => {
    const d = new MemoryDisk();
    const f = await d.open("/x/a", { create: true });
    d.failNext("write", 2);
    await assert.rejects(f.write(0, bytes(1)), DiskFaultError);
    await assert.rejects(f.write(0, bytes(1)), DiskFaultError);
    await f.write(0, bytes(1));
    assert.equal(await f.size(), 1);
    f.close();
  });
});
