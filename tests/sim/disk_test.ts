import assert from "node:assert/strict";
import type { Entry } from "../../src/raft/types.ts";
import { DiskInvariantError, LogImage, SimDisk } from "./disk.ts";
import { SimRng } from "./rng.ts";

const conf = { voters: [1, 2, 3], learners: [] };
const e = (index: number, term: number): Entry => ({
  index,
  term,
  type: "normal",
  data: new Uint8Array([index]),
});
const write = (entries: Entry[], sync: boolean, commit?: number) => ({
  snapshot: undefined,
  entries,
  hardState: commit === undefined ? undefined : { term: 1, vote: 1, commit },
  sync,
});

Deno.test("SimDisk", async (t) => {
  await t.step("a write is invisible until complete and durable only once synced", () => {
    const disk = new SimDisk(LogImage.empty(conf), 64);
    disk.begin(write([e(1, 1), e(2, 1)], false));
    assert.equal(disk.visible.lastIndex(), 0);
    disk.complete();
    assert.equal(disk.visible.lastIndex(), 2);
    assert.equal(disk.durable.lastIndex(), 0);
    disk.begin(write([e(3, 1)], true, 3));
    disk.complete();
    assert.equal(disk.durable.lastIndex(), 3);
    assert.equal(disk.durable.hardState.commit, 3);
  });

  await t.step("a crash keeps the durable prefix and loses or tears the rest", () => {
    let lost = 0;
    let torn = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const disk = new SimDisk(LogImage.empty(conf), 64);
      disk.begin(write([e(1, 1)], true, 1));
      disk.complete();
      disk.begin(write([e(2, 1), e(3, 1)], false));
      disk.complete();
      disk.begin(write([e(4, 1), e(5, 1), e(6, 1)], true, 6));
      const out = disk.crash(new SimRng(seed), 0.5);
      lost += out.lostWrites;
      if (out.tornWrite) torn++;
      const last = disk.durable.lastIndex();
      assert.ok(last >= 1 && last <= 6, `last index ${last}`);
      assert.equal(disk.visible.lastIndex(), last);
      // Whatever survived is a prefix of what was written, with no holes.
      for (let i = 1; i <= last; i++) assert.equal(disk.durable.termAt(i), 1);
      // The hard state of a write that did not survive whole is gone with it.
      if (last < 6) assert.ok(disk.durable.hardState.commit <= 1);
    }
    assert.ok(lost > 0 && torn > 0, `lost ${lost} torn ${torn}`);
  });

  await t.step("appending truncates a conflicting suffix; a gap is refused", () => {
    const img = LogImage.empty(conf);
    img.appendEntries([e(1, 1), e(2, 1), e(3, 1)]);
    img.appendEntries([e(2, 2)]);
    assert.equal(img.lastIndex(), 2);
    assert.equal(img.termAt(2), 2);
    assert.throws(() => img.appendEntries([e(5, 2)]), DiskInvariantError);
  });

  await t.step("a snapshot keeps the suffix only where the log agrees at its index", () => {
    const img = LogImage.empty(conf);
    img.appendEntries([e(1, 1), e(2, 1), e(3, 1)]);
    const snap = (index: number, term: number) => ({
      meta: { index, term, confState: conf },
      data: new Uint8Array(),
    });
    img.applySnapshot(snap(2, 1));
    assert.equal(img.firstIndex(), 3);
    assert.equal(img.lastIndex(), 3);
    img.applySnapshot(snap(5, 3));
    assert.equal(img.firstIndex(), 6);
    assert.equal(img.lastIndex(), 5);
    assert.equal(img.termAt(5), 3);
  });
});
