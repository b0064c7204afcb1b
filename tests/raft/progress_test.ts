import assert from "node:assert/strict";
import { Inflights, Progress } from "../../src/raft/progress.ts";

Deno.test("progress", async (t) => {
  await t.step("inflights is a bounded ring freed by acknowledgement", () => {
    const f = new Inflights(3);
    f.add(5);
    f.add(7);
    f.add(9);
    assert.equal(f.full(), true);
    assert.throws(() => f.add(11), /overflow/);
    f.freeLE(7);
    assert.equal(f.count, 1);
    f.add(11);
    f.add(12);
    assert.equal(f.full(), true);
    f.freeFirstOne();
    assert.equal(f.count, 2);
    f.freeLE(100);
    assert.equal(f.count, 0);
    assert.throws(() => new Inflights(0), RangeError);
  });

  await t.step("probe sends one append at a time", () => {
    const p = new Progress(2, 10, 4, false);
    assert.equal(p.isPaused(), false);
    p.sentEntries(3, 12);
    assert.equal(p.isPaused(), true);
    assert.equal(p.next, 10, "probe does not advance next optimistically");
    assert.equal(p.maybeUpdate(12), true);
    assert.equal(p.isPaused(), false);
    assert.equal(p.next, 13);
  });

  await t.step("replicate pipelines up to the window", () => {
    const p = new Progress(2, 1, 2, false);
    p.maybeUpdate(0);
    p.becomeReplicate();
    p.sentEntries(2, 2);
    p.sentEntries(2, 4);
    assert.equal(p.next, 5);
    assert.equal(p.isPaused(), true);
    p.maybeUpdate(2);
    p.inflights.freeLE(2);
    assert.equal(p.isPaused(), false);
  });

  await t.step("rejections: stale ones are ignored, probe jumps to the hint", () => {
    const p = new Progress(2, 11, 4, false);
    assert.equal(p.maybeDecrTo(5, 3), false, "not the outstanding probe (next-1 = 10)");
    assert.equal(p.maybeDecrTo(10, 6), true);
    assert.equal(p.next, 7);
    const r = new Progress(3, 1, 4, false);
    r.maybeUpdate(8);
    r.becomeReplicate();
    r.sentEntries(4, 12);
    assert.equal(r.maybeDecrTo(7, 0), false, "below match: stale");
    assert.equal(r.maybeDecrTo(10, 0), true);
    assert.equal(r.next, 9);
  });

  await t.step("snapshot state pauses appends and resumes after the snapshot", () => {
    const p = new Progress(2, 3, 4, false);
    p.becomeSnapshot(50);
    assert.equal(p.isPaused(), true);
    assert.throws(() => p.sentEntries(1, 3), /snapshot state/);
    p.becomeProbe();
    assert.equal(p.next, 51);
  });
});
