/**
 * Kafka's own Java tools against a broker (target from `CHRONIK_INTEROP_TARGET`): ConsoleConsumer
 * with `--group` reads every record and commits; `ConsumerGroupCommand` lists the group, describes
 * it with the right per-partition offsets and lag, and resets it to the earliest offsets, after
 * which a group consumer reads everything again.
 */

import assert from "node:assert/strict";
import { interopTarget, type RunningBroker, startBroker } from "../_broker.ts";
import { JAVA_LIB_DIR } from "../_paths.ts";
import { runBounded, type RunResult } from "../_run.ts";
import { GROUP_CLIENTS } from "./_clients.ts";
import { Member } from "./_member.ts";
import { GROUP_PORT_RANGE, PARTITIONS, produceRecords, recordsOnPartition } from "./_scenario.ts";

const JVM_FLAGS = ["-Xmx256m", "-XX:TieredStopAtLevel=1"];
const CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
const GROUP_COMMAND = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
const TOOL_TIMEOUT_MS = 90_000;
const FIRST = 1_200;
/** Long enough that an absent static member stays in the group while the tool runs. */
const LONG_SESSION_MS = 30_000;
const MORE = 120;

const ci = Deno.env.get("CI") === "true";
let missing: string | null = null;
try {
  await Deno.stat(`${JAVA_LIB_DIR}/kafka-tools-4.3.1.jar`);
} catch {
  missing = `Kafka tools not in ${JAVA_LIB_DIR}; run \`deno run -A tests/interop/setup.ts\``;
}
if (missing !== null && !ci) console.warn(`interop groups: skipping Kafka tools: ${missing}`);

async function tool(cls: string, args: string[]): Promise<RunResult> {
  return await runBounded("java", [...JVM_FLAGS, "-cp", `${JAVA_LIB_DIR}/*`, cls, ...args], {
    timeoutMs: TOOL_TIMEOUT_MS,
  });
}

function show(r: RunResult, broker: RunningBroker): string {
  return `exit ${r.code}${r.timedOut ? " (timed out)" : ""}\nstdout:\n${r.stdout.slice(-3_000)}` +
    `\nstderr:\n${r.stderr.slice(-3_000)}\nbroker tail:\n${broker.outputTail().slice(-2_000)}`;
}

/** ConsoleConsumer in the group; returns the record indexes it printed. */
async function consoleConsume(
  broker: RunningBroker,
  topic: string,
  group: string,
  maxMessages: number,
  fromBeginning: boolean,
): Promise<number[]> {
  const r = await tool(CONSOLE_CONSUMER, [
    "--bootstrap-server",
    broker.bootstrap,
    "--topic",
    topic,
    "--group",
    group,
    ...(fromBeginning ? ["--from-beginning"] : []),
    "--max-messages",
    String(maxMessages),
    "--timeout-ms",
    "30000",
    "--formatter-property",
    "print.key=true",
  ]);
  const indexes = r.stdout.split("\n").filter((l) => l.startsWith("key-")).map((l) =>
    Number(l.slice(4, 10))
  );
  assert.equal(
    indexes.length,
    maxMessages,
    `ConsoleConsumer read ${indexes.length}\n${show(r, broker)}`,
  );
  return indexes;
}

interface DescribedRow {
  partition: number;
  current: number | null;
  logEnd: number;
  lag: number | null;
}

async function describeGroup(
  broker: RunningBroker,
  topic: string,
  group: string,
): Promise<DescribedRow[]> {
  const r = await tool(GROUP_COMMAND, [
    "--bootstrap-server",
    broker.bootstrap,
    "--describe",
    "--group",
    group,
  ]);
  assert.ok(r.success, `--describe failed\n${show(r, broker)}`);
  const rows: DescribedRow[] = [];
  for (const line of r.stdout.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols[0] !== group || cols[1] !== topic) continue;
    const num = (s: string | undefined) => (s === undefined || s === "-" ? null : Number(s));
    rows.push({
      partition: Number(cols[2]),
      current: num(cols[3]),
      logEnd: Number(cols[4]),
      lag: num(cols[5]),
    });
  }
  assert.equal(
    rows.length,
    PARTITIONS,
    `--describe shows ${rows.length} partitions\n${show(r, broker)}`,
  );
  return rows.sort((a, b) => a.partition - b.partition);
}

Deno.test({
  name:
    `interop groups: Kafka's ConsoleConsumer and ConsumerGroupCommand against ${interopTarget()}`,
  ignore: missing !== null && !ci,
  fn: async (t) => {
    assert.equal(missing, null, `Kafka tools are not installed (CI=true never skips): ${missing}`);
    const broker = await startBroker({ portRange: GROUP_PORT_RANGE });
    const topic = `groups-tools-${crypto.randomUUID().slice(0, 8)}`;
    const group = `g-${topic}`;
    try {
      await t.step(`ConsoleConsumer --group reads all ${FIRST} records`, async () => {
        await produceRecords(broker, topic, 0, FIRST, true);
        const seen = await consoleConsume(broker, topic, group, FIRST, true);
        assert.deepEqual([...new Set(seen)].sort((a, b) => a - b), [...Array(FIRST).keys()]);
      });

      await t.step("ConsumerGroupCommand --list shows the group", async () => {
        const r = await tool(GROUP_COMMAND, ["--bootstrap-server", broker.bootstrap, "--list"]);
        assert.ok(r.success, show(r, broker));
        assert.ok(r.stdout.split("\n").map((l) => l.trim()).includes(group), show(r, broker));
      });

      await t.step(
        "ConsumerGroupCommand --describe shows per-partition offsets and lag",
        async () => {
          await produceRecords(broker, topic, FIRST, MORE);
          const rows = await describeGroup(broker, topic, group);
          for (const row of rows) {
            const committed = recordsOnPartition(FIRST, row.partition);
            const end = recordsOnPartition(FIRST + MORE, row.partition);
            assert.deepEqual(
              row,
              { partition: row.partition, current: committed, logEnd: end, lag: end - committed },
              `partition ${row.partition}`,
            );
          }
        },
      );

      await t.step(
        "--reset-offsets --to-earliest --execute; a consumer re-reads from the start",
        async () => {
          const r = await tool(GROUP_COMMAND, [
            "--bootstrap-server",
            broker.bootstrap,
            "--reset-offsets",
            "--group",
            group,
            "--topic",
            topic,
            "--to-earliest",
            "--execute",
          ]);
          assert.ok(r.success, show(r, broker));
          const rows = await describeGroup(broker, topic, group);
          for (const row of rows) {
            const end = recordsOnPartition(FIRST + MORE, row.partition);
            assert.deepEqual(
              row,
              { partition: row.partition, current: 0, logEnd: end, lag: end },
              `partition ${row.partition} after the reset`,
            );
          }
          const seen = await consoleConsume(broker, topic, group, FIRST + MORE, false);
          assert.deepEqual(
            [...new Set(seen)].sort((a, b) => a - b),
            [...Array(FIRST + MORE).keys()],
          );
        },
      );

      await t.step(
        "--describe --members during a rebalance shows each member's last assignment",
        async () => {
          // Kafka 4.x (ClassicGroupMember.describeNoMetadata) answers DescribeGroups outside Stable
          // with empty metadata but the member's current assignment.
          const group2 = `${group}-describe`;
          const instance = `static-${topic}`;
          const start = (name: string, instanceId?: string) =>
            new Member(name, [
              ...GROUP_CLIENTS.java.command,
              ...["--bootstrap", broker.bootstrap, "--topic", topic, "--group", group2],
              ...["--name", name, "--session-timeout-ms", String(LONG_SESSION_MS)],
              ...(instanceId === undefined ? [] : ["--instance-id", instanceId]),
            ], Deno.cwd());
          const y = start("y");
          let x: Member | undefined;
          try {
            await y.waitFor("an assignment", TOOL_TIMEOUT_MS, () => y.assignment.length > 0);
            x = start("x", instance);
            const both = () => {
              const held = [...x!.assignment, ...y.assignment];
              return x!.assignment.length > 0 && y.assignment.length > 0 &&
                new Set(held).size === PARTITIONS && held.length === PARTITIONS;
            };
            await x.waitFor("a 2-way split", TOOL_TIMEOUT_MS, both);
            const xHeld = x.assignment;
            await x.close(30_000); // static: no LeaveGroup, x stays a member until its session ends
            await y.close(30_000); // dynamic: LeaveGroup, the group prepares a rebalance
            const state = await tool(GROUP_COMMAND, [
              ...["--bootstrap-server", broker.bootstrap, "--describe", "--group", group2],
              "--state",
            ]);
            assert.match(state.stdout, /PreparingRebalance/, show(state, broker));
            const members = await tool(GROUP_COMMAND, [
              ...["--bootstrap-server", broker.bootstrap, "--describe", "--group", group2],
              ...["--members", "--verbose"],
            ]);
            const row = members.stdout.split("\n").map((l) => l.trim().split(/\s+/))
              .find((cols) => cols[0] === group2 && cols[2] === instance);
            assert.ok(row, `no row for ${instance}\n${show(members, broker)}`);
            assert.deepEqual(
              // Columns: GROUP CONSUMER-ID GROUP-INSTANCE-ID HOST CLIENT-ID #PARTITIONS CURRENT-EPOCH
              // CURRENT-ASSIGNMENT ...
              { partitions: row[5], assignment: row[7] },
              { partitions: String(xHeld.length), assignment: `${topic}:${xHeld.join(",")}` },
              `DescribeGroups in PreparingRebalance dropped the member's assignment\n` +
                show(members, broker),
            );
          } finally {
            await Promise.all([y.kill(), x?.kill()]);
          }
        },
      );
    } finally {
      await broker.stop();
    }
  },
});
