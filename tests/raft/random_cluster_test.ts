import assert from "node:assert/strict";
import type { NodeId } from "../../src/raft/mod.ts";
import { Cluster, newStorage, SeededRng } from "./_cluster.ts";

/**
 * Seeded random schedules (ticks, message loss, partitions, restarts, proposals) over a 5-node
 * cluster, checking Raft's safety properties (paper §5.4.3) after every step: at most one leader
 * per term, and every node's applied sequence is a prefix of the longest one. A liveness phase
 * then heals everything and requires a commit. The seed is in every failure message.
 */
function runSchedule(seed: number, steps: number): void {
  const rng = new SeededRng(seed);
  const c = new Cluster();
  c.quiet = true;
  const ids: NodeId[] = [1, 2, 3, 4, 5];
  for (const id of ids) {
    c.add(id, newStorage(ids), { preVote: seed % 2 === 0, checkQuorum: seed % 3 !== 0 });
  }
  const leaders = new Map<number, NodeId>();
  let proposals = 0;
  const check = (step: number) => {
    for (const id of ids) {
      const st = c.get(id).node.status();
      if (st.role !== "leader") continue;
      const other = leaders.get(st.term);
      if (other !== undefined && other !== id) {
        assert.fail(`seed ${seed} step ${step}: leaders ${other} and ${id} in term ${st.term}`);
      }
      leaders.set(st.term, id);
    }
    const seqs = ids.map((id) => c.get(id).applied);
    const longest = seqs.reduce((a, b) => (b.length > a.length ? b : a));
    for (const [k, s] of seqs.entries()) {
      for (let i = 0; i < s.length; i++) {
        if (s[i] !== longest[i]) {
          assert.fail(`seed ${seed} step ${step}: node ${ids[k]} applied ${s[i]} at ${i}`);
        }
      }
    }
  };
  for (let step = 0; step < steps; step++) {
    const roll = rng.nextInt(100);
    const id = ids[rng.nextInt(ids.length)] as NodeId;
    if (roll < 25) c.get(id).node.tick();
    else if (roll < 50) c.processReady(id, []);
    else if (roll < 75) c.deliver([id], []);
    else if (roll < 77) c.drop(0, id, []);
    else if (roll < 89) c.propose(id, `p${proposals++}`);
    else if (roll < 90) {
      const side = ids.filter(() => rng.nextInt(2) === 0);
      c.partition([side, ids.filter((x) => !side.includes(x))]);
    } else if (roll < 94) c.heal();
    else if (roll < 96) {
      while (c.processReady(id, [])) { /* persist what it has before crashing */ }
      c.restart(id);
    } else c.deliver([], []);
    check(step);
  }
  // Liveness: heal, let time pass, and require a leader that commits a fresh proposal.
  c.heal();
  for (let round = 0; round < 400; round++) {
    for (const id of ids) c.get(id).node.tick();
    c.stabilize([], []);
    check(steps + round);
    const leader = c.leader();
    if (leader === 0) continue;
    const before = c.get(leader).appliedIndex;
    if (!c.propose(leader, `final${seed}`).ok) continue;
    c.stabilize([], []);
    if (c.get(leader).appliedIndex > before) return;
  }
  assert.fail(`seed ${seed}: no commit after healing`);
}

Deno.test("random schedules keep Raft's safety properties", () => {
  for (let seed = 1; seed <= 100; seed++) runSchedule(seed, 3000);
});
