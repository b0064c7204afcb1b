import assert from "node:assert/strict";
import type { Entry } from "../../src/raft/types.ts";
import { LogImage, SimDisk } from "./disk.ts";
import { SimStorage, SNAPSHOT_PAGE, StorageContractError } from "./storage.ts";

const conf = { voters: [1], learners: [] };
const e = (index: number): Entry => ({
  index,
  term: 1,
  type: "normal",
  data: new Uint8Array(4),
});

function setup(answerEvictedWithEmpty: boolean) {
  const disk = new SimDisk(LogImage.empty(conf), 64);
  const entries = Array.from({ length: 20 }, (_, i) => e(i + 1));
  disk.begin({ snapshot: undefined, entries, hardState: undefined, sync: true });
  disk.complete();
  const reads: number[] = [];
  const storage = new SimStorage(
    disk,
    { pageEntries: 4, maxCachedPages: 2, answerEvictedWithEmpty },
    (page) => reads.push(page),
  );
  return { disk, storage, reads, entries };
}

Deno.test("SimStorage", async (t) => {
  await t.step("a cold range answers unavailable, starts one read, then answers", () => {
    const { storage, reads } = setup(false);
    const r1 = storage.entries(1, 5, 1000);
    assert.deepEqual(r1, { ok: false, error: "unavailable" });
    storage.entries(1, 5, 1000);
    assert.deepEqual(reads, [0], "a second miss joins the read under way");
    storage.loaded(0);
    const r2 = storage.entries(1, 5, 1000);
    assert.ok(r2.ok);
    // Page 0 holds indexes 1..3; the answer stops short at the next cold page.
    assert.deepEqual(r2.value.map((x) => x.index), [1, 2, 3]);
    assert.deepEqual(reads, [0, 1]);
  });

  await t.step("the cache is bounded and evicts its oldest page", () => {
    const { storage } = setup(false);
    storage.wrote([e(1), e(5), e(9)], false);
    assert.equal(storage.entries(1, 2, 100).ok, false, "page 0 was evicted by pages 1 and 2");
    assert.ok(storage.entries(9, 10, 100).ok);
  });

  await t.step("terms stay answerable when entries are cold; compaction says so", () => {
    const { storage } = setup(false);
    assert.deepEqual(storage.term(7), { ok: true, value: 1 });
    assert.deepEqual(storage.term(0), { ok: true, value: 0 });
    assert.equal(storage.firstIndex(), 1);
    assert.equal(storage.lastIndex(), 20);
    assert.throws(() => storage.entries(19, 23, 100), StorageContractError);
  });

  await t.step("maxBytes bounds the answer but never below one entry", () => {
    const { storage } = setup(false);
    storage.wrote([e(1), e(5)], false);
    const r = storage.entries(1, 8, 1);
    assert.ok(r.ok);
    assert.equal(r.value.length, 1);
  });

  await t.step("the snapshot is read from disk before it is served", () => {
    const { storage, disk, reads } = setup(false);
    disk.writeNow({
      snapshot: { meta: { index: 10, term: 1, confState: conf }, data: new Uint8Array(3) },
      entries: [],
      hardState: undefined,
      sync: true,
    });
    storage.evict(10, true);
    assert.deepEqual(storage.snapshot(), { ok: false, error: "unavailable" });
    assert.equal(reads.at(-1), SNAPSHOT_PAGE);
    storage.loaded(SNAPSHOT_PAGE);
    assert.ok(storage.snapshot().ok);
    assert.deepEqual(storage.entries(5, 6, 10), { ok: false, error: "compacted" });
  });

  await t.step("the deliberately broken storage answers a cold range with []", () => {
    const { storage } = setup(true);
    assert.deepEqual(storage.entries(1, 5, 1000), { ok: true, value: [] });
  });
});
