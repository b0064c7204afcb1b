/**
 * DescribeLogDirs as a Kafka broker with one log directory answers it (KafkaApis
 * handleDescribeLogDirsRequest, ReplicaManager.describeLogDirs): one result naming the data
 * directory by its absolute path; `topics: null` lists every partition here, internal ones too;
 * named topics and partitions that are not here are left out; a partition's size is its log's
 * bytes; v4 adds the volume's total and usable bytes (KIP-827), -1 when unknown; v5 says the
 * directory is not cordoned.
 */
import assert from "node:assert/strict";
import { statfs } from "node:fs/promises";
import { relative } from "node:path";
import type { HandlerRequest } from "../../../src/kafka/handlers/context.ts";
import { type BrokerContext, HANDLERS } from "../../../src/kafka/handlers/mod.ts";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { buildBatch } from "../../../src/kafka/records/mod.ts";
import {
  type Any,
  createdTopic,
  type Harness,
  offsetsTopicCreated,
  producedBatch,
  withBroker,
} from "./_harness.ts";

const enc = new TextEncoder();

type Topics = { topic: string; partitions: number[] }[] | null;

async function describeLogDirs(h: Harness, version: number, topics: Topics): Promise<Any> {
  return await h.call(ApiKey.DescribeLogDirs, version, { topics });
}

/**
 * The one log dir's topics as `name → [partition, size]` pairs, in answer order. Every partition
 * must have offset lag 0 and no future log, as Kafka reports a current log.
 */
function sizes(res: Any): [string, [number, bigint][]][] {
  assert.equal(res.results.length, 1);
  return res.results[0].topics.map((t: Any) => [
    t.name,
    t.partitions.map((p: Any) => {
      assert.deepEqual([p.offsetLag, p.isFutureKey], [0n, false], `${t.name}-${p.partitionIndex}`);
      return [p.partitionIndex, p.partitionSize];
    }),
  ]);
}

function batchOf(values: string[]): Uint8Array {
  return buildBatch(
    values.map((v) => ({ key: null, value: enc.encode(v), timestampMs: 1000 })),
    { producerId: -1n, producerEpoch: -1, baseSequence: -1 },
  );
}

Deno.test("DescribeLogDirs with null topics lists every partition here, the offsets topic too", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "b", 2);
    await createdTopic(h, "a");
    // FindCoordinator creates the internal offsets topic, which Kafka lists like any other.
    await offsetsTopicCreated(h);

    const res = await describeLogDirs(h, 4, null);
    assert.equal(res.throttleTimeMs, 0);
    assert.equal(res.errorCode, ErrorCode.NONE);
    assert.equal(res.results.length, 1);
    const dir = res.results[0];
    assert.equal(dir.errorCode, ErrorCode.NONE);
    assert.equal(dir.logDir, h.dir);
    assert.deepEqual(
      dir.topics.map((t: Any) => [t.name, t.partitions.map((p: Any) => p.partitionIndex)]),
      [["__consumer_offsets", [0, 1]], ["a", [0]], ["b", [0, 1]]],
    );
    // sizes() also checks every partition's offset lag (0) and future flag (false).
    for (const [name, partitions] of sizes(res)) {
      if (name === "__consumer_offsets") continue;
      for (const [index, size] of partitions) assert.equal(size, 0n, `${name}-${index}`);
    }
  }, { "offsets.topic.num.partitions": "2" });
});

Deno.test("DescribeLogDirs leaves out named topics and partitions that are not here", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "a", 2);
    await createdTopic(h, "b");
    // Kafka asks for the set of (topic, partition) pairs named: a topic named twice asks for
    // both lists, and a topic none of whose named partitions is here is not listed at all.
    const named = await describeLogDirs(h, 4, [
      { topic: "a", partitions: [0, 7] },
      { topic: "missing", partitions: [0] },
      { topic: "b", partitions: [3] },
      { topic: "a", partitions: [1, 1] },
    ]);
    assert.equal(named.errorCode, ErrorCode.NONE);
    assert.equal(named.results[0].errorCode, ErrorCode.NONE);
    assert.deepEqual(sizes(named), [["a", [[0, 0n], [1, 0n]]]]);

    const onlyB = await describeLogDirs(h, 4, [{ topic: "b", partitions: [0] }]);
    assert.deepEqual(sizes(onlyB), [["b", [[0, 0n]]]]);

    // Nothing named, or no partition named: still the log dir, with no topics.
    for (const topics of [[], [{ topic: "a", partitions: [] }]]) {
      const res = await describeLogDirs(h, 4, topics);
      assert.equal(res.results[0].logDir, h.dir, JSON.stringify(topics));
      assert.deepEqual(sizes(res), [], JSON.stringify(topics));
    }
  });
});

Deno.test("DescribeLogDirs reports a partition's log bytes, growing with each produce", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t", 2);
    const all = async () =>
      sizes(await describeLogDirs(h, 4, [{ topic: "t", partitions: [0, 1] }]));
    assert.deepEqual(await all(), [["t", [[0, 0n], [1, 0n]]]]);

    // The log keeps each batch as produced, so a partition grows by exactly the batch's bytes.
    const first = batchOf(["one", "two"]);
    await producedBatch(h, "t", first);
    assert.deepEqual(await all(), [["t", [[0, BigInt(first.length)], [1, 0n]]]]);

    const second = batchOf(["three".repeat(100)]);
    await producedBatch(h, "t", second);
    const grown = BigInt(first.length + second.length);
    assert.deepEqual(await all(), [["t", [[0, grown], [1, 0n]]]]);
  });
});

Deno.test("DescribeLogDirs v1-v5 answer the same partitions; v4 adds the volume's sizes", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    const records = batchOf(["x"]);
    await producedBatch(h, "t", records);
    const expected = [["t", [[0, BigInt(records.length)]]]];

    const volume = await statfs(h.dir, { bigint: true });
    const unit = (volume as { frsize?: bigint }).frsize ?? volume.bsize;
    for (const version of [1, 2, 3, 4, 5]) {
      const res = await describeLogDirs(h, version, [{ topic: "t", partitions: [0] }]);
      const label = `v${version}`;
      assert.equal(res.errorCode, ErrorCode.NONE, label);
      assert.equal(res.results[0].errorCode, ErrorCode.NONE, label);
      assert.equal(res.results[0].logDir, h.dir, label);
      assert.deepEqual(sizes(res), expected, label);
      const { totalBytes, usableBytes } = res.results[0];
      if (version < 4) {
        // Not on the wire before v4: the decoder fills in Kafka's default.
        assert.deepEqual([totalBytes, usableBytes], [-1n, -1n], label);
      } else {
        // The tests run with every permission, statfs included: the data dir's volume.
        assert.equal(totalBytes, volume.blocks * unit, label);
        assert.ok(usableBytes > 0n && usableBytes <= totalBytes, `${label}: ${usableBytes}`);
      }
      // On the wire from v5 (Kafka 4.3); earlier the decoder fills in Kafka's default, false.
      assert.equal(res.results[0].isCordoned, false, label);
    }
  });
});

Deno.test("DescribeLogDirs names a relative data dir by its absolute path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chronik-log-dirs-" });
  try {
    await withBroker(async (h) => {
      const res = await describeLogDirs(h, 4, null);
      assert.equal(res.results[0].logDir, dir);
    }, { "data.dir": relative(Deno.cwd(), dir) });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DescribeLogDirs answers -1 for the volume's sizes when they are unknown", async () => {
  // Without --allow-sys=statfs the node cannot tell; Kafka's defaults mean "unknown".
  let asked = 0;
  const broker = {
    partitions: { all: () => [] },
    logDir: { path: "/var/lib/chronik", space: () => (asked++, Promise.resolve(null)) },
  } as unknown as BrokerContext;
  const describe = async (version: number): Promise<Any> => {
    const request = { version, body: { topics: null } } as unknown as HandlerRequest<never>;
    return await HANDLERS.get(ApiKey.DescribeLogDirs)!(broker, request);
  };
  assert.deepEqual((await describe(4)).results, [{
    errorCode: ErrorCode.NONE,
    logDir: "/var/lib/chronik",
    topics: [],
    totalBytes: -1n,
    usableBytes: -1n,
    isCordoned: false,
  }]);
  assert.equal(asked, 1);
  // Versions without the sizes do not ask the volume at all.
  for (const version of [1, 2, 3]) await describe(version);
  assert.equal(asked, 1);
});
