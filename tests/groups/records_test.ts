/** The `__consumer_offsets` record encoding round-trips, and refuses what it cannot read. */
import assert from "node:assert/strict";
import {
  decodeRecord,
  encodeKey,
  encodeValue,
  type OffsetsRecord,
  OffsetsRecordError,
} from "../../src/groups/_records.ts";
import { subscribedTopics } from "../../src/groups/mod.ts";

Deno.test("offset, group and tombstone records round-trip", () => {
  const records: OffsetsRecord[] = [
    {
      kind: "offset",
      groupId: "g",
      topic: "t",
      partition: 3,
      value: {
        offset: 2 ** 40,
        leaderEpoch: 7,
        metadata: "m",
        commitTimestampMs: 1_700_000_000_000,
        expireTimestampMs: null,
        topicId: null,
      },
    },
    {
      kind: "offset",
      groupId: "g",
      topic: "t",
      partition: 5,
      value: {
        offset: 9,
        leaderEpoch: -1,
        metadata: "",
        commitTimestampMs: 1_700_000_000_000,
        expireTimestampMs: 1_700_000_060_000,
        topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
      },
    },
    { kind: "offset", groupId: "g", topic: "t", partition: 4, value: null },
    {
      kind: "group",
      groupId: "g",
      value: {
        protocolType: "consumer",
        generationId: 5,
        protocolName: "range",
        leaderId: "m-1",
        stateTimestampMs: 42,
        members: [{
          memberId: "m-1",
          groupInstanceId: "i",
          clientId: "c",
          clientHost: "/h",
          sessionTimeoutMs: 10_000,
          rebalanceTimeoutMs: 30_000,
          subscription: new Uint8Array([1, 2]),
          assignment: new Uint8Array([3]),
        }],
      },
    },
    { kind: "group", groupId: "g", value: null },
  ];
  for (const r of records) assert.deepEqual(decodeRecord(encodeKey(r), encodeValue(r)), r);
  const future = encodeValue(records[0]!)!;
  future[1] = 9; // value version 9
  assert.throws(() => decodeRecord(encodeKey(records[0]!), future), OffsetsRecordError);
  assert.throws(() => decodeRecord(new Uint8Array([0, 7]), null), OffsetsRecordError);
});

Deno.test("offset values written before v1 still load: no expire time, no topic id", () => {
  // v0: version 0 · offset 42 · leader epoch 3 · metadata "m" · commit time 1,000.
  const v0 = new Uint8Array([
    0,
    0, // version
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    42, // offset
    0,
    0,
    0,
    3, // leader epoch
    0,
    1,
    109, // metadata "m"
    0,
    0,
    0,
    0,
    0,
    0,
    3,
    232, // commit timestamp
  ]);
  const key = encodeKey({ kind: "offset", groupId: "g", topic: "t", partition: 0, value: null });
  assert.deepEqual(decodeRecord(key, v0), {
    kind: "offset",
    groupId: "g",
    topic: "t",
    partition: 0,
    value: {
      offset: 42,
      leaderEpoch: 3,
      metadata: "m",
      commitTimestampMs: 1_000,
      expireTimestampMs: null,
      topicId: null,
    },
  });
});

Deno.test("subscribed topics are read from consumer-protocol metadata", () => {
  const bytes = new Uint8Array([0, 1, 0, 0, 0, 2, 0, 1, 97, 0, 2, 98, 99, 255, 255, 255, 255]);
  assert.deepEqual(subscribedTopics(bytes), ["a", "bc"]);
  assert.equal(subscribedTopics(new Uint8Array([0, 1, 0, 0, 0, 9])), null);
});
