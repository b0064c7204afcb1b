/**
 * Rebalance latency: time from the last member's JoinGroup to every member holding its assignment
 * (JoinGroup answers, the leader's SyncGroup with the assignment, every follower's SyncGroup), for
 * groups of 3 and 30 members, through the codec against an in-process node (group metadata is
 * persisted with fdatasync on the way). Prints figures; asserts nothing.
 *
 * `deno run --allow-read --allow-write --allow-env bench/groups_bench.ts [rounds]`
 *
 * @module
 */
import { buildConfig } from "../src/config/mod.ts";
import { ManualClock } from "../src/groups/mod.ts";
import { ApiKey } from "../src/kafka/protocol/apis.ts";
import { decodeResponse, encodeRequest } from "../src/kafka/protocol/header.ts";
import { Metrics } from "../src/observability/mod.ts";
import { type Node, startNode } from "../src/node.ts";

const rounds = Math.max(1, Math.min(Number(Deno.args[0] ?? 20), 500));
// deno-lint-ignore no-explicit-any
type Any = any;

let correlationId = 0;
async function call(node: Node, apiKey: number, version: number, body: Any): Promise<Any> {
  const id = ++correlationId;
  const frame = encodeRequest(
    { requestApiKey: apiKey, requestApiVersion: version, correlationId: id, clientId: "bench" },
    body,
  ).subarray(4);
  const out = await node.handler.handle(frame, {
    connectionId: 1,
    remoteAddr: "127.0.0.1:1",
    apiKey,
    apiVersion: version,
    correlationId: id,
    receivedAtMs: performance.now(),
  });
  if (!(out instanceof Uint8Array)) throw new Error("no response");
  return decodeResponse(out, apiKey, version).body;
}

const join = (groupId: string, memberId: string) => ({
  groupId,
  sessionTimeoutMs: 30_000,
  rebalanceTimeoutMs: 60_000,
  memberId,
  groupInstanceId: null,
  protocolType: "consumer",
  protocols: [{ name: "range", metadata: new Uint8Array(32) }],
  reason: null,
});

const sync = (groupId: string, generationId: number, memberId: string, assignments: Any[]) => ({
  groupId,
  generationId,
  memberId,
  groupInstanceId: null,
  protocolType: "consumer",
  protocolName: "range",
  assignments,
});

/** One rebalance: every member rejoins; resolves when all hold assignments. Returns ms. */
async function rebalance(node: Node, groupId: string, ids: string[]): Promise<number> {
  const joins: Promise<Any>[] = [];
  let t0 = 0;
  for (let i = 0; i < ids.length; i++) {
    if (i === ids.length - 1) t0 = performance.now();
    joins.push(call(node, ApiKey.JoinGroup, 9, join(groupId, ids[i]!)));
  }
  const answers = await Promise.all(joins.map(async (p) => {
    const r = await p;
    if (r.errorCode !== 0) throw new Error(`join error ${r.errorCode}`);
    const assignments = r.members.map((m: Any) => ({
      memberId: m.memberId,
      assignment: new Uint8Array(16),
    }));
    const s = await call(
      node,
      ApiKey.SyncGroup,
      5,
      sync(groupId, r.generationId, r.memberId, assignments),
    );
    if (s.errorCode !== 0) throw new Error(`sync error ${s.errorCode}`);
    return s;
  }));
  if (answers.length !== ids.length) throw new Error("missing answers");
  return performance.now() - t0;
}

async function bench(members: number): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chronik-groups-bench-" });
  const clock = new ManualClock();
  const node = await startNode(
    buildConfig({ flags: { "data.dir": dir, "offsets.topic.num.partitions": "1" } }),
    { metrics: new Metrics({ eventLoopLagIntervalMs: 0 }), groups: { clock } },
  );
  try {
    const groupId = `bench-${members}`;
    const ids: string[] = [];
    for (let i = 0; i < members; i++) {
      const r = await call(node, ApiKey.JoinGroup, 9, join(groupId, ""));
      ids.push(r.memberId);
    }
    // The first generation waits out the initial delay; later rounds are what we measure.
    const first = ids.map((id) => call(node, ApiKey.JoinGroup, 9, join(groupId, id)));
    await new Promise((r) => setTimeout(r, 50));
    clock.advance(3_000);
    await Promise.all(first);
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) times.push(await rebalance(node, groupId, ids));
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    console.log(
      `${String(members).padStart(2)} members: rebalance p50 ${at(0.5).toFixed(2)} ms, ` +
        `p90 ${at(0.9).toFixed(2)} ms, max ${at(1).toFixed(2)} ms (${rounds} rounds)`,
    );
  } finally {
    await node.close();
    await Deno.remove(dir, { recursive: true });
  }
}

await bench(3);
await bench(30);
