/**
 * The group APIs end to end through the codec against a real node on a temp dir, with the
 * coordinator on a ManualClock: join/sync/heartbeat/leave, commits and fetches (several groups,
 * require_stable, old versions), Describe/List/Delete groups, OffsetDelete, restart durability,
 * checkpoints, and expiry of empty groups' offsets.
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../src/kafka/protocol/errors.ts";
import { OFFSET_EXPIRY_SLICE, offsetsPartitionFor } from "../../src/groups/mod.ts";
import { LocalMetaStore } from "../../src/cluster/meta/local_store.ts";
import { randomUuid } from "../../src/kafka/protocol/uuid.ts";
import {
  type Any,
  commit,
  createTopic,
  deleteTopic,
  eventually,
  fetchOffsets,
  joinAlone,
  joinBody,
  settle,
  subscription,
  syncAlone,
  withGroupBroker,
} from "./_harness.ts";

const dec = new TextDecoder();

Deno.test("FindCoordinator names the leader of the group's offsets partition", async () => {
  await withGroupBroker(async (h) => {
    const res: Any = await h.call(ApiKey.FindCoordinator, 4, {
      keyType: 0,
      coordinatorKeys: ["g1", "g2"],
    });
    assert.equal(res.coordinators.length, 2);
    for (const c of res.coordinators) {
      assert.equal(c.errorCode, 0);
      assert.equal(c.nodeId, 1);
    }
    const old: Any = await h.call(ApiKey.FindCoordinator, 1, { key: "g1", keyType: 0 });
    assert.equal(old.errorCode, 0);
    // The topic now exists with the configured partition count.
    const meta: Any = await h.call(ApiKey.Metadata, 12, {
      topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "__consumer_offsets" }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    assert.equal(meta.topics[0].errorCode, 0);
    assert.equal(meta.topics[0].partitions.length, 3);
    // Kafka's partitioner: abs(hashCode) mod N ("g1".hashCode() = 103 * 31 + 49 = 3242).
    assert.equal(offsetsPartitionFor("g1", 3), 3242 % 3);
    // Negative hash codes: abs is a mask, as Kafka's Utils.abs ("polygenelubricants" hashes to
    // Integer.MIN_VALUE).
    assert.equal(offsetsPartitionFor("polygenelubricants", 10), 0);
  });
});

Deno.test("a group's life through every API", async (t) => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 2);
    const joined = await joinAlone(h, "g1");
    await t.step("the leader gets the member list and its metadata", () => {
      assert.equal(joined.generationId, 1);
      assert.equal(joined.leader, joined.memberId);
      assert.equal(joined.protocolName, "range");
      assert.equal(joined.members.length, 1);
      assert.deepEqual(joined.members[0].metadata, subscription(["t"]));
    });
    await t.step("sync, heartbeat, commit, fetch", async () => {
      const sync: Any = await syncAlone(h, "g1", joined, "p0p1");
      assert.equal(dec.decode(sync.assignment), "p0p1");
      assert.equal(sync.protocolName, "range");
      const hb: Any = await h.call(ApiKey.Heartbeat, 4, {
        groupId: "g1",
        generationId: 1,
        memberId: joined.memberId,
        groupInstanceId: null,
      });
      assert.equal(hb.errorCode, 0);
      const errors = await commit(h, "g1", 1, joined.memberId, [["t", 0, 10], ["t", 1, 20], [
        "nope",
        0,
        1,
      ]]);
      assert.deepEqual(errors, [0, 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
      const stale = await commit(h, "g1", 0, joined.memberId, [["t", 0, 11]]);
      assert.deepEqual(stale, [ErrorCode.ILLEGAL_GENERATION]);
      const fetched = await fetchOffsets(h, "g1");
      assert.deepEqual([...fetched], [["t:0", 10], ["t:1", 20]]);
    });
    await t.step("several groups per OffsetFetch; -1 for what was never committed", async () => {
      assert.deepEqual(await commit(h, "g2", -1, "", [["t", 0, 5]]), [0]);
      const res: Any = await h.call(ApiKey.OffsetFetch, 8, {
        groups: [
          { groupId: "g1", topics: [{ name: "t", partitionIndexes: [0, 1] }] },
          { groupId: "g2", topics: null },
          { groupId: "missing", topics: [{ name: "t", partitionIndexes: [0] }] },
        ],
        requireStable: true,
      });
      const offsets = res.groups.map((g: Any) =>
        g.topics.flatMap((tp: Any) => tp.partitions.map((p: Any) => Number(p.committedOffset)))
      );
      assert.deepEqual(offsets, [[10, 20], [5], [-1]]);
      assert.ok(res.groups.every((g: Any) => g.errorCode === 0));
      const v1: Any = await h.call(ApiKey.OffsetFetch, 1, {
        groupId: "g1",
        topics: [{ name: "t", partitionIndexes: [1] }],
      });
      assert.equal(v1.topics[0].partitions[0].committedOffset, 20n);
      const v7: Any = await h.call(ApiKey.OffsetFetch, 7, {
        groupId: "g1",
        topics: null,
        requireStable: true,
      });
      assert.equal(v7.errorCode, 0);
      assert.equal(v7.topics[0].partitions.length, 2);
    });
    await t.step("DescribeGroups and ListGroups with a state filter", async () => {
      const d: Any = await h.call(ApiKey.DescribeGroups, 5, {
        groups: ["g1", "missing"],
        includeAuthorizedOperations: false,
      });
      assert.equal(d.groups[0].groupState, "Stable");
      assert.equal(d.groups[0].protocolData, "range");
      assert.equal(d.groups[0].members[0].memberId, joined.memberId);
      assert.equal(dec.decode(d.groups[0].members[0].memberAssignment), "p0p1");
      assert.equal(d.groups[1].groupState, "Dead");
      const d6: Any = await h.call(ApiKey.DescribeGroups, 6, {
        groups: ["missing"],
        includeAuthorizedOperations: false,
      });
      assert.equal(d6.groups[0].errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
      const list = async (states: string[]) => {
        const res: Any = await h.call(ApiKey.ListGroups, 5, {
          statesFilter: states,
          typesFilter: [],
        });
        return res.groups.map((g: Any) => `${g.groupId}:${g.groupState}`).sort();
      };
      assert.deepEqual(await list([]), ["g1:Stable", "g2:Empty"]);
      assert.deepEqual(await list(["stable"]), ["g1:Stable"]);
      assert.deepEqual(await list(["Empty", "Dead"]), ["g2:Empty"]);
    });
    await t.step(
      "OffsetDelete refuses a consumed topic; DeleteGroups refuses a live group",
      async () => {
        const od: Any = await h.call(ApiKey.OffsetDelete, 0, {
          groupId: "g1",
          topics: [{ name: "t", partitions: [{ partitionIndex: 0 }] }],
        });
        assert.equal(od.errorCode, 0);
        assert.equal(od.topics[0].partitions[0].errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
        const del: Any = await h.call(ApiKey.DeleteGroups, 2, { groupsNames: ["g1", "nope"] });
        assert.deepEqual(del.results.map((r: Any) => r.errorCode), [
          ErrorCode.NON_EMPTY_GROUP,
          ErrorCode.GROUP_ID_NOT_FOUND,
        ]);
      },
    );
    await t.step("LeaveGroup empties the group; then offsets and the group can go", async () => {
      const leave: Any = await h.call(ApiKey.LeaveGroup, 5, {
        groupId: "g1",
        members: [{ memberId: joined.memberId, groupInstanceId: null, reason: "bye" }, {
          memberId: "ghost",
          groupInstanceId: null,
          reason: null,
        }],
      });
      assert.equal(leave.errorCode, 0);
      assert.deepEqual(leave.members.map((m: Any) => m.errorCode), [
        0,
        ErrorCode.UNKNOWN_MEMBER_ID,
      ]);
      await settle();
      const od: Any = await h.call(ApiKey.OffsetDelete, 0, {
        groupId: "g1",
        topics: [{ name: "t", partitions: [{ partitionIndex: 0 }] }],
      });
      assert.equal(od.topics[0].partitions[0].errorCode, 0);
      assert.deepEqual([...await fetchOffsets(h, "g1")], [["t:1", 20]]);
      const del: Any = await h.call(ApiKey.DeleteGroups, 2, { groupsNames: ["g1"] });
      assert.equal(del.results[0].errorCode, 0);
      assert.deepEqual([...await fetchOffsets(h, "g1")], []);
      const gone: Any = await h.call(ApiKey.OffsetDelete, 0, { groupId: "g1", topics: [] });
      assert.equal(gone.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    });
  });
});

Deno.test("a second member triggers a rebalance; heartbeats say so; v3 joins need no member id", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 2);
    const a = await joinAlone(h, "g");
    await syncAlone(h, "g", a, "all");
    const bJoin = h.call(ApiKey.JoinGroup, 3, joinBody("g", ""), "b");
    await settle();
    const hb: Any = await h.call(ApiKey.Heartbeat, 3, {
      groupId: "g",
      generationId: 1,
      memberId: a.memberId,
      groupInstanceId: null,
    });
    assert.equal(hb.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    const aRejoin: Any = await h.call(ApiKey.JoinGroup, 9, joinBody("g", a.memberId));
    const b: Any = await bJoin;
    assert.equal(aRejoin.generationId, 2);
    assert.equal(b.generationId, 2);
    assert.equal(aRejoin.members.length, 2);
    assert.equal(b.members.length, 0);
    assert.ok(b.memberId.startsWith("b-"));
    // b's session runs out without a heartbeat: a is told to rebalance.
    const bSync = h.call(ApiKey.SyncGroup, 3, {
      groupId: "g",
      generationId: 2,
      memberId: b.memberId,
      groupInstanceId: null,
      assignments: [],
    });
    await syncAlone(h, "g", aRejoin, "p0");
    assert.equal(((await bSync) as Any).errorCode, 0);
    await h.advance(10_001);
    const after: Any = await h.call(ApiKey.Heartbeat, 4, {
      groupId: "g",
      generationId: 2,
      memberId: a.memberId,
      groupInstanceId: null,
    });
    // a was silent too: both expired, the group is empty and a is unknown.
    assert.equal(after.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

Deno.test("committed offsets and group membership survive a restart", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 2);
    const joined = await joinAlone(h, "durable");
    await syncAlone(h, "durable", joined, "mine");
    assert.deepEqual(await commit(h, "durable", 1, joined.memberId, [["t", 0, 7], ["t", 1, 8]]), [
      0,
      0,
    ]);
    assert.deepEqual(await commit(h, "simple", -1, "", [["t", 1, 99]], 2), [0]);
    await h.restart();
    assert.deepEqual([...await fetchOffsets(h, "durable")], [["t:0", 7], ["t:1", 8]]);
    assert.deepEqual([...await fetchOffsets(h, "simple")], [["t:1", 99]]);
    const d: Any = await h.call(ApiKey.DescribeGroups, 5, {
      groups: ["durable"],
      includeAuthorizedOperations: false,
    });
    assert.equal(d.groups[0].groupState, "Stable");
    assert.equal(dec.decode(d.groups[0].members[0].memberAssignment), "mine");
    // The member carries on with its generation after the restart.
    const hb: Any = await h.call(ApiKey.Heartbeat, 4, {
      groupId: "durable",
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: null,
    });
    assert.equal(hb.errorCode, 0);
  });
});

Deno.test("checkpoints bound the offsets log and keep the state", async () => {
  await withGroupBroker(
    async (h) => {
      await createTopic(h, "t", 1);
      for (let i = 0; i < 120; i++) {
        assert.deepEqual(await commit(h, "busy", -1, "", [["t", 0, i]]), [0]);
      }
      const partition = offsetsPartitionFor("busy", 3);
      const res: Any = await h.call(ApiKey.ListOffsets, 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{
          name: "__consumer_offsets",
          partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -2n }],
        }],
      });
      const logStart = Number(res.topics[0].partitions[0].offset);
      assert.ok(logStart >= 100, `log start ${logStart} moved by checkpoints`);
      await h.restart();
      assert.deepEqual([...await fetchOffsets(h, "busy")], [["t:0", 119]]);
    },
    {},
    { checkpointEveryRecords: 50 },
  );
});

Deno.test("offsets of an empty group expire after offsets.retention.minutes", async () => {
  await withGroupBroker(
    async (h) => {
      await createTopic(h, "t", 1);
      assert.deepEqual(await commit(h, "old", -1, "", [["t", 0, 3]]), [0]);
      await h.advance(30_000);
      assert.deepEqual(await commit(h, "fresh", -1, "", [["t", 0, 4]]), [0]);
      // One retention check fires at 60 s: "old" is 60 s old (expired), "fresh" 30 s (kept).
      await h.advance(30_000);
      assert.deepEqual([...await fetchOffsets(h, "old")], []);
      assert.deepEqual([...await fetchOffsets(h, "fresh")], [["t:0", 4]]);
      const list: Any = await h.call(ApiKey.ListGroups, 4, { statesFilter: [] });
      assert.deepEqual(list.groups.map((g: Any) => g.groupId), ["fresh"]);
      await h.restart();
      assert.deepEqual([...await fetchOffsets(h, "old")], []);
      assert.deepEqual([...await fetchOffsets(h, "fresh")], [["t:0", 4]]);
    },
    { "offsets.retention.minutes": "1" },
    { retentionCheckIntervalMs: 60_000 },
  );
});

Deno.test("the offset expiry pass over many groups lets timers run", async () => {
  await withGroupBroker(
    async (h) => {
      await createTopic(h, "t", 1);
      // Groups whose offsets are all fresh: the pass writes nothing, so only its own pauses let
      // other work in. One group and one offset each: 3 slices' worth.
      const groups = Math.ceil(OFFSET_EXPIRY_SLICE * 1.5);
      for (let i = 0; i < groups; i += 100) {
        const calls = [];
        for (let k = i; k < Math.min(i + 100, groups); k++) {
          calls.push(commit(h, `g${k}`, -1, "", [["t", 0, k]]));
        }
        for (const codes of await Promise.all(calls)) assert.deepEqual(codes, [0]);
      }
      await h.advance(0);
      // The pass re-arms its timer when it ends: until then one timer fewer is pending.
      const armed = h.clock.pendingTimers;
      let passEndedFirst: boolean | undefined;
      const timer = setTimeout(() => passEndedFirst = h.clock.pendingTimers === armed, 0);
      try {
        h.clock.advance(60_000); // the retention check fires
        for (let i = 0; i < 500 && h.clock.pendingTimers !== armed; i++) {
          await new Promise((r) => setTimeout(r, 5));
        }
        assert.equal(h.clock.pendingTimers, armed, "the pass ended");
        assert.equal(passEndedFirst, false, "a timer ran during the pass");
      } finally {
        clearTimeout(timer);
      }
      assert.equal([...await fetchOffsets(h, `g${groups - 1}`)][0]![1], groups - 1);
    },
    { "offsets.retention.minutes": "10" },
    { retentionCheckIntervalMs: 60_000 },
  );
});

Deno.test("a commit-only group's offsets expire from the commit, across a restart", async () => {
  await withGroupBroker(
    async (h) => {
      await createTopic(h, "t", 1);
      assert.deepEqual(await commit(h, "simple", -1, "", [["t", 0, 3]]), [0]);
      await h.advance(30_000);
      // Kafka bases a group without group management on the commit time alone; the load time
      // of a restart must not push it back.
      await h.restart();
      assert.deepEqual([...await fetchOffsets(h, "simple")], [["t:0", 3]]); // loads it
      for (let i = 0; i < 3; i++) await h.advance(10_000); // a check every 10 s
      assert.deepEqual([...await fetchOffsets(h, "simple")], []);
    },
    { "offsets.retention.minutes": "1" },
    { retentionCheckIntervalMs: 10_000 },
  );
});

Deno.test("a stable consumer group's offsets of topics no member subscribes to expire (KIP-496)", async () => {
  await withGroupBroker(
    async (h) => {
      await createTopic(h, "t", 1);
      await createTopic(h, "u", 1);
      const joined = await joinAlone(h, "live"); // subscribes to "t" only
      await syncAlone(h, "live", joined, "p0");
      const gen = joined.generationId;
      assert.deepEqual(await commit(h, "live", gen, joined.memberId, [["t", 0, 5], ["u", 0, 6]]), [
        0,
        0,
      ]);
      for (let elapsed = 0; elapsed < 60_000; elapsed += 5_000) {
        await h.advance(5_000);
        const beat: Any = await h.call(ApiKey.Heartbeat, 4, {
          groupId: "live",
          generationId: gen,
          memberId: joined.memberId,
          groupInstanceId: null,
        });
        assert.equal(beat.errorCode, ErrorCode.NONE);
      }
      assert.deepEqual([...await fetchOffsets(h, "live")], [["t:0", 5]]);
    },
    { "offsets.retention.minutes": "1" },
    { retentionCheckIntervalMs: 10_000 },
  );
});

Deno.test("static members: a restart keeps the assignment, the old id is fenced", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 1);
    const body = (memberId: string) => joinBody("s", memberId, { groupInstanceId: "i1" });
    const pending = h.call(ApiKey.JoinGroup, 9, body(""));
    await h.advance(3_000);
    const first: Any = await pending;
    assert.equal(first.errorCode, 0);
    assert.ok(first.memberId.startsWith("i1-"));
    await syncAlone(h, "s", first, "p0");
    const again: Any = await h.call(ApiKey.JoinGroup, 9, body(""));
    assert.equal(again.errorCode, 0);
    assert.equal(again.generationId, 1);
    assert.equal(again.skipAssignment, true);
    const fenced: Any = await h.call(ApiKey.Heartbeat, 4, {
      groupId: "s",
      generationId: 1,
      memberId: first.memberId,
      groupInstanceId: "i1",
    });
    assert.equal(fenced.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  });
});

Deno.test("DescribeGroups shows current assignments during a rebalance, as Kafka does", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 2);
    const first = await joinAlone(h, "r");
    await syncAlone(h, "r", first, "p0p1");
    // A second member's join moves the group to PreparingRebalance until the first rejoins.
    const joining = h.call(ApiKey.JoinGroup, 9, joinBody("r", "", {}));
    const newcomer: Any = await joining;
    assert.equal(newcomer.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    const second = h.call(ApiKey.JoinGroup, 9, joinBody("r", newcomer.memberId, {}));
    await h.advance(0);
    const d: Any = await h.call(ApiKey.DescribeGroups, 5, {
      groups: ["r"],
      includeAuthorizedOperations: false,
    });
    assert.equal(d.groups[0].groupState, "PreparingRebalance");
    const old = d.groups[0].members.find((m: Any) => m.memberId === first.memberId);
    assert.equal(dec.decode(old.memberAssignment), "p0p1");
    // Let the rebalance finish so nothing is left pending.
    const rejoin = h.call(ApiKey.JoinGroup, 9, joinBody("r", first.memberId, {}));
    await h.advance(0);
    const [a, b]: Any[] = await Promise.all([rejoin, second]);
    assert.equal(a.errorCode, 0);
    assert.equal(b.errorCode, 0);
  });
});

Deno.test("deleting a topic drops every group's offsets of it, durably (as Kafka does)", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "gone", 2);
    await createTopic(h, "kept", 1);
    // Groups on different offsets partitions, one also holding a topic that stays.
    for (const g of ["a", "b", "c"]) {
      assert.deepEqual(await commit(h, g, -1, "", [["gone", 0, 5], ["gone", 1, 6]]), [0, 0]);
    }
    assert.deepEqual(await commit(h, "a", -1, "", [["kept", 0, 7]]), [0]);
    await deleteTopic(h, "gone");
    const named = [{ name: "gone", partitionIndexes: [0, 1] }];
    await eventually(async () => {
      assert.deepEqual([...await fetchOffsets(h, "a")], [["kept:0", 7]]);
      for (const g of ["b", "c"]) assert.deepEqual([...await fetchOffsets(h, g)], []);
    });
    assert.deepEqual([...await fetchOffsets(h, "b", named)], [["gone:0", -1], ["gone:1", -1]]);
    // A topic recreated under the same name starts with nothing committed.
    await createTopic(h, "gone", 2);
    assert.deepEqual([...await fetchOffsets(h, "c", named)], [["gone:0", -1], ["gone:1", -1]]);
    await h.restart();
    assert.deepEqual([...await fetchOffsets(h, "a")], [["kept:0", 7]]);
    assert.deepEqual([...await fetchOffsets(h, "b")], []);
    assert.deepEqual([...await fetchOffsets(h, "c", named)], [["gone:0", -1], ["gone:1", -1]]);
  });
});

Deno.test("a topic deleted just before a crash loses its offsets at the next load (its tombstones were never written)", async () => {
  await withGroupBroker(async (h) => {
    const goneId = await createTopic(h, "gone", 1);
    await createTopic(h, "kept", 1);
    assert.deepEqual(await commit(h, "a", -1, "", [["gone", 0, 5], ["kept", 0, 7]]), [0, 0]);
    // The deletion reaches the metadata log while the node is down: the coordinator never sees it,
    // as after a crash between the durable deletion and the tombstones.
    await h.restart(async () => {
      const { store } = await LocalMetaStore.open(`${h.dir}/__meta`);
      try {
        assert.equal(
          (await store.propose({ type: "deleteTopic", name: "gone", topicId: goneId })).ok,
          true,
        );
      } finally {
        await store.close();
      }
    });
    assert.deepEqual([...await fetchOffsets(h, "a")], [["kept:0", 7]]);
    // Durably: the next load finds tombstones, not offsets to drop again.
    await h.restart();
    assert.deepEqual([...await fetchOffsets(h, "a")], [["kept:0", 7]]);
    await createTopic(h, "gone", 1);
    const named = [{ name: "gone", partitionIndexes: [0] }];
    assert.deepEqual([...await fetchOffsets(h, "a", named)], [["gone:0", -1]]);
  });
});

Deno.test("OffsetFetch require_stable waits for commits being written (Kafka answers UNSTABLE_OFFSET_COMMIT only for transactions)", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 1);
    assert.deepEqual(await commit(h, "g", -1, "", [["t", 0, 0]]), [0]);
    // Commits queue behind one another (one durable write at a time); the fetch comes after all.
    const commits = Array.from({ length: 20 }, (_, i) => commit(h, "g", -1, "", [["t", 0, i + 1]]));
    const res: Any = await h.call(ApiKey.OffsetFetch, 7, {
      groupId: "g",
      topics: [{ name: "t", partitionIndexes: [0] }],
      requireStable: true,
    });
    assert.equal(res.errorCode, 0);
    assert.equal(res.topics[0].partitions[0].errorCode, ErrorCode.NONE);
    assert.equal(res.topics[0].partitions[0].committedOffset, 20n);
    for (const errors of await Promise.all(commits)) assert.deepEqual(errors, [0]);
  });
});

Deno.test("the initial rebalance delay runs in whole delay-sized steps, within the rebalance timeout (Kafka's classic initial delay)", async () => {
  await withGroupBroker(async (h) => {
    await createTopic(h, "t", 1);
    const answered = new Set<string>();
    const pending: Promise<Any>[] = [];
    // A new member through MEMBER_ID_REQUIRED; its second JoinGroup waits for the join phase.
    const join = async (client: string) => {
      const body = (memberId: string) =>
        joinBody("steps", memberId, { rebalanceTimeoutMs: 10_000 });
      const first: Any = await h.call(ApiKey.JoinGroup, 9, body(""), client);
      assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
      const second = h.call(ApiKey.JoinGroup, 9, body(first.memberId), client);
      pending.push(second.then((r) => (answered.add(client), r)));
      await h.advance(0);
    };
    const waitingAt = (label: string) => assert.deepEqual([...answered], [], label);
    // Steps of 3,000 ms (group.initial.rebalance.delay.ms); 10,000 - 3,000 remain after the first.
    await join("a"); // t = 0
    await h.advance(2_500);
    await join("b"); // added in step 1: step 2 runs 3,000 to 6,000 (remaining 4,000)
    await h.advance(3_400);
    waitingAt("t = 5,900: a delay restarted at b's join would have ended at 5,500");
    await join("c"); // t = 5,900, added in step 2: step 3 runs 6,000 to 9,000 (remaining 1,000)
    await h.advance(3_099);
    waitingAt("t = 8,999: a delay restarted at c's join would have ended at 8,900");
    await join("d"); // added in step 3: a last step of 1,000 (9,000 to 10,000)
    await h.advance(1);
    waitingAt("t = 9,000: d was added, 1,000 remain");
    await h.advance(999);
    waitingAt("t = 9,999");
    await h.advance(1);
    const joined: Any[] = await Promise.all(pending);
    assert.deepEqual([...answered].sort(), ["a", "b", "c", "d"]);
    for (const r of joined) {
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal(r.generationId, 1);
    }
    assert.equal(joined.find((r) => r.members.length > 0)?.members.length, 4);
  });
});

Deno.test("OffsetCommit v2-v4 retentionTimeMs is the offset's own expiry, across a restart (Kafka's expireTimestamp)", async () => {
  await withGroupBroker(
    async (h) => {
      await createTopic(h, "t", 1);
      const commitFor = (groupId: string, version: number, retentionTimeMs: bigint) =>
        h.call(ApiKey.OffsetCommit, version, {
          groupId,
          generationIdOrMemberEpoch: -1,
          memberId: "",
          groupInstanceId: null,
          retentionTimeMs,
          topics: [{
            name: "t",
            partitions: [{
              partitionIndex: 0,
              committedOffset: 7n,
              committedLeaderEpoch: -1,
              committedMetadata: "",
            }],
          }],
        }) as Promise<Any>;
      // offsets.retention.minutes is 1: 60 s unless the commit says otherwise.
      const committed = [
        await commitFor("short", 2, 20_000n),
        await commitFor("long", 4, 600_000n),
        await commitFor("default", 3, -1n),
        await commitFor("v9", 9, 20_000n), // v5+ has no such field: the broker's retention
      ];
      for (const c of committed) assert.equal(c.topics[0].partitions[0].errorCode, 0);
      // The expire times must come back from the log.
      await h.restart();
      const alive = async () => {
        const out: string[] = [];
        for (const g of ["short", "long", "default", "v9"]) {
          if ((await fetchOffsets(h, g)).size > 0) out.push(g); // also loads the partition
        }
        return out;
      };
      assert.deepEqual(await alive(), ["short", "long", "default", "v9"]);
      let elapsedMs = 0;
      const until = async (ms: number) => {
        for (; elapsedMs < ms; elapsedMs += 20_000) await h.advance(20_000); // a check every 20 s
      };
      await until(20_000);
      assert.deepEqual(await alive(), ["long", "default", "v9"]);
      await until(60_000);
      assert.deepEqual(await alive(), ["long"]);
      await until(580_000);
      assert.deepEqual(await alive(), ["long"]);
      await until(600_000);
      assert.deepEqual(await alive(), []);
    },
    { "offsets.retention.minutes": "1" },
    { retentionCheckIntervalMs: 20_000 },
  );
});

Deno.test("a topic deleted and recreated while the node was down loses its old offsets at the next load (the stored topic id tells)", async () => {
  await withGroupBroker(async (h) => {
    const oldId = await createTopic(h, "again", 2);
    await createTopic(h, "kept", 1);
    assert.deepEqual(
      await commit(h, "a", -1, "", [["again", 0, 5], ["again", 1, 6], ["kept", 0, 7]]),
      [
        0,
        0,
        0,
      ],
    );
    // Deleted and created again under the same name while the coordinator is down, as after a
    // crash before the deletion's tombstones: the name exists at the next load, with a new id.
    await h.restart(async () => {
      const { store } = await LocalMetaStore.open(`${h.dir}/__meta`);
      try {
        const deleted = await store.propose({ type: "deleteTopic", name: "again", topicId: oldId });
        assert.equal(deleted.ok, true);
        const created = await store.propose({
          type: "createTopic",
          name: "again",
          topicId: randomUuid(),
          partitions: [{ replicas: [1] }, { replicas: [1] }],
          configs: {},
        });
        assert.equal(created.ok, true);
      } finally {
        await store.close();
      }
    });
    const named = [{ name: "again", partitionIndexes: [0, 1] }];
    assert.deepEqual([...await fetchOffsets(h, "a", named)], [["again:0", -1], ["again:1", -1]]);
    assert.deepEqual([...await fetchOffsets(h, "a")], [["kept:0", 7]]);
    // Durably; and offsets committed to the new topic carry its id, so they stay.
    assert.deepEqual(await commit(h, "a", -1, "", [["again", 1, 9]]), [0]);
    await h.restart();
    assert.deepEqual([...await fetchOffsets(h, "a", named)], [["again:0", -1], ["again:1", 9]]);
    assert.deepEqual([...await fetchOffsets(h, "a")], [["kept:0", 7], ["again:1", 9]]);
  });
});
