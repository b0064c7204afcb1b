/**
 * Raft core benchmarks (printed figures, no assertions):
 * 1. proposals/s committed through a 3-node in-memory cluster, proposing in batches per Ready;
 * 2. µs per tick of 10,000 idle follower groups on one node.
 *
 * Run: `deno run -A bench/raft_bench.ts`
 */

import { RawNode } from "../src/raft/mod.ts";
import { Cluster, newStorage, SeededRng } from "../tests/raft/_cluster.ts";

function proposalsPerSecond(batch: number, total: number): number {
  const c = new Cluster();
  c.quiet = true;
  for (const id of [1, 2, 3]) {
    c.add(id, newStorage([1, 2, 3]), { maxSizePerMsgBytes: 1 << 20, maxInflightMsgs: 256 });
  }
  c.get(1).node.campaign();
  c.stabilize([], []);
  const payload = new Uint8Array(100);
  const leader = c.get(1);
  const start = performance.now();
  let proposed = 0;
  while (leader.appliedIndex < total + 1) {
    for (let i = 0; i < batch && proposed < total; i++, proposed++) {
      if (!leader.node.propose(payload).ok) throw new Error("proposal refused");
    }
    for (const id of [1, 2, 3]) c.processReady(id, []);
    c.deliver([], []);
    // Keep memory flat: the harness's state machine holds strings we do not need here.
    for (const id of [1, 2, 3]) c.get(id).applied.length = 0;
  }
  const seconds = (performance.now() - start) / 1000;
  return total / seconds;
}

function idleTickMicros(groups: number, ticks: number): number {
  const nodes: RawNode[] = [];
  for (let g = 0; g < groups; g++) {
    const storage = newStorage([1, 2, 3]);
    storage.hardState = { term: 1, vote: 2, commit: 0 };
    // Huge election timeout: the groups stay idle followers for the whole run.
    nodes.push(
      new RawNode({ id: 1, storage, rng: new SeededRng(g + 1), electionTicks: 1_000_000 }),
    );
  }
  for (const n of nodes) n.tick(); // warm-up: let the JIT settle before timing
  const start = performance.now();
  let ready = 0;
  for (let t = 0; t < ticks; t++) {
    for (const n of nodes) {
      n.tick();
      if (n.hasReady()) ready++;
    }
  }
  const micros = (performance.now() - start) * 1000;
  if (ready !== 0) throw new Error(`idle groups produced ${ready} Readies`);
  return micros / ticks;
}

for (const batch of [1, 16, 256]) {
  const rate = proposalsPerSecond(batch, 50_000);
  console.log(`3-node cluster, batch ${batch}: ${Math.round(rate).toLocaleString()} proposals/s`);
}
const perTick = idleTickMicros(10_000, 500);
console.log(
  `10,000 idle groups: ${perTick.toFixed(0)} µs per tick of all groups ` +
    `(${(perTick / 10_000 * 1000).toFixed(1)} ns per group)`,
);
