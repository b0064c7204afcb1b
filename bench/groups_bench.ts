/**
 * Rebalance latency: time from the last member's JoinGroup to every member holding its assignment
 * (JoinGroup answers, the leader's SyncGroup with the assignment, every follower's SyncGroup), for
 * groups of 3 and 30 members, through the codec against an in-process node (group metadata is
 * persisted with fdatasync on the way). Prints figures; asserts nothing.
 *
 * Then consume throughput of a 3-member group with a real client: franz-go members
 * (`bench/go/groupconsume`) against a broker process read a 6-partition topic of 1 KiB records.
 *
 * `deno run --allow-all bench/groups_bench.ts [rounds] [records]`
 *
 * @module
 */
import { buildConfig } from "../src/config/mod.ts";
import { ManualClock } from "../src/groups/mod.ts";
import { ApiKey } from "../src/kafka/protocol/apis.ts";
import { decodeResponse, encodeRequest } from "../src/kafka/protocol/header.ts";
import { Metrics } from "../src/observability/mod.ts";
import { type Node, startNode } from "../src/node.ts";
import { startChronik } from "../tests/_support/broker_process.ts";
import { freePort } from "../tests/_support/kafka_client.ts";

const rounds = Math.max(1, Math.min(Number(Deno.args[0] ?? 20), 500));
const consumeRecords = Math.max(1000, Math.min(Number(Deno.args[1] ?? 300_000), 5_000_000));
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

/** A 3-member franz-go group reading a topic filled beforehand; time from start to all read. */
async function consumeThroughput(records: number): Promise<void> {
  const repo = new URL("../", import.meta.url).pathname;
  const binary = `${repo}bench/.cache/groupconsume`;
  const build = await new Deno.Command("go", {
    args: ["build", "-o", binary, "./groupconsume"],
    cwd: `${repo}bench/go`,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (build.code !== 0) throw new Error(new TextDecoder().decode(build.stderr));
  const dir = await Deno.makeTempDir({ prefix: "chronik-groups-consume-" });
  const port = freePort();
  const broker = await startChronik(port, dir);
  try {
    const out = await new Deno.Command(binary, {
      args: [`-bootstrap=127.0.0.1:${port}`, "-members=3", "-partitions=6", `-records=${records}`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
    const r = JSON.parse(new TextDecoder().decode(out.stdout).trim());
    console.log(
      `3-member group consume: ${r.records} records of 1 KiB, ${Math.round(r.msgPerSec)} msg/s, ` +
        `${r.mbPerSec.toFixed(1)} MB/s from the first record to the last ` +
        `(${r.seconds.toFixed(2)} s; first record ${r.secondsToFirstRecord.toFixed(2)} s after ` +
        `start, of which 3 s is the group's initial rebalance delay)`,
    );
  } finally {
    await broker.kill("SIGTERM");
    await Deno.remove(dir, { recursive: true });
  }
}

await bench(3);
await bench(30);
await consumeThroughput(consumeRecords);
