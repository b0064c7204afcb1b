/**
 * DescribeTopicPartitions (KIP-966) answers what an Apache Kafka 4.3.1 broker answers (each case
 * checked against a running one): topics in name order from the cursor on, at most the asked
 * number of partitions per answer (clamped to [1, 2000]), a next cursor where the limit stopped,
 * missing named topics answered with an error, and the whole request refused for a bad cursor.
 */
import assert from "node:assert/strict";
import type { HandlerRequest } from "../../../src/kafka/handlers/context.ts";
import { type BrokerContext, HANDLERS } from "../../../src/kafka/handlers/mod.ts";
import { TOPIC_OPERATIONS_ALL } from "../../../src/kafka/handlers/_util.ts";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { ZERO_UUID } from "../../../src/kafka/protocol/uuid.ts";
import {
  type Any,
  createdTopic,
  type Harness,
  nodeIdOf,
  offsetsTopicCreated,
  withBroker,
} from "./_harness.ts";

type Cursor = { topicName: string; partitionIndex: number } | null;

async function describe(
  h: Harness,
  topics: string[],
  limit = 2000,
  cursor: Cursor = null,
): Promise<Any> {
  return await h.call(ApiKey.DescribeTopicPartitions, 0, {
    topics: topics.map((name) => ({ name })),
    responsePartitionLimit: limit,
    cursor,
  });
}

/** Each answered topic as `name:first-last` of its partitions (`name:-` for none), then the cursor. */
function shape(res: Any): string[] {
  const topics = res.topics.map((t: Any) => {
    const indexes = t.partitions.map((p: Any) => p.partitionIndex);
    return `${t.name}:${indexes.length === 0 ? "-" : `${indexes[0]}-${indexes.at(-1)}`}`;
  });
  const next = res.nextCursor;
  return [...topics, next === null ? "end" : `next ${next.topicName}:${next.partitionIndex}`];
}

/** Topics whose names sort differently by code unit than by locale: Z < _ < a. */
async function someTopics(h: Harness): Promise<void> {
  await createdTopic(h, "beta", 3);
  await createdTopic(h, "alpha", 2);
  await createdTopic(h, "Zeta", 1);
  await createdTopic(h, "gamma", 5);
}

Deno.test("DescribeTopicPartitions with no topic list describes every topic, in code-unit order", async () => {
  await withBroker(async (h) => {
    await someTopics(h);
    await offsetsTopicCreated(h);
    const nodeId = await nodeIdOf(h);
    const res = await describe(h, []);
    assert.deepEqual(
      res.topics.map((t: Any) => [t.name, t.isInternal, t.partitions.length]),
      [
        ["Zeta", false, 1],
        ["__consumer_offsets", true, 10],
        ["alpha", false, 2],
        ["beta", false, 3],
        ["gamma", false, 5],
      ],
    );
    assert.equal(res.nextCursor, null);
    // Each partition as Metadata describes it, with empty (not null) ELR lists, and no partition
    // error; all operations allowed (no authorizer).
    const metadata: Any = await h.call(ApiKey.Metadata, 12, {
      topics: [{ name: "beta", topicId: ZERO_UUID }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const beta = res.topics.find((t: Any) => t.name === "beta");
    assert.equal(beta.errorCode, ErrorCode.NONE);
    assert.equal(beta.topicId, metadata.topics[0].topicId);
    assert.notEqual(beta.topicId, ZERO_UUID);
    assert.equal(beta.topicAuthorizedOperations, TOPIC_OPERATIONS_ALL);
    assert.deepEqual(
      beta.partitions,
      [0, 1, 2].map((partitionIndex) => ({
        errorCode: ErrorCode.NONE,
        partitionIndex,
        leaderId: nodeId,
        leaderEpoch: metadata.topics[0].partitions[partitionIndex].leaderEpoch,
        replicaNodes: [nodeId],
        isrNodes: [nodeId],
        eligibleLeaderReplicas: [],
        lastKnownElr: [],
        offlineReplicas: [],
      })),
    );
  });
});

Deno.test("DescribeTopicPartitions answers named topics once each, sorted, missing ones with an error", async () => {
  await withBroker(async (h) => {
    await someTopics(h);
    const res = await describe(h, [
      "gamma",
      "missing",
      "alpha",
      "bad name",
      "alpha",
      "__transaction_state",
      "Zeta",
    ]);
    assert.deepEqual(
      res.topics.map((t: Any) => [t.name, t.errorCode, t.partitions.length, t.isInternal]),
      [
        ["Zeta", ErrorCode.NONE, 1, false],
        ["__transaction_state", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0, true],
        ["alpha", ErrorCode.NONE, 2, false],
        ["bad name", ErrorCode.INVALID_TOPIC_EXCEPTION, 0, false],
        ["gamma", ErrorCode.NONE, 5, false],
        ["missing", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0, false],
      ],
    );
    // A missing topic has no id, yet its operations are filled in like a real one's.
    const missing = res.topics.find((t: Any) => t.name === "missing");
    assert.deepEqual(
      [missing.topicId, missing.topicAuthorizedOperations],
      [ZERO_UUID, TOPIC_OPERATIONS_ALL],
    );
  });
});

Deno.test("DescribeTopicPartitions stops at the partition limit and names where to go on", async () => {
  await withBroker(async (h) => {
    await someTopics(h);
    // Zeta 1, alpha 2, beta 3, gamma 5.
    assert.deepEqual(shape(await describe(h, [], 4)), [
      "Zeta:0-0",
      "alpha:0-1",
      "beta:0-0",
      "next beta:1",
    ]);
    // The limit used up exactly at a topic's end: the cursor names the next topic, from 0, even
    // a named one that does not exist.
    assert.deepEqual(shape(await describe(h, [], 3)), ["Zeta:0-0", "alpha:0-1", "next beta:0"]);
    assert.deepEqual(shape(await describe(h, ["alpha", "nope"], 2)), ["alpha:0-1", "next nope:0"]);
    // Nothing after the limit: no cursor. Zero or a negative limit is 1.
    assert.deepEqual(shape(await describe(h, ["gamma"], 5)), ["gamma:0-4", "end"]);
    for (const limit of [0, -5, 1]) {
      assert.deepEqual(
        shape(await describe(h, [], limit)),
        ["Zeta:0-0", "next alpha:0"],
        `${limit}`,
      );
    }
  });
});

Deno.test("DescribeTopicPartitions starts at the cursor's topic and partition", async () => {
  await withBroker(async (h) => {
    await someTopics(h);
    const from = (topicName: string, partitionIndex: number): Cursor => ({
      topicName,
      partitionIndex,
    });
    assert.deepEqual(shape(await describe(h, [], 5, from("beta", 1))), [
      "beta:1-2",
      "gamma:0-2",
      "next gamma:3",
    ]);
    // Named topics before the cursor's are left out.
    assert.deepEqual(shape(await describe(h, ["alpha", "gamma"], 9, from("gamma", 4))), [
      "gamma:4-4",
      "end",
    ]);
    // With no topic list the cursor's topic need not exist: the topics after its name follow.
    assert.deepEqual(shape(await describe(h, [], 4, from("b", 7))), [
      "beta:0-2",
      "gamma:0-0",
      "next gamma:1",
    ]);
    assert.deepEqual(shape(await describe(h, [], 4, from("zz", 0))), ["end"]);
    // A partition past the topic's end: the topic with none, and on to the next.
    assert.deepEqual(shape(await describe(h, [], 10, from("beta", 9))), [
      "beta:-",
      "gamma:0-4",
      "end",
    ]);
    // Kafka adds the limit to the start partition in 32 bits: near 2^31 the sum wraps, leaving
    // no partitions and a negative cursor (that the next request is refused for).
    assert.deepEqual(shape(await describe(h, [], 10, from("beta", 2 ** 31 - 1))), [
      "beta:-",
      "next beta:-2147483639",
    ]);
  });
});

Deno.test("DescribeTopicPartitions: following the cursors visits every partition once, whatever the limit", async () => {
  await withBroker(async (h) => {
    await someTopics(h);
    const all = (res: Any) =>
      res.topics.flatMap((t: Any) => t.partitions.map((p: Any) => `${t.name}-${p.partitionIndex}`));
    for (const topics of [[], ["gamma", "Zeta", "beta", "missing"]]) {
      const whole = all(await describe(h, topics));
      for (let limit = 1; limit <= 12; limit++) {
        const seen: string[] = [];
        let cursor: Cursor = null;
        for (let pages = 0; pages < 12; pages++) {
          const res = await describe(h, topics, limit, cursor);
          seen.push(...all(res));
          assert.ok(all(res).length <= limit, `limit ${limit}: ${shape(res)}`);
          cursor = res.nextCursor;
          if (cursor === null) break;
        }
        assert.deepEqual(seen, whole, `${topics} limit ${limit}`);
      }
    }
  });
});

Deno.test("DescribeTopicPartitions refuses the whole request for a bad cursor", async () => {
  await withBroker(async (h) => {
    await someTopics(h);
    const refused = (res: Any, errorCode: number) =>
      res.topics.map((t: Any) => {
        assert.deepEqual(
          [t.topicId, t.isInternal, t.partitions, t.topicAuthorizedOperations, res.nextCursor],
          [ZERO_UUID, false, [], -2147483648, null],
        );
        assert.equal(t.errorCode, errorCode);
        return t.name;
      });
    // A cursor naming a topic the list lacks: each topic as asked, repeats included.
    const outside = await describe(h, ["beta", "alpha", "beta"], 10, {
      topicName: "aaa",
      partitionIndex: 0,
    });
    assert.deepEqual(refused(outside, ErrorCode.INVALID_REQUEST), ["beta", "alpha", "beta"]);
    const negative = { topicName: "alpha", partitionIndex: -1 };
    assert.deepEqual(
      refused(await describe(h, ["alpha"], 10, negative), ErrorCode.INVALID_REQUEST),
      [
        "alpha",
      ],
    );
    // With no topic list the refusal lists nothing.
    assert.deepEqual(shape(await describe(h, [], 10, negative)), ["end"]);
  });
});

Deno.test("DescribeTopicPartitions: an empty name is refused without a cursor, invalid with one", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "alpha", 1);
    // Kafka looks up the cursor's partition for the topic named "" and fails on the null cursor.
    const bare = await describe(h, ["alpha", ""]);
    assert.deepEqual(
      bare.topics.map((t: Any) => [t.name, t.errorCode, t.topicAuthorizedOperations]),
      [["alpha", ErrorCode.UNKNOWN_SERVER_ERROR, -2147483648], [
        "",
        ErrorCode.UNKNOWN_SERVER_ERROR,
        -2147483648,
      ]],
    );
    const cursor = { topicName: "", partitionIndex: 0 };
    const withCursor = await describe(h, ["alpha", ""], 10, cursor);
    assert.deepEqual(withCursor.topics.map((t: Any) => [t.name, t.errorCode]), [
      ["", ErrorCode.INVALID_TOPIC_EXCEPTION],
      ["alpha", ErrorCode.NONE],
    ]);
  });
});

/** Tables holding `topics` (name → partition count) and no leader for any partition. */
function leaderless(topics: Record<string, number>): BrokerContext {
  const records = new Map(
    Object.entries(topics).map(([name, count]) => [name, {
      name,
      topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
      partitions: Array.from({ length: count }, () => ({ replicas: [1] })),
      configs: {},
    }]),
  );
  return {
    meta: {
      tables: { topic: (name: string) => records.get(name), topics: () => records.values() },
    },
    partitions: { leadership: () => undefined },
    settings: { maxRequestPartitionSizeLimit: 2000 },
  } as unknown as BrokerContext;
}

async function direct(broker: BrokerContext, body: unknown): Promise<Any> {
  const request = { version: 0, body } as unknown as HandlerRequest<never>;
  return await HANDLERS.get(ApiKey.DescribeTopicPartitions)!(broker, request);
}

Deno.test("DescribeTopicPartitions holds at most 2000 partitions, whatever the client asks", async () => {
  const broker = leaderless({ wide: 2001, zeta: 1 });
  for (const limit of [2000, 100_000, 2 ** 31 - 1]) {
    const res = await direct(broker, { topics: [], responsePartitionLimit: limit, cursor: null });
    assert.deepEqual(shape(res), ["wide:0-1999", "next wide:2000"], `${limit}`);
  }
  const cursor = { topicName: "wide", partitionIndex: 1 };
  const res = await direct(broker, { topics: [], responsePartitionLimit: 5000, cursor });
  assert.deepEqual(shape(res), ["wide:1-2000", "next zeta:0"]);
});

Deno.test("DescribeTopicPartitions: max.request.partition.size.limit sets the most per answer", async () => {
  await withBroker(async (h) => {
    await someTopics(h);
    assert.deepEqual(shape(await describe(h, [], 2000)), [
      "Zeta:0-0",
      "alpha:0-0",
      "next alpha:1",
    ]);
    assert.deepEqual(shape(await describe(h, [], 1, { topicName: "gamma", partitionIndex: 3 })), [
      "gamma:3-3",
      "next gamma:4",
    ]);
  }, { "max.request.partition.size.limit": "2" });
});

Deno.test("DescribeTopicPartitions: a partition without a known leader has leader -1 and no error", async () => {
  const res = await direct(leaderless({ t: 1 }), {
    topics: [{ name: "t" }],
    responsePartitionLimit: 10,
    cursor: null,
  });
  const [p] = res.topics[0].partitions;
  assert.deepEqual(
    [p.errorCode, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes],
    [ErrorCode.NONE, -1, -1, [1], []],
  );
});

Deno.test("ApiVersions lists DescribeTopicPartitions v0", async () => {
  await withBroker(async (h) => {
    const res: Any = await h.call(ApiKey.ApiVersions, 3, {
      clientSoftwareName: "test",
      clientSoftwareVersion: "1",
    });
    const entry = res.apiKeys.find((k: Any) => k.apiKey === ApiKey.DescribeTopicPartitions);
    assert.deepEqual([entry?.minVersion, entry?.maxVersion], [0, 0]);
  });
});
