/**
 * Metadata answers what a KRaft Kafka broker answers for topics it cannot describe: an empty name
 * is an invalid name (never a lookup by id), v10-v11 refuse ids and null names for the whole
 * request, an error entry still carries the named topic's internal flag and operations, and each
 * topic is answered once (by id alone when any id is given).
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { ZERO_UUID } from "../../../src/kafka/protocol/uuid.ts";
import { TOPIC_OPERATIONS_ALL } from "../../../src/kafka/handlers/_util.ts";
import { type Any, type Harness, withBroker } from "./_harness.ts";

const SOME_ID = "AAAAAAAAAAAAAAAAAAAAAQ";

async function metadata(
  h: Harness,
  version: number,
  topics: { name: string | null; topicId?: string }[],
  o: { autoCreate?: boolean; topicOps?: boolean } = {},
): Promise<Any[]> {
  const res: Any = await h.call(ApiKey.Metadata, version, {
    topics: topics.map((t) => ({ name: t.name, topicId: t.topicId ?? ZERO_UUID })),
    allowAutoTopicCreation: o.autoCreate ?? false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: o.topicOps ?? false,
  });
  return res.topics;
}

Deno.test("Metadata: an empty topic name is INVALID_TOPIC_EXCEPTION at every version", async () => {
  await withBroker(async (h) => {
    // Before, v0-v11 could not encode the by-id answer's null name and closed the connection.
    for (const version of [0, 1, 4, 9, 11, 12, 13]) {
      const [t] = await metadata(h, version, [{ name: "" }], { autoCreate: true });
      assert.deepEqual(
        [t.errorCode, t.name],
        [ErrorCode.INVALID_TOPIC_EXCEPTION, ""],
        `v${version}`,
      );
    }
  });
});

Deno.test("Metadata v10-v11: a null name or a topic id refuses the whole request", async () => {
  await withBroker(async (h) => {
    for (const version of [10, 11]) {
      for (const odd of [{ name: null }, { name: "b", topicId: SOME_ID }]) {
        const topics = await metadata(h, version, [{ name: "a" }, odd]);
        assert.deepEqual(
          topics.map((t) => [t.errorCode, t.name, t.topicId]),
          [
            [ErrorCode.INVALID_REQUEST, "a", ZERO_UUID],
            [ErrorCode.INVALID_REQUEST, odd.name ?? "", odd.topicId ?? ZERO_UUID],
          ],
          `v${version} ${JSON.stringify(odd)}`,
        );
      }
    }
  });
});

Deno.test("Metadata v12+: a topic id names the topic, whatever name is beside it", async () => {
  await withBroker(async (h) => {
    const [created] = await metadata(h, 12, [{ name: "known" }], { autoCreate: true });
    assert.equal(created.errorCode, ErrorCode.NONE);
    const [byId] = await metadata(h, 12, [{ name: "other", topicId: created.topicId }]);
    assert.deepEqual([byId.errorCode, byId.name], [ErrorCode.NONE, "known"]);
    const [unknown] = await metadata(h, 12, [{ name: "known", topicId: SOME_ID }]);
    assert.deepEqual([unknown.errorCode, unknown.name], [ErrorCode.UNKNOWN_TOPIC_ID, null]);
  });
});

Deno.test("Metadata: each topic is answered once; given any id, the ids alone count (as Kafka)", async () => {
  await withBroker(async (h) => {
    const [a] = await metadata(h, 12, [{ name: "a" }], { autoCreate: true });
    await metadata(h, 12, [{ name: "b" }], { autoCreate: true });
    const named = await metadata(h, 12, [{ name: "a" }, { name: "b" }, { name: "a" }]);
    assert.deepEqual(named.map((t) => t.name), ["a", "b"]);
    const missing = await metadata(h, 9, [{ name: "m" }, { name: "m" }]);
    assert.deepEqual(missing.map((t) => [t.name, t.errorCode]), [
      ["m", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    // Names beside ids are ignored, also those of no id; an id twice is answered once.
    const mixed = await metadata(h, 12, [
      { name: "b" },
      { name: null, topicId: a.topicId },
      { name: null, topicId: SOME_ID },
      { name: "x", topicId: a.topicId },
    ]);
    assert.deepEqual(mixed.map((t) => [t.name, t.errorCode]), [
      ["a", ErrorCode.NONE],
      [null, ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
  });
});

Deno.test("Metadata: an error entry keeps the topic's internal flag and operations", async () => {
  await withBroker(async (h) => {
    // Kafka's other internal topics: never auto-created, and flagged even when missing.
    for (const name of ["__transaction_state", "__share_group_state"]) {
      const [t] = await metadata(h, 12, [{ name }], { autoCreate: true, topicOps: true });
      assert.deepEqual(
        [t.errorCode, t.isInternal, t.topicAuthorizedOperations],
        [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, true, TOPIC_OPERATIONS_ALL],
        name,
      );
    }
    const [missing] = await metadata(h, 12, [{ name: "missing" }], { topicOps: true });
    assert.deepEqual(
      [missing.errorCode, missing.isInternal, missing.topicAuthorizedOperations],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, false, TOPIC_OPERATIONS_ALL],
    );
  });
});
