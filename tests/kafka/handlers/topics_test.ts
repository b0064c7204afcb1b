/**
 * CreateTopics, DeleteTopics and CreatePartitions answer malformed requests as a KRaft Kafka
 * broker does: a topic named more than once, a DeleteTopics entry with both or neither of name
 * and id, and a CreateTopics entry wrong in more than one way.
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { ZERO_UUID } from "../../../src/kafka/protocol/uuid.ts";
import { type Any, type Harness, withBroker } from "./_harness.ts";

interface NewTopic {
  name: string;
  numPartitions?: number;
  replicationFactor?: number;
  configs?: { name: string; value: string }[];
}

async function createTopics(h: Harness, topics: NewTopic[]): Promise<Any[]> {
  const res: Any = await h.call(ApiKey.CreateTopics, 7, {
    topics: topics.map((t) => ({
      name: t.name,
      numPartitions: t.numPartitions ?? 1,
      replicationFactor: t.replicationFactor ?? 1,
      assignments: [],
      configs: t.configs ?? [],
    })),
    timeoutMs: 1000,
    validateOnly: false,
  });
  return res.topics;
}

async function deleteTopics(
  h: Harness,
  topics: { name: string | null; topicId: string }[],
): Promise<Any[]> {
  const res: Any = await h.call(ApiKey.DeleteTopics, 6, { topics, timeoutMs: 1000 });
  return res.responses;
}

/** The topic as Metadata describes it, or undefined when the broker does not know it. */
async function describe(h: Harness, name: string): Promise<Any | undefined> {
  const md: Any = await h.call(ApiKey.Metadata, 12, {
    topics: [{ topicId: ZERO_UUID, name }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  const topic = md.topics[0];
  return topic.errorCode === ErrorCode.NONE ? topic : undefined;
}

/** Creates topic "kept", which each DeleteTopics case below must leave in place; its id. */
async function createKept(h: Harness): Promise<string> {
  await createTopics(h, [{ name: "kept" }]);
  return (await describe(h, "kept")).topicId;
}

function codes(entries: Any[]): string[] {
  return entries.map((e) => `${e.name}:${e.errorCode}`).sort();
}

Deno.test("DeleteTopics: a name given twice gets one INVALID_REQUEST and is not deleted", async () => {
  await withBroker(async (h) => {
    await createTopics(h, [{ name: "twice" }, { name: "once" }]);
    const v6 = await deleteTopics(h, [
      { name: "twice", topicId: ZERO_UUID },
      { name: "once", topicId: ZERO_UUID },
      { name: "twice", topicId: ZERO_UUID },
    ]);
    assert.deepEqual(codes(v6), [`once:${ErrorCode.NONE}`, `twice:${ErrorCode.INVALID_REQUEST}`]);
    assert.notEqual(await describe(h, "twice"), undefined);
    assert.equal(await describe(h, "once"), undefined);
    // Before v6 topics are plain names; the answer is the same.
    const v5: Any = await h.call(ApiKey.DeleteTopics, 5, {
      topicNames: ["twice", "twice", "twice"],
      timeoutMs: 1000,
    });
    assert.deepEqual(codes(v5.responses), [`twice:${ErrorCode.INVALID_REQUEST}`]);
    assert.notEqual(await describe(h, "twice"), undefined);
  });
});

Deno.test("DeleteTopics v6: an entry with both name and id, or neither, is INVALID_REQUEST", async () => {
  await withBroker(async (h) => {
    const id = await createKept(h);
    const res = await deleteTopics(h, [
      { name: "kept", topicId: id },
      { name: null, topicId: ZERO_UUID },
    ]);
    assert.equal(res.length, 2);
    const both = res.find((r) => r.name === "kept");
    assert.equal(both.topicId, id);
    assert.equal(both.errorCode, ErrorCode.INVALID_REQUEST);
    const neither = res.find((r) => r.name === null);
    assert.equal(neither.topicId, ZERO_UUID);
    assert.equal(neither.errorCode, ErrorCode.INVALID_REQUEST);
    assert.notEqual(await describe(h, "kept"), undefined);
  });
});

Deno.test("DeleteTopics v6: an id given twice gets one INVALID_REQUEST and is not deleted", async () => {
  await withBroker(async (h) => {
    const id = await createKept(h);
    const res = await deleteTopics(h, [
      { name: null, topicId: id },
      { name: null, topicId: id },
    ]);
    assert.deepEqual(res.map((r) => [r.name, r.topicId, r.errorCode]), [
      [null, id, ErrorCode.INVALID_REQUEST],
    ]);
    assert.notEqual(await describe(h, "kept"), undefined);
  });
});

Deno.test("DeleteTopics v6: a name whose topic is also given by id is refused, once", async () => {
  await withBroker(async (h) => {
    const id = await createKept(h);
    const res = await deleteTopics(h, [
      { name: null, topicId: id },
      { name: "kept", topicId: ZERO_UUID },
    ]);
    // Kafka answers the name only; the id entry gets no answer of its own.
    assert.deepEqual(res.map((r) => [r.name, r.topicId, r.errorCode]), [
      ["kept", id, ErrorCode.INVALID_REQUEST],
    ]);
    assert.notEqual(await describe(h, "kept"), undefined);
  });
});

Deno.test("DeleteTopics: an empty name is an unknown topic, not an unknown id", async () => {
  await withBroker(async (h) => {
    const res = await deleteTopics(h, [{ name: "", topicId: ZERO_UUID }]);
    assert.equal(res[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

Deno.test("CreatePartitions: a name given twice gets one INVALID_REQUEST and is not grown", async () => {
  await withBroker(async (h) => {
    await createTopics(h, [{ name: "twice" }, { name: "once" }]);
    const res: Any = await h.call(ApiKey.CreatePartitions, 3, {
      topics: [
        { name: "twice", count: 2, assignments: null },
        { name: "once", count: 2, assignments: null },
        { name: "twice", count: 3, assignments: null },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    assert.deepEqual(codes(res.results), [
      `once:${ErrorCode.NONE}`,
      `twice:${ErrorCode.INVALID_REQUEST}`,
    ]);
    assert.equal((await describe(h, "twice")).partitions.length, 1);
    assert.equal((await describe(h, "once")).partitions.length, 2);
  });
});

Deno.test("CreateTopics: a name given twice gets one INVALID_REQUEST and is not created", async () => {
  await withBroker(async (h) => {
    const res = await createTopics(h, [{ name: "twice" }, { name: "once" }, { name: "twice" }]);
    assert.deepEqual(codes(res), [`once:${ErrorCode.NONE}`, `twice:${ErrorCode.INVALID_REQUEST}`]);
    assert.equal(await describe(h, "twice"), undefined);
  });
});

Deno.test("CreateTopics: segment.bytes below 1 MiB is INVALID_CONFIG, as in Kafka 4", async () => {
  await withBroker(async (h) => {
    const withSegment = (name: string, value: string) => ({
      name,
      configs: [{ name: "segment.bytes", value }],
    });
    const [small] = await createTopics(h, [withSegment("small", String(1024 * 1024 - 1))]);
    assert.equal(small.errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(small.errorMessage, /segment\.bytes/);
    const [least] = await createTopics(h, [withSegment("least", String(1024 * 1024))]);
    assert.equal(least.errorCode, ErrorCode.NONE);
  });
});

Deno.test("CreateTopics reports the first problem in Kafka's order", async (t) => {
  await withBroker(async (h) => {
    const refusal = async (topic: NewTopic) => (await createTopics(h, [topic]))[0].errorCode;
    await t.step("a bad replication factor before a bad partition count", async () => {
      const zeroBoth = { name: "zero", numPartitions: 0, replicationFactor: 0 };
      assert.equal(await refusal(zeroBoth), ErrorCode.INVALID_REPLICATION_FACTOR);
      const negative = { name: "neg", numPartitions: -2, replicationFactor: -2 };
      assert.equal(await refusal(negative), ErrorCode.INVALID_REPLICATION_FACTOR);
    });
    await t.step("a bad count before a factor above the broker count", async () => {
      // Kafka places replicas, which is where too few brokers shows, only for a valid count.
      const tooWide = { name: "wide", numPartitions: 0, replicationFactor: 3 };
      assert.equal(await refusal(tooWide), ErrorCode.INVALID_PARTITIONS);
    });
    await t.step("the name, then configs, before counts and factors", async () => {
      const badName = { name: "bad name", numPartitions: 0, replicationFactor: 0 };
      assert.equal(await refusal(badName), ErrorCode.INVALID_TOPIC_EXCEPTION);
      const configs = [{ name: "retention.ms", value: "soon" }];
      const badConfig = { name: "cfg", numPartitions: 0, replicationFactor: 0, configs };
      assert.equal(await refusal(badConfig), ErrorCode.INVALID_CONFIG);
      assert.equal(
        await refusal({ ...badConfig, name: "bad name" }),
        ErrorCode.INVALID_TOPIC_EXCEPTION,
      );
    });
  });
});
