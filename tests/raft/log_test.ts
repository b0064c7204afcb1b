import assert from "node:assert/strict";
import { RaftLog, TERM_COMPACTED, TERM_UNAVAILABLE } from "../../src/raft/log.ts";
import type { Entry } from "../../src/raft/types.ts";
import { MemoryStorage } from "./_memory_storage.ts";

const enc = new TextEncoder();
function ents(from: number, terms: number[]): Entry[] {
  return terms.map((term, i) => ({
    term,
    index: from + i,
    type: "normal",
    data: enc.encode(`e${from + i}`),
  }));
}

function storageWith(terms: number[], snapshotIndex = 0): MemoryStorage {
  const s = new MemoryStorage({ voters: [1], learners: [] }, snapshotIndex, snapshotIndex ? 1 : 0);
  s.append(ents(snapshotIndex + 1, terms));
  return s;
}

Deno.test("log", async (t) => {
  await t.step("terms across storage and the unstable tail", () => {
    const log = new RaftLog(storageWith([1, 1, 2], 2), 0, 0);
    assert.equal(log.firstIndex(), 3);
    assert.equal(log.lastIndex(), 5);
    assert.equal(log.term(1), TERM_COMPACTED);
    assert.equal(log.term(2), 1, "the snapshot's term");
    assert.equal(log.term(5), 2);
    assert.equal(log.term(6), 0, "past the end");
    log.append(ents(6, [3]));
    assert.equal(log.term(6), 3);
    assert.equal(log.committed, 2, "commit starts at the snapshot");
  });

  await t.step("entries join storage and tail and honour the byte limit", () => {
    const log = new RaftLog(storageWith([1, 1]), 0, 0);
    log.append(ents(3, [1, 1]));
    const all = log.entries(1, 5, 1 << 20);
    assert.ok(all.ok);
    assert.deepEqual(all.value.map((e) => e.index), [1, 2, 3, 4]);
    const some = log.entries(1, 5, 5);
    assert.ok(some.ok);
    assert.deepEqual(some.value.map((e) => e.index), [1, 2], "two 2-byte payloads fit in 5");
    const one = log.entries(3, 5, 0);
    assert.ok(one.ok);
    assert.equal(one.value.length, 1, "at least one entry");
  });

  await t.step("unavailable storage is reported, never read as empty", () => {
    const s = storageWith([1, 1, 1, 1]);
    const log = new RaftLog(s, 0, 0);
    s.unavailableRange = { lo: 2, hi: 4, terms: true };
    assert.deepEqual(log.entries(1, 5, 1 << 20), { ok: false, error: "unavailable" });
    assert.equal(log.term(3), TERM_UNAVAILABLE);
    assert.equal(log.lastTerm(), 1, "the last index always answers");
    const r = log.maybeAppend(3, 1, 0, ents(4, [2]), false);
    assert.deepEqual(r, { kind: "unavailable" });
    assert.equal(log.lastIndex(), 4, "nothing appended");
  });

  await t.step("maybeAppend truncates a conflicting suffix (paper §5.3)", () => {
    const log = new RaftLog(storageWith([1, 1, 1, 1]), 0, 0);
    assert.deepEqual(log.maybeAppend(2, 2, 0, ents(3, [2]), false), { kind: "mismatch" });
    const r = log.maybeAppend(2, 1, 3, ents(3, [2, 2]), false);
    assert.deepEqual(r, { kind: "appended", lastNewIndex: 4 });
    assert.equal(log.term(3), 2);
    assert.equal(log.lastIndex(), 4);
    assert.equal(log.committed, 3);
    assert.deepEqual(log.unstableEntriesToPersist().map((e) => `${e.term}/${e.index}`), [
      "2/3",
      "2/4",
    ]);
  });

  await t.step("appendWithoutTruncate keeps the stale suffix and emits only the new tail", () => {
    const log = new RaftLog(storageWith([1, 1, 1]), 0, 0);
    const r = log.maybeAppend(1, 1, 0, ents(2, [2, 2, 2, 2]), true);
    assert.deepEqual(r, { kind: "appended", lastNewIndex: 5 });
    assert.equal(log.term(2), 1, "conflicting entry kept");
    assert.deepEqual(log.unstableEntriesToPersist().map((e) => e.index), [4, 5]);
  });

  await t.step("a conflict with a committed entry is a crash", () => {
    const log = new RaftLog(storageWith([1, 1, 1]), 3, 0);
    assert.throws(() => log.maybeAppend(1, 1, 0, ents(2, [2]), false), /conflicts with committed/);
  });

  await t.step("stableTo drops persisted entries unless the tail changed", () => {
    const s = storageWith([1]);
    const log = new RaftLog(s, 0, 0);
    log.append(ents(2, [1, 1, 1]));
    log.acceptInProgress();
    assert.deepEqual(log.unstableEntriesToPersist(), []);
    // A conflicting append arrives before the driver finishes persisting 2-4.
    log.append(ents(3, [2]));
    assert.deepEqual(log.unstableEntriesToPersist().map((e) => `${e.term}/${e.index}`), ["2/3"]);
    s.append(ents(2, [1, 1, 1]));
    log.stableTo(4, 1); // stale: 4 is gone from the tail
    assert.equal(log.lastIndex(), 3);
    s.append(ents(3, [2]));
    log.stableTo(3, 2);
    assert.equal(log.hasUnstableToPersist(), false);
    assert.equal(log.term(3), 2);
  });

  await t.step("hint walk-back finds the last index of a term <= the leader's", () => {
    const log = new RaftLog(storageWith([1, 1, 4, 4, 5, 5]), 0, 0);
    assert.deepEqual(log.findConflictByTerm(6, 3), { index: 2, term: 1 });
    assert.deepEqual(log.findConflictByTerm(6, 5), { index: 6, term: 5 });
  });

  await t.step("commit and apply invariants are asserted", () => {
    const log = new RaftLog(storageWith([1, 1]), 0, 0);
    assert.throws(() => log.commitTo(3), /invariant broken: commit 3 past last 2/);
    log.commitTo(2);
    const c = log.nextCommittedEntries(1 << 20);
    assert.ok(c.ok);
    assert.equal(c.value.length, 2);
    assert.throws(() => log.appliedTo(1), /beyond handed-out/);
    log.applying = 2;
    log.appliedTo(2);
    assert.equal(log.applied, 2);
    log.check();
  });

  await t.step("restore restarts the log after the snapshot", () => {
    const log = new RaftLog(storageWith([1, 1]), 1, 0);
    log.restore({
      meta: { index: 10, term: 3, confState: { voters: [1], learners: [] } },
      data: enc.encode("s"),
    });
    assert.equal(log.firstIndex(), 11);
    assert.equal(log.lastIndex(), 10);
    assert.equal(log.term(10), 3);
    assert.equal(log.committed, 10);
    assert.equal(log.unstableSnapshotToPersist()?.meta.index, 10);
  });
});
