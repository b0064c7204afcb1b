/**
 * Group request handlers where Kafka's answer depends on the order of its checks or on the
 * request version (KafkaApis and the group coordinator): unknown topics in OffsetCommit, missing
 * groups in LeaveGroup and OffsetCommit, SyncGroup v5 protocol fields, invalid group ids and
 * session timeouts, duplicate names in DeleteGroups, offset metadata size, and topic ids in
 * OffsetCommit v10 and OffsetFetch v10 (each case's expected answer is Kafka 4.3.1's to the same
 * request).
 */
import assert from "node:assert/strict";
import type { HandlerRequest } from "../../../src/kafka/handlers/context.ts";
import { type BrokerContext, HANDLERS } from "../../../src/kafka/handlers/mod.ts";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import {
  type Any,
  commit,
  createTopic,
  deleteTopic,
  eventually,
  type GroupHarness,
  joinBody,
  withGroupBroker,
} from "../../groups/_harness.ts";

/** OffsetCommit of offset 1 with `[topic, partition, metadata]` entries; codes in order. */
function commitRaw(
  h: GroupHarness,
  groupId: string,
  generationId: number,
  memberId: string,
  entries: [string, number, string | null][],
  version = 9,
): Promise<number[]> {
  const offsets = entries.map(([t, p, metadata]) => [t, p, 1, metadata] as const);
  return commit(h, groupId, generationId, memberId, offsets.map((o) => [...o]), version);
}

async function groupIds(h: GroupHarness): Promise<string[]> {
  const res: Any = await h.call(ApiKey.ListGroups, 4, { statesFilter: [] });
  return res.groups.map((g: Any) => g.groupId).sort();
}

Deno.test("OffsetCommit answers unknown topics before the group, and never creates one for them", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 1);
    // Only unknown topics or partitions: Kafka never reaches the coordinator.
    assert.deepEqual(await commitRaw(h, "phantom", -1, "", [["nope", 0, null], ["t", 5, null]]), [
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    assert.deepEqual(await groupIds(h), []);
    // A known partition with a stale member: the group's error for it, the topic's for the rest.
    assert.deepEqual(await commitRaw(h, "g", -1, "", [["t", 0, null]]), [ErrorCode.NONE]);
    assert.deepEqual(
      await commitRaw(h, "g", 1, "ghost", [["nope", 0, null], ["t", 0, "x".repeat(5000)]]),
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_MEMBER_ID],
    );
    assert.deepEqual(await groupIds(h), ["g"]);
  });
});

Deno.test("a generation -1 OffsetCommit that writes nothing leaves no group; one with a member id is accepted, as Kafka's", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 2);
    // Kafka's ClassicGroup.validateOffsetCommit lets generation -1 commit to an Empty (or new)
    // group before looking at the member id: accepted, and the group holds the offset.
    assert.deepEqual(await commitRaw(h, "simple", -1, "m", [["t", 0, null]]), [ErrorCode.NONE]);
    assert.deepEqual(await groupIds(h), ["simple"]);
    // Every partition refused: nothing is written, and the group this commit created goes again.
    assert.deepEqual(
      await commitRaw(h, "refused", -1, "m", [["t", 0, "x".repeat(4_097)], [
        "t",
        1,
        "y".repeat(4_097),
      ]]),
      [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.OFFSET_METADATA_TOO_LARGE],
    );
    assert.deepEqual(await groupIds(h), ["simple"]);
    const d: Any = await h.call(ApiKey.DescribeGroups, 6, {
      groups: ["refused"],
      includeAuthorizedOperations: false,
    });
    assert.equal(d.groups[0].errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(d.groups[0].errorMessage, "Group refused not found.", "Kafka 4.3.1's words");
    // An existing group refused the same way stays.
    assert.deepEqual(await commitRaw(h, "simple", -1, "", [["t", 1, "z".repeat(4_097)]]), [
      ErrorCode.OFFSET_METADATA_TOO_LARGE,
    ]);
    assert.deepEqual(await groupIds(h), ["simple"]);
  });
});

Deno.test("LeaveGroup for a missing group: each member UNKNOWN_MEMBER_ID under a top-level NONE", async () => {
  await withGroupBroker(async (h) => {
    const members = [
      { memberId: "m1", groupInstanceId: null, reason: null },
      { memberId: "", groupInstanceId: "i1", reason: null },
    ];
    const v5: Any = await h.call(ApiKey.LeaveGroup, 5, { groupId: "missing", members });
    assert.equal(v5.errorCode, ErrorCode.NONE);
    assert.deepEqual(
      v5.members.map((m: Any) => [m.memberId, m.groupInstanceId, m.errorCode]),
      [["m1", null, ErrorCode.UNKNOWN_MEMBER_ID], ["", "i1", ErrorCode.UNKNOWN_MEMBER_ID]],
    );
    // Before v3 the one member's error is the answer, as before.
    const v1: Any = await h.call(ApiKey.LeaveGroup, 1, { groupId: "missing", memberId: "m1" });
    assert.equal(v1.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

Deno.test("OffsetCommit to a missing group as a member: GROUP_ID_NOT_FOUND from v9, ILLEGAL_GENERATION before", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 1);
    assert.deepEqual(await commitRaw(h, "none", 1, "m", [["t", 0, null]], 9), [
      ErrorCode.GROUP_ID_NOT_FOUND,
    ]);
    assert.deepEqual(await commitRaw(h, "none", 1, "m", [["t", 0, null]], 8), [
      ErrorCode.ILLEGAL_GENERATION,
    ]);
    assert.deepEqual(await groupIds(h), []);
  });
});

Deno.test("SyncGroup v5 without protocol type or name is INCONSISTENT_GROUP_PROTOCOL before any group check", async () => {
  await withGroupBroker(async (h) => {
    const sync = (version: number, protocolType: string | null, protocolName: string | null) =>
      h.call(ApiKey.SyncGroup, version, {
        groupId: "missing",
        generationId: 1,
        memberId: "m",
        groupInstanceId: null,
        protocolType,
        protocolName,
        assignments: [],
      }) as Promise<Any>;
    assert.equal((await sync(5, null, "range")).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(
      (await sync(5, "consumer", null)).errorCode,
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    // With both, or before v5 (no such fields), the missing group answers as before.
    assert.equal((await sync(5, "consumer", "range")).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await sync(4, null, null)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

Deno.test("JoinGroup with a session timeout out of range creates no group", async () => {
  await withGroupBroker(async (h) => {
    for (const sessionTimeoutMs of [5_999, 1_800_001]) {
      const res: Any = await h.call(ApiKey.JoinGroup, 9, joinBody("g", "m", { sessionTimeoutMs }));
      assert.equal(res.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
      assert.equal(res.memberId, "m");
    }
    const first: Any = await h.call(
      ApiKey.JoinGroup,
      9,
      joinBody("g", "", { sessionTimeoutMs: 1 }),
    );
    assert.equal(first.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.deepEqual(await groupIds(h), []);
  });
});

Deno.test("OffsetDelete with an empty group id is INVALID_GROUP_ID", async () => {
  await withGroupBroker(async (h) => {
    const res: Any = await h.call(ApiKey.OffsetDelete, 0, { groupId: "", topics: [] });
    assert.equal(res.errorCode, ErrorCode.INVALID_GROUP_ID);
  });
});

Deno.test("DeleteGroups answers a group named twice once", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 1);
    assert.deepEqual(await commitRaw(h, "g", -1, "", [["t", 0, null]]), [ErrorCode.NONE]);
    const res: Any = await h.call(ApiKey.DeleteGroups, 2, {
      groupsNames: ["g", "missing", "g", "missing"],
    });
    assert.deepEqual(res.results.map((r: Any) => [r.groupId, r.errorCode]), [
      ["g", ErrorCode.NONE],
      ["missing", ErrorCode.GROUP_ID_NOT_FOUND],
    ]);
  });
});

Deno.test("offset metadata is measured in UTF-16 units, as Kafka's String.length", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 2);
    // 4,096 units is the limit: "é" is one unit but two UTF-8 bytes; "😀" is two units.
    assert.deepEqual(
      await commitRaw(h, "g", -1, "", [["t", 0, "é".repeat(4_096)], ["t", 1, "😀".repeat(2_048)]]),
      [ErrorCode.NONE, ErrorCode.NONE],
    );
    assert.deepEqual(await commitRaw(h, "g", -1, "", [["t", 0, "é".repeat(4_097)]]), [
      ErrorCode.OFFSET_METADATA_TOO_LARGE,
    ]);
  });
});

Deno.test("DescribeGroups authorized operations: Kafka 4.x's group set, INT_MIN on error entries", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 1);
    assert.deepEqual(await commitRaw(h, "g", -1, "", [["t", 0, null]]), [ErrorCode.NONE]);
    // READ 3, DELETE 6, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11 (AclEntry, Kafka 4.3.1).
    const all = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);
    const omitted = -2147483648;
    const describe = async (version: number, include: boolean) => {
      const res: Any = await h.call(ApiKey.DescribeGroups, version, {
        groups: ["g", "missing"],
        includeAuthorizedOperations: include,
      });
      return res.groups.map((g: Any) => [g.groupId, g.errorCode, g.authorizedOperations]);
    };
    assert.deepEqual(await describe(6, true), [
      ["g", ErrorCode.NONE, all],
      ["missing", ErrorCode.GROUP_ID_NOT_FOUND, omitted],
    ]);
    // Before v6 a missing group is a Dead entry without an error, so it gets the operations.
    assert.deepEqual(await describe(5, true), [
      ["g", ErrorCode.NONE, all],
      ["missing", ErrorCode.NONE, all],
    ]);
    assert.deepEqual(await describe(6, false), [
      ["g", ErrorCode.NONE, omitted],
      ["missing", ErrorCode.GROUP_ID_NOT_FOUND, omitted],
    ]);
  });
});

// ---- OffsetCommit v10 and OffsetFetch v10: topics by id (KIP-848) ----

const ZERO_ID = "AAAAAAAAAAAAAAAAAAAAAA";
/** An id no topic has. */
const UNKNOWN_ID = "AAAAAAAAAAAAAAAAAAAAAQ";

type TopicEntries = [topic: string, partitions: [partition: number, offset: number][]][];

/** OffsetCommit naming topics by id (v10) or name (v9); `[topic, [[partition, code]]]` back. */
async function commitTopics(
  h: GroupHarness,
  version: number,
  groupId: string,
  topics: TopicEntries,
  generationId = -1,
  memberId = "",
): Promise<[string, [number, number][]][]> {
  const res: Any = await h.call(ApiKey.OffsetCommit, version, {
    groupId,
    generationIdOrMemberEpoch: generationId,
    memberId,
    groupInstanceId: null,
    topics: topics.map(([topic, partitions]) => ({
      [version >= 10 ? "topicId" : "name"]: topic,
      partitions: partitions.map(([partitionIndex, offset]) => ({
        partitionIndex,
        committedOffset: BigInt(offset),
        committedLeaderEpoch: -1,
        committedMetadata: "",
      })),
    })),
  });
  return res.topics.map((t: Any) => [
    version >= 10 ? t.topicId : t.name,
    t.partitions.map((p: Any) => [p.partitionIndex, p.errorCode]),
  ]);
}

/** OffsetFetch of one group by id (v10) or name (v9); `[topic, [[partition, offset, code]]]`. */
async function fetchTopics(
  h: GroupHarness,
  version: number,
  groupId: string,
  topics: [topic: string, partitions: number[]][] | null,
): Promise<[string, [number, number, number][]][]> {
  const res: Any = await h.call(ApiKey.OffsetFetch, version, {
    groups: [{
      groupId,
      memberId: null,
      memberEpoch: -1,
      topics: topics?.map(([topic, partitionIndexes]) => ({
        [version >= 10 ? "topicId" : "name"]: topic,
        partitionIndexes,
      })) ?? null,
    }],
    requireStable: false,
  });
  assert.equal(res.groups[0].errorCode, ErrorCode.NONE);
  return res.groups[0].topics.map((t: Any) => [
    version >= 10 ? t.topicId : t.name,
    t.partitions.map((p: Any) => [p.partitionIndex, Number(p.committedOffset), p.errorCode]),
  ]);
}

Deno.test("OffsetCommit v10: unknown and zero topic ids are UNKNOWN_TOPIC_ID per partition, echoed, answered first with unknown partitions (Kafka 4.3.1)", async () => {
  await withGroupBroker(async (h) => {
    const a = await createTopic(h, "a", 2);
    const b = await createTopic(h, "b", 1);
    // Kafka 4.3.1's answer to the same request: refusals by topic in request order (a's unknown
    // partition 9 opens a's entry), then the group's answers merged into them.
    assert.deepEqual(
      await commitTopics(h, 10, "g", [
        [a, [[0, 5], [1, 7], [9, 1]]],
        [UNKNOWN_ID, [[0, 1], [3, 1]]],
        [ZERO_ID, [[0, 1]]],
        [b, [[0, 2]]],
      ]),
      [
        [a, [[9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [0, 0], [1, 0]]],
        [UNKNOWN_ID, [[0, ErrorCode.UNKNOWN_TOPIC_ID], [3, ErrorCode.UNKNOWN_TOPIC_ID]]],
        [ZERO_ID, [[0, ErrorCode.UNKNOWN_TOPIC_ID]]],
        [b, [[0, 0]]],
      ],
    );
    assert.deepEqual(await fetchTopics(h, 9, "g", [["a", [0, 1]], ["b", [0]]]), [
      ["a", [[0, 5, 0], [1, 7, 0]]],
      ["b", [[0, 2, 0]]],
    ]);
    // An id named twice, and one with no partitions: gathered into one entry each, as Kafka's.
    assert.deepEqual(
      await commitTopics(h, 10, "g", [[UNKNOWN_ID, []], [a, [[0, 1]]], [a, [[1, 2]]]]),
      [[UNKNOWN_ID, []], [a, [[0, 0], [1, 0]]]],
    );
    // With nothing refused, the group's answer as it is: twice.
    assert.deepEqual(await commitTopics(h, 10, "g", [[a, [[0, 1]]], [a, [[1, 2]]]]), [
      [a, [[0, 0]]],
      [a, [[1, 0]]],
    ]);
    // Only unknown ids: the group is never asked, so none is created.
    assert.deepEqual(await commitTopics(h, 10, "phantom", [[UNKNOWN_ID, [[0, 1]]]]), [
      [UNKNOWN_ID, [[0, ErrorCode.UNKNOWN_TOPIC_ID]]],
    ]);
    assert.deepEqual(await groupIds(h), ["g"]);
  });
});

Deno.test("OffsetCommit v9 answers in Kafka's order too: refused partitions first, gathered by topic name", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "a", 2);
    await createTopic(h, "b", 1);
    assert.deepEqual(
      await commitTopics(h, 9, "g", [["a", [[0, 5], [1, 7], [9, 1]]], ["nope", [[0, 1]]], [
        "b",
        [[0, 2]],
      ]]),
      [
        ["a", [[9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [0, 0], [1, 0]]],
        ["nope", [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
        ["b", [[0, 0]]],
      ],
    );
    assert.deepEqual(
      await commitTopics(h, 9, "g", [["a", [[0, 1]]], ["nope", [[0, 1]]], ["a", [[1, 2]]], [
        "nope",
        [],
      ]]),
      [["nope", [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]], ["a", [[0, 0], [1, 0]]]],
    );
  });
});

Deno.test("OffsetCommit v10 from outside group management (generation -1, as Kafka's admin commits) makes an Empty group; a member of none gets GROUP_ID_NOT_FOUND", async () => {
  await withGroupBroker(async (h) => {
    const a = await createTopic(h, "a", 2);
    assert.deepEqual(await commitTopics(h, 10, "simple", [[a, [[0, 21], [1, 22]]]]), [
      [a, [[0, 0], [1, 0]]],
    ]);
    const d: Any = await h.call(ApiKey.DescribeGroups, 5, {
      groups: ["simple"],
      includeAuthorizedOperations: false,
    });
    assert.deepEqual(
      [d.groups[0].errorCode, d.groups[0].groupState, d.groups[0].protocolType],
      [ErrorCode.NONE, "Empty", ""],
    );
    assert.deepEqual(await fetchTopics(h, 10, "simple", [[a, [0, 1]]]), [
      [a, [[0, 21, 0], [1, 22, 0]]],
    ]);
    // A member's commit to a group that does not exist; the unknown id is refused before.
    assert.deepEqual(
      await commitTopics(h, 10, "none", [[UNKNOWN_ID, [[0, 1]]], [a, [[0, 1]]]], 5, "m"),
      [
        [UNKNOWN_ID, [[0, ErrorCode.UNKNOWN_TOPIC_ID]]],
        [a, [[0, ErrorCode.GROUP_ID_NOT_FOUND]]],
      ],
    );
    assert.deepEqual(await groupIds(h), ["simple"]);
  });
});

Deno.test("OffsetFetch v10: known ids first, then unknown and zero ids as UNKNOWN_TOPIC_ID, echoed (Kafka 4.3.1)", async () => {
  await withGroupBroker(async (h) => {
    const a = await createTopic(h, "a", 2);
    const b = await createTopic(h, "b", 1);
    const c = await createTopic(h, "c", 1);
    assert.deepEqual(await commitTopics(h, 10, "g", [[a, [[0, 5], [1, 7]]], [b, [[0, 2]]]]), [
      [a, [[0, 0], [1, 0]]],
      [b, [[0, 0]]],
    ]);
    assert.deepEqual(
      await fetchTopics(h, 10, "g", [
        [UNKNOWN_ID, [0, 2]],
        [a, [0, 1, 2, 9]],
        [ZERO_ID, [0]],
        [b, [0]],
        [c, [0]],
        [UNKNOWN_ID, []],
      ]),
      [
        [a, [[0, 5, 0], [1, 7, 0], [2, -1, 0], [9, -1, 0]]],
        [b, [[0, 2, 0]]],
        [c, [[0, -1, 0]]],
        [UNKNOWN_ID, [[0, -1, ErrorCode.UNKNOWN_TOPIC_ID], [2, -1, ErrorCode.UNKNOWN_TOPIC_ID]]],
        [ZERO_ID, [[0, -1, ErrorCode.UNKNOWN_TOPIC_ID]]],
        [UNKNOWN_ID, []],
      ],
    );
    // A group nobody committed for: -1 for known ids, the unknown one still refused.
    assert.deepEqual(await fetchTopics(h, 10, "nobody", [[a, [0]], [UNKNOWN_ID, [0]]]), [
      [a, [[0, -1, 0]]],
      [UNKNOWN_ID, [[0, -1, ErrorCode.UNKNOWN_TOPIC_ID]]],
    ]);
    // Every committed offset (null topics), each topic by its id.
    assert.deepEqual(await fetchTopics(h, 10, "g", null), [
      [a, [[0, 5, 0], [1, 7, 0]]],
      [b, [[0, 2, 0]]],
    ]);
  });
});

Deno.test("offsets committed by name read back by id and the other way round; a deleted topic's are gone from both", async () => {
  await withGroupBroker(async (h) => {
    const b = await createTopic(h, "b", 1);
    const c = await createTopic(h, "c", 1);
    const d = await createTopic(h, "d", 1);
    assert.deepEqual(await commitTopics(h, 9, "g", [["b", [[0, 11]]], ["d", [[0, 3]]]]), [
      ["b", [[0, 0]]],
      ["d", [[0, 0]]],
    ]);
    assert.deepEqual(await commitTopics(h, 10, "g", [[c, [[0, 12]]]]), [[c, [[0, 0]]]]);
    assert.deepEqual(await fetchTopics(h, 10, "g", [[b, [0]], [c, [0]]]), [
      [b, [[0, 11, 0]]],
      [c, [[0, 12, 0]]],
    ]);
    assert.deepEqual(await fetchTopics(h, 9, "g", [["b", [0]], ["c", [0]]]), [
      ["b", [[0, 11, 0]]],
      ["c", [[0, 12, 0]]],
    ]);
    assert.deepEqual(await fetchTopics(h, 8, "g", null), [
      ["b", [[0, 11, 0]]],
      ["d", [[0, 3, 0]]],
      ["c", [[0, 12, 0]]],
    ]);
    await deleteTopic(h, "d");
    // Its offsets are dropped after the deletion, as Kafka's are; a topic without an id is left
    // out of every-offsets answers by id even before (the stubbed test below shows that case).
    assert.deepEqual(await fetchTopics(h, 10, "g", null), [[b, [[0, 11, 0]]], [c, [[0, 12, 0]]]]);
    await eventually(async () =>
      assert.deepEqual(await fetchTopics(h, 9, "g", null), [
        ["b", [[0, 11, 0]]],
        ["c", [[0, 12, 0]]],
      ])
    );
    // The deleted topic's id is unknown now, to commits and fetches alike.
    assert.deepEqual(await fetchTopics(h, 10, "g", [[d, [0]]]), [
      [d, [[0, -1, ErrorCode.UNKNOWN_TOPIC_ID]]],
    ]);
    assert.deepEqual(await commitTopics(h, 10, "g", [[d, [[0, 1]]]]), [
      [d, [[0, ErrorCode.UNKNOWN_TOPIC_ID]]],
    ]);
  });
});

Deno.test("OffsetFetch v10 of every offset leaves out topics without a current id; a group error drops unknown ids too (KafkaApis)", async () => {
  const a = "ctT1a4b7QkmfMSXtXmWnSA";
  // Offsets of "gone" still held (its deletion's tombstones not yet applied), "a" still there.
  const offsets = (partition: number, offset: number) => ({
    partition,
    offset,
    leaderEpoch: -1,
    metadata: "",
    errorCode: ErrorCode.NONE,
  });
  const broker = {
    meta: {
      tables: {
        topic: (name: string) => name === "a" ? { name, topicId: a } : undefined,
        topicById: (id: string) => id === a ? { name: "a", topicId: a } : undefined,
      },
    },
    groups: {
      fetchOffsets: (groupId: string, wanted: { name: string }[] | null) =>
        Promise.resolve(
          groupId === "loading"
            ? { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, topics: [] }
            : {
              errorCode: ErrorCode.NONE,
              topics: (wanted ?? [{ name: "gone" }, { name: "a" }]).map((t) => ({
                name: t.name,
                partitions: [offsets(0, t.name === "a" ? 7 : 3)],
              })),
            },
        ),
    },
  } as unknown as BrokerContext;
  const fetch = async (groupId: string, topics: { topicId: string }[] | null): Promise<Any> => {
    const body = {
      groups: [{
        groupId,
        memberId: null,
        memberEpoch: -1,
        topics: topics?.map((t) => ({ ...t, partitionIndexes: [0] })) ?? null,
      }],
      requireStable: false,
    };
    const request = { version: 10, body } as unknown as HandlerRequest<never>;
    const res: Any = await HANDLERS.get(ApiKey.OffsetFetch)!(broker, request);
    return res.groups[0];
  };
  const all = await fetch("g", null);
  assert.deepEqual(
    all.topics.map((t: Any) => [t.topicId, t.partitions.map((p: Any) => p.committedOffset)]),
    [[a, [7n]]],
  );
  const loading = await fetch("loading", [{ topicId: a }, { topicId: UNKNOWN_ID }]);
  assert.deepEqual(loading, {
    groupId: "loading",
    topics: [],
    errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  });
});
