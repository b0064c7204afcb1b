/**
 * Kafka's own operator tools (the classes behind `kafka-topics.sh`, `kafka-configs.sh`,
 * `kafka-producer-perf-test.sh`, `kafka-get-offsets.sh`, `kafka-delete-records.sh`,
 * `kafka-log-dirs.sh`, `kafka-transactions.sh`, `kafka-acls.sh`, `kafka-reassign-partitions.sh`,
 * `kafka-leader-election.sh`, `kafka-client-metrics.sh`, `kafka-cluster.sh` and
 * `kafka-broker-api-versions.sh`) against a broker (target from `CHRONIK_INTEROP_TARGET`). Each
 * step asserts what the tool prints against a single Apache Kafka 4.x node with no authorizer, no
 * quotas and no transactions: the same run passes against both targets.
 */

import assert from "node:assert/strict";
import { interopTarget, type RunningBroker, startBroker } from "./_broker.ts";
import { JAVA_LIB_DIR } from "./_paths.ts";
import { runBounded, type RunResult } from "./_run.ts";

const JVM_FLAGS = ["-Xmx256m", "-XX:TieredStopAtLevel=1"];
const TOOL_TIMEOUT_MS = 90_000;
const PORT_RANGE = { min: 19800, max: 19899 };
const PARTITIONS = 3;
const RECORDS = 3_000;
const DELETE_BEFORE = 100;

const ci = Deno.env.get("CI") === "true";
let missing: string | null = null;
try {
  await Deno.stat(`${JAVA_LIB_DIR}/kafka_2.13-4.3.1.jar`);
} catch {
  missing = `Kafka tools not in ${JAVA_LIB_DIR}; run \`deno run -A tests/interop/setup.ts\``;
}
if (missing !== null && !ci) console.warn(`interop tools: skipping: ${missing}`);

const tools = {
  topics: "org.apache.kafka.tools.TopicCommand",
  configs: "kafka.admin.ConfigCommand",
  perf: "org.apache.kafka.tools.ProducerPerformance",
  offsets: "org.apache.kafka.tools.GetOffsetShell",
  deleteRecords: "org.apache.kafka.tools.DeleteRecordsCommand",
  logDirs: "org.apache.kafka.tools.LogDirsCommand",
  transactions: "org.apache.kafka.tools.TransactionsCommand",
  acls: "org.apache.kafka.tools.AclCommand",
  reassign: "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
  elect: "org.apache.kafka.tools.LeaderElectionCommand",
  clientMetrics: "org.apache.kafka.tools.ClientMetricsCommand",
  cluster: "org.apache.kafka.tools.ClusterTool",
  apiVersions: "org.apache.kafka.tools.BrokerApiVersionsCommand",
} as const;

async function tool(cls: string, args: string[]): Promise<RunResult> {
  return await runBounded("java", [...JVM_FLAGS, "-cp", `${JAVA_LIB_DIR}/*`, cls, ...args], {
    timeoutMs: TOOL_TIMEOUT_MS,
  });
}

/** The tool's output lines that are neither log lines nor the client's config dump. */
function lines(r: RunResult): string[] {
  return `${r.stdout}\n${r.stderr}`.split("\n").filter((l) =>
    l.trim() !== "" && !/^\[[^\]]*\] (INFO|DEBUG|WARN) /.test(l) && !/^\t[\w.-]+ = /.test(l) &&
    !l.startsWith("SLF4J")
  );
}

function show(r: RunResult, broker: RunningBroker): string {
  return `exit ${r.code}${r.timedOut ? " (timed out)" : ""}\noutput:\n` +
    `${lines(r).join("\n").slice(-4_000)}\nbroker tail:\n${broker.outputTail().slice(-2_000)}`;
}

Deno.test({
  name: `interop tools: Kafka's operator tools against ${interopTarget()}`,
  ignore: missing !== null && !ci,
  fn: async (t) => {
    assert.equal(missing, null, `Kafka tools are not installed (CI=true never skips): ${missing}`);
    const broker = await startBroker({ portRange: PORT_RANGE });
    const topic = `tools-${crypto.randomUUID().slice(0, 8)}`;
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    const run = async (cls: string, args: string[], ok = true): Promise<RunResult> => {
      const r = await tool(cls, [...bootstrap, ...args]);
      if (ok) assert.ok(r.success, show(r, broker));
      return r;
    };
    try {
      await t.step("kafka-topics: create, list, describe", async () => {
        await run(tools.topics, [
          ...["--create", "--topic", topic, "--partitions", String(PARTITIONS)],
          ...["--config", "retention.ms=86400000"],
        ]);
        const list = await run(tools.topics, ["--list"]);
        assert.ok(lines(list).includes(topic), show(list, broker));
        const described = await run(tools.topics, ["--describe", "--topic", topic]);
        const out = lines(described);
        assert.match(
          out.find((l) => l.startsWith(`Topic: ${topic}\t`)) ?? "",
          new RegExp(
            `PartitionCount: ${PARTITIONS}\\tReplicationFactor: 1\\tConfigs: .*retention\\.ms=86400000`,
          ),
          show(described, broker),
        );
        const rows = out.filter((l) => l.trim().startsWith(`Topic: ${topic}\tPartition:`));
        assert.equal(rows.length, PARTITIONS, show(described, broker));
        // The Admin client describes topics with DescribeTopicPartitions (KIP-966) when the
        // broker lists it: only that answer has ELR lists, printed empty here (after a Metadata
        // fallback the tool prints "Elr: N/A").
        for (const row of rows) {
          assert.match(row, /\tElr: \tLastKnownElr: $/, show(described, broker));
        }
        // One partition per answer: the client follows each answer's cursor to the last one.
        const paged = await run(tools.topics, [
          ...["--describe", "--topic", topic, "--partition-size-limit-per-response", "1"],
        ]);
        const pagedRows = lines(paged).filter((l) =>
          l.trim().startsWith(`Topic: ${topic}\tPartition:`)
        );
        assert.deepEqual(pagedRows, rows, show(paged, broker));
      });

      await t.step("kafka-configs: alter a topic config, describe topic and broker", async () => {
        await run(tools.configs, [
          ...["--alter", "--entity-type", "topics", "--entity-name", topic],
          ...["--add-config", "max.message.bytes=200000"],
        ]);
        const r = await run(tools.configs, [
          ...["--describe", "--entity-type", "topics", "--entity-name", topic],
        ]);
        const out = lines(r).join("\n");
        assert.match(out, /max\.message\.bytes=200000 sensitive=false/, show(r, broker));
        assert.match(out, /retention\.ms=86400000 sensitive=false/, show(r, broker));
        const all = await run(tools.configs, [
          ...["--describe", "--all", "--entity-type", "brokers", "--entity-name", "1"],
        ]);
        const broker1 = lines(all).join("\n");
        assert.match(broker1, /^ {2}log\.segment\.bytes=1073741824 /m, show(all, broker));
        // The ms key is unset; the 7 days are its hours fallback's default, shown by both targets.
        assert.match(
          broker1,
          /^ {2}log\.retention\.hours=168 sensitive=false synonyms=\{DEFAULT_CONFIG:log\.retention\.hours=168\}$/m,
          show(all, broker),
        );
        assert.match(broker1, /^ {2}log\.retention\.ms=null sensitive=false synonyms=\{\}$/m);
      });

      await t.step("kafka-configs: no client quotas and no SCRAM users", async () => {
        for (const type of ["clients", "users"]) {
          const r = await run(tools.configs, ["--describe", "--entity-type", type]);
          assert.deepEqual(lines(r), [], show(r, broker));
        }
      });

      await t.step("kafka-configs: broker log levels change at run time", async () => {
        const loggers = ["--entity-type", "broker-loggers", "--entity-name", "1"];
        const level = async () => {
          const r = await run(tools.configs, ["--describe", ...loggers]);
          return /^ {2}root=(\w+) sensitive=false/m.exec(lines(r).join("\n"))?.[1] ??
            show(r, broker);
        };
        const before = await level(); // the broker's configured level (Chronik: --log-level)
        for (const next of ["WARN", "ERROR", before]) {
          await run(tools.configs, ["--alter", ...loggers, "--add-config", `root=${next}`]);
          assert.equal(await level(), next);
        }
      });

      await t.step(`kafka-producer-perf-test: ${RECORDS} idempotent records`, async () => {
        const r = await tool(tools.perf, [
          ...["--topic", topic, "--num-records", String(RECORDS), "--record-size", "100"],
          ...["--throughput", "-1", "--command-property", `bootstrap.servers=${broker.bootstrap}`],
        ]);
        assert.ok(r.success, show(r, broker));
        assert.match(lines(r).join("\n"), new RegExp(`^${RECORDS} records sent`, "m"));
      });

      const endOffsets = new Map<number, number>();
      await t.step("kafka-get-offsets: the end offsets add up to the records sent", async () => {
        const r = await run(tools.offsets, ["--topic", topic]);
        for (const l of lines(r)) {
          const [name, partition, offset] = l.split(":");
          if (name === topic) endOffsets.set(Number(partition), Number(offset));
        }
        assert.equal(endOffsets.size, PARTITIONS, show(r, broker));
        assert.equal([...endOffsets.values()].reduce((a, b) => a + b, 0), RECORDS);
      });

      const target = [...endOffsets.entries()].find(([, end]) => end >= DELETE_BEFORE)?.[0] ?? 0;
      await t.step("kafka-delete-records moves the log start offset", async () => {
        const file = await Deno.makeTempFile({ suffix: ".json" });
        try {
          await Deno.writeTextFile(
            file,
            JSON.stringify({
              version: 1,
              partitions: [{ topic, partition: target, offset: DELETE_BEFORE }],
            }),
          );
          const r = await run(tools.deleteRecords, ["--offset-json-file", file]);
          assert.match(
            lines(r).join("\n"),
            new RegExp(`partition: ${topic}-${target}\\tlow_watermark: ${DELETE_BEFORE}`),
            show(r, broker),
          );
        } finally {
          await Deno.remove(file);
        }
        const earliest = await run(tools.offsets, [
          ...["--topic", topic, "--partitions", String(target), "--time", "-2"],
        ]);
        assert.deepEqual(lines(earliest), [`${topic}:${target}:${DELETE_BEFORE}`]);
      });

      await t.step("kafka-log-dirs: one log dir with every partition and its size", async () => {
        const r = await run(tools.logDirs, ["--describe", "--topic-list", topic]);
        const json = lines(r).find((l) => l.startsWith("{"));
        assert.ok(json !== undefined, show(r, broker));
        const answer = JSON.parse(json) as {
          brokers: {
            logDirs: { error: string | null; partitions: { partition: string; size: number }[] }[];
          }[];
        };
        const dirs = answer.brokers.flatMap((b) => b.logDirs);
        assert.equal(dirs.length, 1, json);
        assert.equal(dirs[0]!.error, null, json);
        const sizes = new Map(dirs[0]!.partitions.map((p) => [p.partition, p.size]));
        assert.equal(sizes.size, PARTITIONS, json);
        for (const [partition, end] of endOffsets) {
          const size = sizes.get(`${topic}-${partition}`);
          assert.ok(size !== undefined && (end === 0 ? size === 0 : size > 100 * end), json);
        }
      });

      await t.step(
        "kafka-transactions describe-producers shows the idempotent producer",
        async () => {
          const r = await run(tools.transactions, [
            ...["describe-producers", "--topic", topic, "--partition", String(target)],
          ]);
          const out = lines(r);
          assert.match(
            out[0] ?? "",
            /^ProducerId\s+ProducerEpoch\s+LatestCoordinatorEpoch\s+LastSequence\s+LastTimestamp\s+CurrentTransactionStartOffset/,
            show(r, broker),
          );
          assert.equal(out.length, 2, show(r, broker));
          const cols = out[1]!.trim().split(/\s+/);
          assert.deepEqual(
            { epoch: cols[1], coordinatorEpoch: cols[2], last: cols[3], txn: cols[5] },
            {
              epoch: "0",
              coordinatorEpoch: "-1",
              last: String(endOffsets.get(target)! - 1),
              txn: "None",
            },
            show(r, broker),
          );
        },
      );

      await t.step("kafka-transactions list: none", async () => {
        const r = await run(tools.transactions, ["list"]);
        assert.deepEqual(
          lines(r).map((l) => l.trim().split(/\s+/)),
          [["TransactionalId", "Coordinator", "ProducerId", "TransactionState"]],
          show(r, broker),
        );
      });

      await t.step("kafka-acls --list: no authorizer (SECURITY_DISABLED)", async () => {
        const r = await run(tools.acls, ["--list"], false);
        assert.equal(r.code, 1, show(r, broker));
        assert.match(
          lines(r).join("\n"),
          /SecurityDisabledException: No Authorizer is configured/,
          show(r, broker),
        );
      });

      await t.step("kafka-reassign-partitions --list: none in progress", async () => {
        const r = await run(tools.reassign, ["--list"]);
        assert.deepEqual(lines(r), ["No partition reassignments found."], show(r, broker));
      });

      await t.step("kafka-leader-election: the preferred leader already leads", async () => {
        const r = await run(tools.elect, [
          ...["--election-type", "preferred", "--topic", topic, "--partition", "0"],
        ]);
        assert.deepEqual(
          lines(r),
          [`Valid replica already elected for partitions ${topic}-0`],
          show(r, broker),
        );
        const all = await run(tools.elect, [
          ...["--election-type", "preferred", "--all-topic-partitions"],
        ]);
        assert.deepEqual(lines(all), [], show(all, broker));
      });

      await t.step("kafka-client-metrics --list: no client-metrics resources", async () => {
        const r = await run(tools.clientMetrics, ["--list"]);
        assert.deepEqual(lines(r), [], show(r, broker));
      });

      await t.step("kafka-cluster cluster-id and kafka-broker-api-versions", async () => {
        const id = await tool(tools.cluster, ["cluster-id", ...bootstrap]);
        assert.ok(id.success, show(id, broker));
        assert.match(lines(id).join("\n"), /^Cluster ID: \S+$/m, show(id, broker));
        const versions = await run(tools.apiVersions, []);
        const out = lines(versions).join("\n");
        for (const api of ["Produce(0)", "Fetch(1)", "DescribeAcls(29)", "DescribeProducers(61)"]) {
          assert.match(
            out,
            new RegExp(`${api.replace(/[()]/g, "\\$&")}: \\d+( to \\d+)? \\[usable: \\d+\\]`),
            show(versions, broker),
          );
        }
      });
    } finally {
      await broker.stop();
    }
  },
});
