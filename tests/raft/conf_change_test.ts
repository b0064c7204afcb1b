import assert from "node:assert/strict";
import {
  applyConfChange,
  CONF_CHANGE_BYTES,
  decodeConfChange,
  encodeConfChange,
} from "../../src/raft/conf_change.ts";
import type { ConfChange } from "../../src/raft/types.ts";

const cs = { voters: [1, 2, 3], learners: [4] };

Deno.test("conf_change", async (t) => {
  await t.step("add a voter, keeping ids sorted", () => {
    const r = applyConfChange(cs, { kind: "addVoter", node: 5 });
    assert.deepEqual(r, { ok: true, confState: { voters: [1, 2, 3, 5], learners: [4] } });
  });

  await t.step("promotion moves a learner to the voters", () => {
    const r = applyConfChange(cs, { kind: "addVoter", node: 4 });
    assert.deepEqual(r, { ok: true, confState: { voters: [1, 2, 3, 4], learners: [] } });
  });

  await t.step("remove a voter or a learner", () => {
    assert.deepEqual(applyConfChange(cs, { kind: "removeNode", node: 2 }), {
      ok: true,
      confState: { voters: [1, 3], learners: [4] },
    });
    assert.deepEqual(applyConfChange(cs, { kind: "removeNode", node: 4 }), {
      ok: true,
      confState: { voters: [1, 2, 3], learners: [] },
    });
  });

  await t.step("invalid changes name the reason", () => {
    const bad: ConfChange[] = [
      { kind: "addVoter", node: 2 },
      { kind: "addLearner", node: 2 },
      { kind: "addLearner", node: 4 },
      { kind: "removeNode", node: 9 },
      { kind: "addVoter", node: 0 },
    ];
    for (const cc of bad) {
      const r = applyConfChange(cs, cc);
      assert.equal(r.ok, false, JSON.stringify(cc));
    }
    const last = applyConfChange({ voters: [1], learners: [] }, { kind: "removeNode", node: 1 });
    assert.deepEqual(last, { ok: false, reason: "1 is the last voter" });
  });

  await t.step("encode and decode round-trip; garbage decodes to undefined", () => {
    for (const kind of ["addVoter", "addLearner", "removeNode"] as const) {
      const cc = { kind, node: 4_000_000_000 };
      const bytes = encodeConfChange(cc);
      assert.equal(bytes.length, CONF_CHANGE_BYTES);
      assert.deepEqual(decodeConfChange(bytes), cc);
    }
    assert.equal(decodeConfChange(new Uint8Array([9, 0, 0, 0, 1])), undefined);
    assert.equal(decodeConfChange(new Uint8Array([1, 0, 0, 0, 0])), undefined);
    assert.equal(decodeConfChange(new Uint8Array(3)), undefined);
    assert.throws(() => encodeConfChange({ kind: "addVoter", node: -1 }), RangeError);
  });
});
