import assert from "node:assert/strict";
import { hasQuorum, majority, majorityCommitIndex, voteOutcome } from "../../src/raft/quorum.ts";
import { SeededRng } from "./_cluster.ts";

/** The obvious answer: the largest index that at least a majority has reached. */
function naiveCommitIndex(matches: readonly number[]): number {
  if (matches.length === 0) return 0;
  let best = 0;
  for (const candidate of matches) {
    const count = matches.filter((m) => m >= candidate).length;
    if (count >= Math.floor(matches.length / 2) + 1 && candidate > best) best = candidate;
  }
  return best;
}

Deno.test("quorum", async (t) => {
  await t.step("majority sizes", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(majority), [1, 2, 2, 3, 3, 4, 4]);
  });

  await t.step("commit index of fixed cases (paper §5.3: replicated on a majority)", () => {
    const of = (m: Record<number, number>) => (id: number) => m[id] ?? 0;
    assert.equal(majorityCommitIndex([1, 2, 3], of({ 1: 5, 2: 3, 3: 1 })), 3);
    assert.equal(majorityCommitIndex([1, 2, 3, 4], of({ 1: 5, 2: 3, 3: 1, 4: 4 })), 3);
    assert.equal(majorityCommitIndex([1], of({ 1: 7 })), 7);
    assert.equal(majorityCommitIndex([1, 2, 3], of({ 1: 9 })), 0, "missing voters count as 0");
    assert.equal(majorityCommitIndex([], of({})), 0);
  });

  await t.step("differential: 50,000 seeded random cases against the naive oracle", () => {
    const rng = new SeededRng(20261123);
    for (let i = 0; i < 50_000; i++) {
      const n = 1 + rng.nextInt(9);
      const voters = Array.from({ length: n }, (_, k) => k + 1);
      const spread = 1 + rng.nextInt(rng.nextInt(2) === 0 ? 4 : 1000);
      const matches = voters.map(() => rng.nextInt(spread));
      const fast = majorityCommitIndex(voters, (id) => matches[id - 1] as number);
      const slow = naiveCommitIndex(matches);
      if (fast !== slow) assert.fail(`case ${i}: matches ${matches}: fast ${fast}, naive ${slow}`);
    }
  });

  await t.step("vote outcomes", () => {
    const votes = (e: [number, boolean][]) => new Map(e);
    assert.equal(voteOutcome([1, 2, 3], votes([[1, true]])), "pending");
    assert.equal(voteOutcome([1, 2, 3], votes([[1, true], [2, true]])), "won");
    assert.equal(voteOutcome([1, 2, 3], votes([[1, true], [2, false], [3, false]])), "lost");
    assert.equal(voteOutcome([1, 2, 3, 4], votes([[1, true], [2, true], [3, false]])), "pending");
    assert.equal(voteOutcome([1, 2, 3, 4], votes([[1, false], [2, false], [3, true]])), "lost");
    assert.equal(voteOutcome([1, 2, 3], votes([[9, true], [1, true]])), "pending", "non-voter");
  });

  await t.step("hasQuorum", () => {
    assert.equal(hasQuorum([1, 2, 3], (id) => id !== 3), true);
    assert.equal(hasQuorum([1, 2, 3], (id) => id === 1), false);
    assert.equal(hasQuorum([1, 2, 3, 4], (id) => id <= 2), false);
  });
});
