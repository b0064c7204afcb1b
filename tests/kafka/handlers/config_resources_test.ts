/**
 * ListConfigResources (KIP-1142; v0 was ListClientMetricsResources, KIP-714) as Kafka 4.1's broker
 * answers it (KafkaApis.handleListConfigResources): v0 lists client-metrics resources; v1 lists
 * the types asked for (all five Kafka knows when none is named) in Kafka's order — groups with
 * configs, client metrics, broker loggers, brokers, topics — and any other type is
 * UNSUPPORTED_VERSION with nothing listed. Chronik has no client-metrics subscriptions and no
 * group configs.
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import {
  type Any,
  createdTopic,
  type Harness,
  nodeIdOf,
  offsetsTopicCreated,
  withBroker,
} from "./_harness.ts";

// Kafka's ConfigResource.Type ids.
const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const CLIENT_METRICS = 16;
const GROUP = 32;

async function listResources(h: Harness, version: number, resourceTypes: number[]): Promise<Any> {
  return await h.call(ApiKey.ListConfigResources, version, { resourceTypes });
}

/** The listed `[type, name]` pairs of a successful answer. */
async function listed(h: Harness, version: number, types: number[]): Promise<[number, string][]> {
  const res = await listResources(h, version, types);
  assert.equal(res.throttleTimeMs, 0);
  assert.equal(res.errorCode, ErrorCode.NONE, `v${version} ${types}`);
  return res.configResources.map((r: Any) => [r.resourceType, r.resourceName]);
}

/** This node's id as a resource name. */
async function nodeId(h: Harness): Promise<string> {
  return String(await nodeIdOf(h));
}

Deno.test("ListConfigResources v0 lists client-metrics resources only: none here", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    assert.deepEqual(await listed(h, 0, []), []);
  }, { "node.id": "3" });
});

Deno.test("ListConfigResources v1 with no types lists broker loggers, brokers, then topics", async () => {
  await withBroker(async (h) => {
    const id = await nodeId(h);
    assert.equal(id, "3");
    assert.deepEqual(await listed(h, 1, []), [[BROKER_LOGGER, id], [BROKER, id]]);

    await createdTopic(h, "b");
    await createdTopic(h, "a", 3);
    await offsetsTopicCreated(h);
    assert.deepEqual(await listed(h, 1, []), [
      [BROKER_LOGGER, id],
      [BROKER, id],
      // By name (Kafka's order within a type is a hash map's).
      [TOPIC, "__consumer_offsets"],
      [TOPIC, "a"],
      [TOPIC, "b"],
    ]);
  }, { "node.id": "3" });
});

Deno.test("ListConfigResources v1 lists only the types asked for, in Kafka's order", async () => {
  await withBroker(async (h) => {
    const id = await nodeId(h);
    await createdTopic(h, "t");
    assert.deepEqual(await listed(h, 1, [TOPIC]), [[TOPIC, "t"]]);
    assert.deepEqual(await listed(h, 1, [BROKER]), [[BROKER, id]]);
    assert.deepEqual(await listed(h, 1, [BROKER_LOGGER]), [[BROKER_LOGGER, id]]);
    assert.deepEqual(await listed(h, 1, [CLIENT_METRICS]), []);
    // Groups with configs of their own: Chronik keeps none (only topic and broker configs).
    assert.deepEqual(await listed(h, 1, [GROUP]), []);
    // The answer's order is Kafka's, whatever the request's; a type named twice is listed once.
    for (const types of [[TOPIC, BROKER], [BROKER, TOPIC], [TOPIC, BROKER, TOPIC]]) {
      assert.deepEqual(await listed(h, 1, types), [[BROKER, id], [TOPIC, "t"]], `${types}`);
    }
    assert.deepEqual(await listed(h, 1, [GROUP, TOPIC, CLIENT_METRICS]), [[TOPIC, "t"]]);
  });
});

Deno.test("ListConfigResources v1 with any type Kafka does not list is UNSUPPORTED_VERSION", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    // 0 UNKNOWN, 1 ANY and 3 GROUP of the older resource-type numbering, 7 USER, -1, 99.
    for (const types of [[0], [1], [3], [7], [-1], [99], [TOPIC, 99], [BROKER, 1, TOPIC]]) {
      const res = await listResources(h, 1, types);
      assert.deepEqual(res, {
        throttleTimeMs: 0,
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        configResources: [],
      }, `${types}`);
    }
  });
});

Deno.test("ListConfigResources lists topics by name, whatever order they were created in", async () => {
  await withBroker(async (h) => {
    for (const name of ["b", "a", "topic-1", "zzz", "Aa", "BB", "x", "orders"]) {
      await createdTopic(h, name);
    }
    await offsetsTopicCreated(h);
    for (const name of ["t10", "t2"]) await createdTopic(h, name);
    const topics = (await listed(h, 1, [TOPIC])).map(([, name]) => name);
    assert.deepEqual(topics, [
      "Aa",
      "BB",
      "__consumer_offsets",
      "a",
      "b",
      "orders",
      "t10",
      "t2",
      "topic-1",
      "x",
      "zzz",
    ]);
  });
});

Deno.test("ListConfigResources no longer lists a deleted topic", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "gone");
    await createdTopic(h, "kept");
    const deleted: Any = await h.call(ApiKey.DeleteTopics, 6, {
      topics: [{ name: "gone", topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
      timeoutMs: 1000,
    });
    assert.equal(deleted.responses[0].errorCode, ErrorCode.NONE);
    assert.deepEqual(await listed(h, 1, [TOPIC]), [[TOPIC, "kept"]]);
  });
});
