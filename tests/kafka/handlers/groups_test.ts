/**
 * Group request handlers where Kafka's answer depends on the order of its checks or on the
 * request version (KafkaApis and the group coordinator): unknown topics in OffsetCommit, missing
 * groups in LeaveGroup and OffsetCommit, SyncGroup v5 protocol fields, invalid group ids and
 * session timeouts, duplicate names in DeleteGroups, and offset metadata size.
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import {
  type Any,
  commit,
  createTopic,
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
