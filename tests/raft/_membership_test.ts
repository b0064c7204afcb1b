/**
 * The campaign guard and the restart replay of conf changes (`src/raft/_membership.ts`): a node
 * campaigns only on the membership its commit index proves, learns it after a restart from the
 * snapshot's ConfState plus the conf changes up to `applied`, and refuses rather than guesses.
 */

import assert from "node:assert/strict";
import {
  type ConfChange,
  type ConfState,
  encodeConfChange,
  type Entry,
  RawNode,
} from "../../src/raft/mod.ts";
import { SeededRng } from "./_cluster.ts";
import { MemoryStorage } from "./_memory_storage.ts";

const BOOT: ConfState = { voters: [1, 2, 3], learners: [] };

/** A durable log of `n` term-1 entries, with conf changes at the given indexes, committed to n. */
function storageWith(n: number, changes: ReadonlyMap<number, ConfChange>): MemoryStorage {
  const st = new MemoryStorage(BOOT);
  for (let index = 1; index <= n; index++) {
    const cc = changes.get(index);
    const e: Entry = cc === undefined
      ? { term: 1, index, type: "normal", data: new Uint8Array([index]) }
      : { term: 1, index, type: "confChange", data: encodeConfChange(cc) };
    st.ents.push(e);
  }
  st.hardState = { term: 1, vote: 0, commit: n };
  return st;
}

function node(st: MemoryStorage, applied: number, maxConfScanEntries = 16384): RawNode {
  return new RawNode({
    id: 1,
    storage: st,
    rng: new SeededRng(1),
    applied,
    preVote: false,
    checkQuorum: false,
    maxConfScanEntries,
  });
}

Deno.test("membership before campaigning", async (t) => {
  await t.step("a restart replays conf changes up to applied without handing them out", () => {
    const st = storageWith(6, new Map([[3, { kind: "addLearner", node: 4 } as const]]));
    const n = node(st, 6);
    assert.deepEqual(n.status().confState, { voters: [1, 2, 3], learners: [4] });
    assert.equal(n.hasReady(), false); // nothing to hand out: all of it was applied before
    n.campaign();
    assert.equal(n.status().role, "candidate");
  });

  await t.step("no campaign while a committed conf change waits to be handed out", () => {
    const st = storageWith(6, new Map([[5, { kind: "removeNode", node: 1 } as const]]));
    const n = node(st, 2);
    n.campaign();
    assert.equal(n.status().role, "follower");
    assert.equal(n.status().term, 1);
    const rd = n.ready();
    assert.deepEqual(rd.committedEntries.map((e) => e.index), [3, 4, 5, 6]);
    n.appliedTo(6);
    n.advance(rd);
    assert.deepEqual(n.status().confState.voters, [2, 3]); // removed: never campaigns now
    n.campaign();
    assert.equal(n.status().role, "follower");
  });

  await t.step("unreadable storage is a refusal, then a campaign once readable", () => {
    const st = storageWith(6, new Map([[5, { kind: "addVoter", node: 4 } as const]]));
    st.unavailableRange = { lo: 5, hi: 6, terms: false };
    const n = node(st, 2);
    n.campaign();
    assert.equal(n.status().role, "follower");
    const rd = n.ready(); // hand-out cannot read 3-6 either: it waits for the next tick
    assert.deepEqual(rd.committedEntries, []);
    n.advance(rd);
    assert.equal(n.hasReady(), false);
    n.campaign();
    assert.equal(n.status().role, "follower");
    st.unavailableRange = undefined;
    n.tick();
    const rd2 = n.ready();
    assert.deepEqual(rd2.committedEntries.map((e) => e.index), [3, 4, 5, 6]);
    n.advance(rd2);
    n.campaign();
    assert.equal(n.status().role, "candidate");
    assert.deepEqual(n.status().confState.voters, [1, 2, 3, 4]);
  });

  await t.step("the scan is bounded per attempt and keeps its place", () => {
    const st = storageWith(10, new Map([[8, { kind: "addLearner", node: 4 } as const]]));
    const n = node(st, 10, 3); // replay of 10 entries, 3 per attempt (1-3 at construction)
    assert.deepEqual(n.status().confState.learners, []);
    n.campaign(); // 4-6
    n.campaign(); // 7-9
    assert.equal(n.status().role, "follower");
    assert.deepEqual(n.status().confState.learners, [4]);
    n.campaign(); // 10: done, and nothing pending
    assert.equal(n.status().role, "candidate");
  });

  await t.step(
    "a range compacted under the replay is skipped with the snapshot's ConfState",
    () => {
      const st = storageWith(8, new Map([[2, { kind: "addLearner", node: 4 } as const]]));
      st.unavailableRange = { lo: 1, hi: 9, terms: false };
      const n = node(st, 8);
      assert.deepEqual(n.status().confState.learners, []); // not known yet
      st.compact(6, new Uint8Array(0), { voters: [1, 2, 3], learners: [4] }); // the driver snapshots
      st.unavailableRange = undefined;
      n.tick();
      assert.deepEqual(n.status().confState.learners, [4]);
      n.campaign();
      assert.equal(n.status().role, "candidate");
    },
  );
});
