import assert from "node:assert/strict";
import { encodeConfChange } from "../../src/raft/conf_change.ts";
import type { Entry } from "../../src/raft/types.ts";
import { Checker, SafetyViolation } from "./checker.ts";
import { LogImage } from "./disk.ts";
import { proposalPayload } from "./payload.ts";

const conf = { voters: [1, 2, 3], learners: [] };
const noop = (index: number, term: number): Entry => ({
  index,
  term,
  type: "normal",
  data: new Uint8Array(),
});
const prop = (index: number, term: number, id: number): Entry => ({
  index,
  term,
  type: "normal",
  data: proposalPayload(id),
});
function log(entries: Entry[]): LogImage {
  const img = LogImage.empty(conf);
  img.appendEntries(entries);
  return img;
}

Deno.test("Checker", async (t) => {
  await t.step("election safety: a second leader in one term is a violation", () => {
    const c = new Checker();
    c.becameLeader({ id: 1, term: 2, log: log([]) });
    c.becameLeader({ id: 1, term: 2, log: log([]) });
    assert.throws(() => c.becameLeader({ id: 2, term: 2, log: log([]) }), /two leaders in term 2/);
  });

  await t.step("log matching: same (index, term) with a different payload or history", () => {
    const c = new Checker();
    c.proposalAccepted(1, 2, 1);
    const a = log([noop(1, 1), prop(2, 1, 1)]);
    c.appended(1, a, a.entries);
    const b = log([noop(1, 1), noop(2, 1)]);
    assert.throws(() => c.appended(2, b, b.entries), /log matching/);
    const d = log([noop(1, 3), prop(2, 1, 1)]);
    assert.throws(() => c.appended(3, d, [d.entries[1]!]), /log matching/);
  });

  await t.step("state machine safety: one index, two committed entries", () => {
    const c = new Checker();
    c.committed(1, 1, 0, 1, log([noop(1, 1)]));
    assert.throws(
      () => c.committed(2, 2, 0, 1, log([noop(1, 2)])),
      /committed entry lost or changed/,
    );
  });

  await t.step("leader completeness: a new leader lacking a committed entry", () => {
    const c = new Checker();
    c.committed(1, 1, 0, 2, log([noop(1, 1), noop(2, 1)]));
    assert.throws(
      () => c.becameLeader({ id: 3, term: 2, log: log([noop(1, 1)]) }),
      SafetyViolation,
    );
    // And a leader already in office when an entry it lacks is reported committed.
    const c2 = new Checker();
    c2.becameLeader({ id: 3, term: 5, log: log([noop(1, 1)]) });
    assert.throws(
      () => c2.committed(1, 4, 0, 2, log([noop(1, 1), noop(2, 4)])),
      /leader completeness/,
    );
  });

  await t.step("a stale leader of a term not after the commit need not hold the entry", () => {
    const c = new Checker();
    // Entry (2, term 4) became known committed by a node in term 6; a late leader of term 5 may
    // legitimately lack it (paper §5.4.3 covers terms after the committing one only).
    c.committed(1, 6, 0, 2, log([noop(1, 1), noop(2, 4)]));
    c.becameLeader({ id: 3, term: 5, log: log([noop(1, 1)]) });
    assert.throws(
      () => c.becameLeader({ id: 2, term: 7, log: log([noop(1, 1)]) }),
      SafetyViolation,
    );
  });

  await t.step("only acknowledged proposals and conf changes may commit", () => {
    const c = new Checker();
    assert.throws(() => c.committed(1, 1, 0, 1, log([prop(1, 1, 9)])), /never acknowledged/);
    const c2 = new Checker();
    const cc: Entry = {
      index: 1,
      term: 1,
      type: "confChange",
      data: encodeConfChange({ kind: "addLearner", node: 4 }),
    };
    assert.throws(() => c2.committed(1, 1, 0, 1, log([cc])), /nobody proposed/);
    c2.confChangeAccepted({ kind: "addLearner", node: 4 });
    c2.committed(1, 1, 0, 1, log([cc]));
  });

  await t.step("an accepted proposal's slot holds that proposal once committed", () => {
    const c = new Checker();
    c.proposalAccepted(1, 1, 1);
    c.proposalAccepted(2, 2, 1);
    assert.throws(() => c.committed(1, 1, 0, 1, log([prop(1, 1, 2)])), /other than proposal 1/);
  });

  await t.step("a commit beyond the log, and diverging applied state, are violations", () => {
    const c = new Checker();
    assert.throws(() => c.committed(1, 1, 0, 3, log([noop(1, 1)])), /beyond its last index/);
    c.applied(1, 1, noop(1, 1), 111);
    assert.throws(() => c.applied(2, 1, noop(1, 1), 222), /diverges/);
    assert.throws(() => c.restoredSnapshot(3, 1, 333), /differs/);
  });

  await t.step("a leader may count replicas only for its own term (§5.4.2)", () => {
    const c = new Checker();
    c.leaderCommitted(1, 3, 7, 3);
    assert.throws(() => c.leaderCommitted(1, 3, 7, 2), /counting replicas/);
  });
});
