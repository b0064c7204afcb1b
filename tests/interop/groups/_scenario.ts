/**
 * The story every `<client>_test.ts` in this folder runs against one broker (target from
 * `CHRONIK_INTEROP_TARGET`), one step per acceptance point:
 *
 * 1. three members of a group share a 6-partition topic and consume and commit every record;
 * 2. one member closes cleanly and the other two take over its partitions within the session
 *    timeout, consuming records produced afterwards to every partition;
 * 3. the broker restarts on the same data dir and a new member of the group reads only records
 *    produced after the restart (the commits survived);
 * 4. a static member (`group.instance.id`) restarts within its session timeout and nobody else
 *    sees a rebalance (skipped, with the reason, for clients without static membership);
 * 5. (beyond the acceptance list) two live members keep consuming across a broker crash
 *    (SIGKILL) and restart, and read nothing they had committed before it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { interopTarget, type RunningBroker, startBroker } from "../_broker.ts";
import { REPO_ROOT } from "../_paths.ts";
import { runBounded } from "../_run.ts";
import { GROUP_CLIENTS, type GroupClient, type GroupClientName } from "./_clients.ts";
import { Member } from "./_member.ts";

/** This suite's ports (the plain interop suites use 19200-19399). */
export const GROUP_PORT_RANGE = { min: 19600, max: 19799 };
export const PARTITIONS = 6;
/** Short, but within Chronik's and Kafka's default bounds [6 s, 30 min]. */
export const SESSION_TIMEOUT_MS = 10_000;
const DEFAULT_RECORDS = 3_000;
/** Records produced in each later phase. */
const PHASE_RECORDS = 600;
/** Bound on a member consuming what was produced. */
const CONSUME_TIMEOUT_MS = 90_000;
/** Bound on a member exiting after "close". */
const CLOSE_TIMEOUT_MS = 30_000;
/** Bound on one member process's whole life. */
const MEMBER_LIFETIME_MS = 300_000;
/** How long a member keeps polling after it caught up, so stray re-reads would show. */
const QUIET_MS = 2_000;

export function initialRecords(): number {
  const raw = Deno.env.get("CHRONIK_INTEROP_GROUP_RECORDS");
  const n = raw === undefined ? DEFAULT_RECORDS : Number(raw);
  if (!Number.isInteger(n) || n < PARTITIONS || n > 100_000) {
    throw new Error(`CHRONIK_INTEROP_GROUP_RECORDS must be an integer in [6, 100000], got ${raw}`);
  }
  return n;
}

/** Runs `_produce.ts`: records `from..from+count-1`, record i to partition i % PARTITIONS. */
export async function produceRecords(
  broker: RunningBroker,
  topic: string,
  from: number,
  count: number,
  create = false,
): Promise<void> {
  const result = await runBounded(Deno.execPath(), [
    "run",
    "-A",
    `${REPO_ROOT}/tests/interop/groups/_produce.ts`,
    "--bootstrap",
    broker.bootstrap,
    "--topic",
    topic,
    "--partitions",
    String(PARTITIONS),
    "--from",
    String(from),
    "--count",
    String(count),
    "--timeout-ms",
    "60000",
    ...(create ? ["--create"] : []),
  ], { cwd: REPO_ROOT, timeoutMs: 90_000 });
  assert.ok(
    result.success,
    `producing ${from}..${from + count - 1} to ${topic} failed: ${result.stdout}\n` +
      result.stderr.slice(-2_000) + `\nbroker tail:\n${broker.outputTail().slice(-2_000)}`,
  );
}

/** Records of `0..total-1` that land on partition `p` (= its log end offset). */
export function recordsOnPartition(total: number, p: number): number {
  return Math.max(0, Math.floor((total - p + PARTITIONS - 1) / PARTITIONS));
}

/** Starts and tracks members; kills whatever is left on `dispose`. */
export class Members {
  readonly all: Member[] = [];
  constructor(
    readonly client: GroupClient,
    readonly broker: RunningBroker,
    readonly topic: string,
  ) {}

  start(group: string, name: string, instanceId?: string): Member {
    const member = new Member(name, [
      ...this.client.command,
      "--bootstrap",
      this.broker.bootstrap,
      "--topic",
      this.topic,
      "--group",
      group,
      "--name",
      name,
      "--session-timeout-ms",
      String(SESSION_TIMEOUT_MS),
      "--timeout-ms",
      String(MEMBER_LIFETIME_MS),
      ...(instanceId === undefined ? [] : ["--instance-id", instanceId]),
    ], REPO_ROOT);
    this.all.push(member);
    return member;
  }

  describe(members: readonly Member[] = this.all): string {
    return members.map((m) => m.describe()).join("\n") +
      `\nbroker (${this.broker.target}) tail:\n${this.broker.outputTail().slice(-3_000)}`;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.all.map((m) => m.kill()));
  }
}

function union(members: readonly Member[], read: (m: Member) => Iterable<number>): Set<number> {
  const out = new Set<number>();
  for (const m of members) for (const x of read(m)) out.add(x);
  return out;
}

/** Record index → times any of `members` consumed it. */
function readCounts(members: readonly Member[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of members) for (const [i, n] of m.consumed) out.set(i, (out.get(i) ?? 0) + n);
  return out;
}

function missingIndexes(members: readonly Member[], from: number, to: number): number[] {
  const seen = union(members, (m) => m.consumed.keys());
  const missing: number[] = [];
  for (let i = from; i < to; i++) if (!seen.has(i)) missing.push(i);
  return missing;
}

/** True when, per partition, some member committed the log end of `0..total-1`. */
function committedAll(members: readonly Member[], total: number): boolean {
  for (let p = 0; p < PARTITIONS; p++) {
    const best = Math.max(0, ...members.map((m) => m.committed.get(p) ?? 0));
    if (best < recordsOnPartition(total, p)) return false;
  }
  return true;
}

/** Waits until some member state predicate holds over a set of members; fails with their state. */
async function waitAll(
  set: Members,
  members: readonly Member[],
  what: string,
  timeoutMs: number,
  check: () => boolean,
): Promise<number> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  while (!check()) {
    const failed = members.find((m) => m.error !== null || (m.exitCode !== null && !m.closed));
    if (failed) assert.fail(`${failed.name} failed while waiting for ${what}\n${set.describe()}`);
    if (Date.now() > deadline) assert.fail(`no ${what} within ${timeoutMs} ms\n${set.describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

function coversAllPartitions(members: readonly Member[]): boolean {
  const held = members.flatMap((m) => m.assignment);
  return held.length === PARTITIONS && new Set(held).size === PARTITIONS;
}

/** Registers the group interop test for one client. */
export async function groupSuite(name: GroupClientName): Promise<void> {
  const client = GROUP_CLIENTS[name];
  const target = interopTarget();
  const ci = Deno.env.get("CI") === "true";
  const missing = await client.missing();
  if (missing !== null && !ci) console.warn(`interop groups: skipping ${name}: ${missing}`);
  const total0 = initialRecords();
  Deno.test({
    name: `interop groups ${name} against ${target}`,
    ignore: missing !== null && !ci,
    fn: async (t) => {
      assert.equal(missing, null, `${name} is not installed (CI=true never skips): ${missing}`);
      const broker = await startBroker({ portRange: GROUP_PORT_RANGE });
      const topic = `groups-${name}-${crypto.randomUUID().slice(0, 8)}`;
      const group = `g-${topic}`;
      const set = new Members(client, broker, topic);
      let total = 0;
      try {
        await t.step(
          `3 members consume all ${total0} records of ${PARTITIONS} partitions`,
          async () => {
            await produceRecords(broker, topic, 0, total0, true);
            total = total0;
            const members = ["a", "b", "c"].map((n) => set.start(group, n));
            await waitAll(
              set,
              members,
              "all three members holding partitions and every record consumed and committed",
              CONSUME_TIMEOUT_MS,
              // A fast first member may read everything before the others join: still wait for
              // the three-way split, so the group is a real 3-member group.
              () =>
                missingIndexes(members, 0, total).length === 0 && committedAll(members, total) &&
                coversAllPartitions(members) && members.every((m) => m.assignment.length > 0),
            );
          },
        );

        await t.step(
          "a member leaves; the other two take over and consume new records",
          async () => {
            const [a, b, c] = set.all as [Member, Member, Member];
            const leftAt = Date.now();
            await a.close(CLOSE_TIMEOUT_MS);
            assert.ok(a.closed, `a did not close cleanly\n${set.describe()}`);
            await waitAll(
              set,
              [b, c],
              "takeover of all partitions by b and c",
              SESSION_TIMEOUT_MS,
              () => coversAllPartitions([b, c]),
            );
            console.log(
              `  ${name}: b and c hold all ${PARTITIONS} partitions ${
                Date.now() - leftAt
              } ms after a was told to close`,
            );
            await produceRecords(broker, topic, total, PHASE_RECORDS);
            const from = total;
            total += PHASE_RECORDS;
            await waitAll(
              set,
              [b, c],
              "consumption of the records produced after the leave",
              CONSUME_TIMEOUT_MS,
              () => missingIndexes([b, c], from, total).length === 0 && committedAll([b, c], total),
            );
            const consumers = [b, c].filter((m) => [...m.consumed.keys()].some((i) => i >= from));
            assert.equal(
              consumers.length,
              2,
              `both b and c should consume new records\n${set.describe()}`,
            );
            await Promise.all([b.close(CLOSE_TIMEOUT_MS), c.close(CLOSE_TIMEOUT_MS)]);
          },
        );

        await t.step("committed offsets survive a broker restart", async () => {
          await broker.restart();
          const d = set.start(group, "d");
          await waitAll(
            set,
            [d],
            "assignment of all partitions to d",
            CONSUME_TIMEOUT_MS,
            () => coversAllPartitions([d]),
          );
          await produceRecords(broker, topic, total, PHASE_RECORDS);
          const from = total;
          total += PHASE_RECORDS;
          await waitAll(
            set,
            [d],
            "consumption of the records produced after the restart",
            CONSUME_TIMEOUT_MS,
            () => missingIndexes([d], from, total).length === 0 && committedAll([d], total),
          );
          await new Promise((r) => setTimeout(r, QUIET_MS));
          const old = [...d.consumed.keys()].filter((i) => i < from).sort((x, y) => x - y);
          assert.deepEqual(
            old.slice(0, 10),
            [],
            `d re-read ${old.length} records committed before the restart\n${set.describe([d])}`,
          );
          await d.close(CLOSE_TIMEOUT_MS);
        });

        await t.step({
          name: "a static member restarts within its session timeout without a rebalance",
          ignore: client.noStaticMembership !== null,
          fn: async () => {
            const group2 = `${group}-static`;
            // y joins first and so leads the group: restarting a static *leader* makes some
            // clients (franz-go) force a rebalance on purpose, to learn the members' metadata.
            const y = set.start(group2, "y");
            await waitAll(
              set,
              [y],
              "y leading the new group",
              CONSUME_TIMEOUT_MS,
              () => y.assignment.length > 0,
            );
            const x = set.start(group2, "x", `static-${topic}`);
            const z = set.start(group2, "z");
            const members = [x, y, z];
            await waitAll(
              set,
              members,
              "a settled 3-member group that read everything",
              CONSUME_TIMEOUT_MS,
              () =>
                members.every((m) => m.assignment.length > 0) && coversAllPartitions(members) &&
                missingIndexes(members, 0, total).length === 0 && committedAll(members, total),
            );
            await new Promise((r) => setTimeout(r, QUIET_MS));
            const before = {
              y: y.rebalanceEvents,
              z: z.rebalanceEvents,
              x: x.assignment,
              gen: x.generation,
            };
            if (client.staticStop === "close") await x.close(CLOSE_TIMEOUT_MS);
            else await x.kill();
            const x2 = set.start(group2, "x2", `static-${topic}`);
            const backMs = await waitAll(
              set,
              [x2, y, z],
              "x2 back with an assignment",
              SESSION_TIMEOUT_MS,
              () => x2.assignment.length > 0,
            );
            console.log(
              `  ${name}: static x2 held [${x2.assignment}] ${backMs} ms after its start`,
            );
            await produceRecords(broker, topic, total, PHASE_RECORDS);
            const from = total;
            total += PHASE_RECORDS;
            const now = [x2, y, z];
            await waitAll(
              set,
              now,
              "consumption after the static restart",
              CONSUME_TIMEOUT_MS,
              () => missingIndexes(now, from, total).length === 0 && committedAll(now, total),
            );
            const after = { y: y.rebalanceEvents, z: z.rebalanceEvents, x: x2.assignment };
            assert.deepEqual(
              { y: after.y, z: after.z },
              { y: before.y, z: before.z },
              `y or z saw a rebalance when static x restarted\n${set.describe()}`,
            );
            assert.deepEqual(
              after.x,
              before.x,
              `x2 got another assignment than x\n${set.describe()}`,
            );
            if (before.gen !== null && x2.generation !== null) {
              assert.equal(x2.generation, before.gen, `generation changed\n${set.describe()}`);
            }
            await Promise.all(now.map((m) => m.close(CLOSE_TIMEOUT_MS)));
          },
        });

        await t.step({
          name: "live members ride through a broker crash (SIGKILL) and restart",
          ignore: client.noLiveRestart !== null,
          fn: async () => {
            const group3 = `${group}-live`;
            const members = [set.start(group3, "p"), set.start(group3, "q")];
            await waitAll(
              set,
              members,
              "both members reading everything",
              CONSUME_TIMEOUT_MS,
              () =>
                members.every((m) => m.assignment.length > 0) && coversAllPartitions(members) &&
                missingIndexes(members, 0, total).length === 0 && committedAll(members, total),
            );
            const readsBefore = readCounts(members);
            await broker.restart({ crash: true });
            await produceRecords(broker, topic, total, PHASE_RECORDS);
            const from = total;
            total += PHASE_RECORDS;
            await waitAll(
              set,
              members,
              "consumption after the broker came back",
              CONSUME_TIMEOUT_MS,
              () =>
                missingIndexes(members, from, total).length === 0 && committedAll(members, total),
            );
            await new Promise((r) => setTimeout(r, QUIET_MS));
            // Everything before the crash was committed (and acknowledged), so none of it may
            // come back.
            const again = [...readCounts(members)]
              .filter(([i, n]) => i < from && n > (readsBefore.get(i) ?? 0)).map(([i]) => i);
            assert.deepEqual(
              again.slice(0, 10),
              [],
              `records read twice\n${set.describe(members)}`,
            );
            await Promise.all(members.map((m) => m.close(CLOSE_TIMEOUT_MS)));
          },
        });
      } finally {
        await set.dispose();
        await broker.stop();
      }
    },
  });
}
