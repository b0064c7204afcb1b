/**
 * ListPartitionReassignments, AlterPartitionReassignments (KIP-455, v1 KIP-860) and ElectLeaders
 * (KIP-460) as Kafka 4.x's KRaft controller answers them on one node that leads every partition
 * it hosts (ReplicationControlManager: listPartitionReassignments, alterPartitionReassignment and
 * validateManualPartitionAssignment, electLeaders and electLeader; QuorumController's early
 * answers to empty requests; the event queue's timeout). No reassignment is ever in progress and
 * no answer reports a change that did not happen.
 */
import assert from "node:assert/strict";
import type { HandlerRequest } from "../../../src/kafka/handlers/context.ts";
import { type BrokerContext, HANDLERS } from "../../../src/kafka/handlers/mod.ts";
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

Deno.test("ListPartitionReassignments lists nothing in progress, for all topics and for named ones", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t", 2);
    const none = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics: [] };
    // Named topics that do not exist, or partitions that do not, are left out, not refused.
    for (
      const topics of [
        null,
        [],
        [{ name: "t", partitionIndexes: [0, 1] }],
        [{ name: "t", partitionIndexes: [7, -1] }, { name: "missing", partitionIndexes: [0] }],
      ]
    ) {
      const res = await h.call(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 1000, topics });
      assert.deepEqual(res, none, JSON.stringify(topics));
    }
  });
});

// ---- AlterPartitionReassignments ----

type Target = { partitionIndex: number; replicas: number[] | null };

async function alter(
  h: Harness,
  version: number,
  topics: { name: string; partitions: Target[] }[],
  o: { allowReplicationFactorChange?: boolean; timeoutMs?: number } = {},
): Promise<Any> {
  return await h.call(ApiKey.AlterPartitionReassignments, version, {
    timeoutMs: o.timeoutMs ?? 1000,
    allowReplicationFactorChange: o.allowReplicationFactorChange ?? true,
    topics,
  });
}

/** Each partition's answer as `[topic, partition, errorCode, errorMessage]`. */
function outcomes(res: Any): [string, number, number, string | null][] {
  return res.responses.flatMap((t: Any) =>
    t.partitions.map((p: Any) => [t.name, p.partitionIndex, p.errorCode, p.errorMessage])
  );
}

async function replicasOf(h: Harness, topic: string): Promise<number[][]> {
  const res: Any = await h.call(ApiKey.Metadata, 12, {
    topics: [{ name: topic, topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  return res.topics[0].partitions.map((p: Any) => p.replicaNodes);
}

Deno.test("AlterPartitionReassignments answers each partition as Kafka's controller, in its order of checks", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t", 2);
    const n = await nodeIdOf(h);
    const other = n + 1;
    const registered = (id: number) =>
      `The manual partition assignment includes broker ${id}, but no such broker is registered.`;
    for (const version of [0, 1]) {
      const res = await alter(h, version, [
        {
          name: "t",
          partitions: [
            { partitionIndex: 0, replicas: null },
            { partitionIndex: 1, replicas: [n] },
            { partitionIndex: 0, replicas: [other] },
            { partitionIndex: 0, replicas: [] },
            { partitionIndex: 0, replicas: [n, n] },
            // Sorted, the duplicate comes before the unknown broker.
            { partitionIndex: 0, replicas: [other + 100, n, n] },
            { partitionIndex: 0, replicas: [n, other] },
            { partitionIndex: 7, replicas: [n] },
            { partitionIndex: -1, replicas: null },
          ],
        },
        { name: "missing", partitions: [{ partitionIndex: 0, replicas: [n] }] },
      ]);
      const label = `v${version}`;
      assert.equal(res.throttleTimeMs, 0, label);
      assert.equal(res.errorCode, ErrorCode.NONE, label);
      assert.equal(res.errorMessage, null, label);
      assert.equal(res.allowReplicationFactorChange, true, label);
      assert.deepEqual(outcomes(res), [
        // A cancel with nothing to cancel: the exception's message is the default, left out.
        ["t", 0, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, null],
        // The current replicas: nothing to change, which the controller answers NONE.
        ["t", 1, ErrorCode.NONE, null],
        ["t", 0, ErrorCode.INVALID_REPLICA_ASSIGNMENT, registered(other)],
        [
          "t",
          0,
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          "The manual partition assignment includes an empty replica list.",
        ],
        [
          "t",
          0,
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `The manual partition assignment includes the broker ${n} more than once.`,
        ],
        [
          "t",
          0,
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `The manual partition assignment includes the broker ${n} more than once.`,
        ],
        ["t", 0, ErrorCode.INVALID_REPLICA_ASSIGNMENT, registered(other)],
        ["t", 7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find partition t:7."],
        ["t", -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find partition t:-1."],
        [
          "missing",
          0,
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          "Unable to find a topic named missing.",
        ],
      ], label);
    }
    assert.deepEqual(await replicasOf(h, "t"), [[n], [n]], "nothing moved");
  });
});

Deno.test("AlterPartitionReassignments v1 echoes allowReplicationFactorChange; empty and expired requests keep defaults", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    const n = await nodeIdOf(h);
    const same = [{ name: "t", partitions: [{ partitionIndex: 0, replicas: [n] }] }];
    const kept = await alter(h, 1, same, { allowReplicationFactorChange: false });
    assert.equal(kept.allowReplicationFactorChange, false);
    assert.deepEqual(outcomes(kept), [["t", 0, ErrorCode.NONE, null]]);

    // Nothing asked: answered at once, with the response's defaults (an empty message, true).
    for (const version of [0, 1]) {
      const empty = await alter(h, version, [], { allowReplicationFactorChange: false });
      assert.deepEqual(empty, {
        throttleTimeMs: 0,
        allowReplicationFactorChange: true,
        errorCode: ErrorCode.NONE,
        errorMessage: "",
        responses: [],
      }, `v${version}`);
    }
    // A timeout that is not positive expires in the controller's queue before the request runs.
    for (const timeoutMs of [0, -1]) {
      const expired = await alter(h, 1, same, { allowReplicationFactorChange: false, timeoutMs });
      assert.deepEqual(expired, {
        throttleTimeMs: 0,
        allowReplicationFactorChange: true,
        errorCode: ErrorCode.REQUEST_TIMED_OUT,
        errorMessage: null,
        responses: [{
          name: "t",
          partitions: [{
            partitionIndex: 0,
            errorCode: ErrorCode.REQUEST_TIMED_OUT,
            errorMessage: null,
          }],
        }],
      }, `timeout ${timeoutMs}`);
    }
  });
});

/** A broker whose tables register brokers 1 and 2, with topic t on broker 1 (one partition). */
function twoBrokers(): BrokerContext {
  const topic = { name: "t", topicId: "x", partitions: [{ replicas: [1] }], configs: {} };
  return {
    meta: {
      tables: {
        topic: (name: string) => name === "t" ? topic : undefined,
        topics: () => [topic][Symbol.iterator](),
        broker: (id: number) => id === 1 || id === 2 ? { nodeId: id } : undefined,
      },
    },
    partitions: { leadership: () => undefined },
  } as unknown as BrokerContext;
}

async function direct(broker: BrokerContext, apiKey: number, version: number, body: unknown) {
  const request = { version, body } as unknown as HandlerRequest<never>;
  return await HANDLERS.get(apiKey)!(broker, request) as Any;
}

Deno.test("AlterPartitionReassignments refuses a replication-factor change when v1 forbids it, and any move", async () => {
  // Only reachable with two registered brokers: a valid target that is not the current one.
  const broker = twoBrokers();
  const body = (allowReplicationFactorChange: boolean, replicas: number[]) => ({
    timeoutMs: 1000,
    allowReplicationFactorChange,
    topics: [{ name: "t", partitions: [{ partitionIndex: 0, replicas }] }],
  });
  const forbidden = await direct(
    broker,
    ApiKey.AlterPartitionReassignments,
    1,
    body(false, [1, 2]),
  );
  assert.deepEqual(outcomes(forbidden), [[
    "t",
    0,
    ErrorCode.INVALID_REPLICATION_FACTOR,
    "The replication factor is changed from 1 to 2",
  ]]);
  // Allowed, or the same factor elsewhere: Kafka would start moving replicas; Chronik cannot and
  // says so instead of reporting a reassignment that never happens.
  for (const [allow, replicas] of [[true, [1, 2]], [false, [2]]] as const) {
    const res = await direct(
      broker,
      ApiKey.AlterPartitionReassignments,
      1,
      body(allow, [...replicas]),
    );
    const [, , errorCode, message] = outcomes(res)[0]!;
    assert.equal(errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT, JSON.stringify(replicas));
    assert.match(message!, /does not move replicas: t:0 stays on \[1\]/);
  }
});

// ---- ElectLeaders ----

type Named = { topic: string; partitions: number[] }[] | null;

async function elect(
  h: Harness,
  version: number,
  topicPartitions: Named,
  o: { electionType?: number; timeoutMs?: number } = {},
): Promise<Any> {
  return await h.call(ApiKey.ElectLeaders, version, {
    electionType: o.electionType ?? 0,
    topicPartitions,
    timeoutMs: o.timeoutMs ?? 1000,
  });
}

/** Each partition's result as `[topic, partition, errorCode, errorMessage]`. */
function results(res: Any): [string, number, number, string | null][] {
  return res.replicaElectionResults.flatMap((t: Any) =>
    t.partitionResult.map((p: Any) => [t.topic, p.partitionId, p.errorCode, p.errorMessage])
  );
}

const NOT_NEEDED = "Leader election not needed for topic partition.";

Deno.test("ElectLeaders v0-v2: every named partition already has its leader; unknown ones are named", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t", 2);
    const named = [
      { topic: "t", partitions: [1, 0, 9, 1] },
      { topic: "missing", partitions: [0] },
      { topic: "t", partitions: [-1] },
    ];
    const expected = [
      ["t", 1, ErrorCode.ELECTION_NOT_NEEDED, NOT_NEEDED],
      ["t", 0, ErrorCode.ELECTION_NOT_NEEDED, NOT_NEEDED],
      ["t", 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "No such partition as t-9"],
      ["t", 1, ErrorCode.ELECTION_NOT_NEEDED, NOT_NEEDED],
      ["missing", 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "No such topic as missing"],
      ["t", -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "No such partition as t--1"],
    ];
    // v0 has no election type (preferred); v1+ adds it (unclean: any leader will do) and the
    // top-level error, which the v0 decoder leaves at its default.
    for (const [version, electionType] of [[0, 0], [1, 0], [1, 1], [2, 0], [2, 1]]) {
      const res = await elect(h, version!, named, { electionType: electionType! });
      const label = `v${version} type ${electionType}`;
      assert.equal(res.throttleTimeMs, 0, label);
      assert.equal(res.errorCode, ErrorCode.NONE, label);
      assert.deepEqual(results(res), expected, label);
    }
  });
});

Deno.test("ElectLeaders for all partitions lists every topic, without the partitions that need no election", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "b", 2);
    await createdTopic(h, "a");
    await offsetsTopicCreated(h);
    for (const [version, electionType] of [[0, 0], [1, 1], [2, 0], [2, 1]]) {
      const res = await elect(h, version!, null, { electionType: electionType! });
      assert.equal(res.errorCode, ErrorCode.NONE);
      assert.deepEqual(res.replicaElectionResults, [
        { topic: "__consumer_offsets", partitionResult: [] },
        { topic: "a", partitionResult: [] },
        { topic: "b", partitionResult: [] },
      ], `v${version} type ${electionType}`);
    }
  }, { "offsets.topic.num.partitions": "2" });
});

Deno.test("ElectLeaders: an unknown election type fails every named partition; empty and expired requests", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    for (const electionType of [2, -1]) {
      const res = await elect(h, 2, [{ topic: "t", partitions: [0] }, {
        topic: "x",
        partitions: [1],
      }], {
        electionType,
      });
      const message = `Unknown election type ${electionType}`;
      assert.equal(res.errorCode, ErrorCode.INVALID_REQUEST);
      assert.deepEqual(results(res), [
        ["t", 0, ErrorCode.INVALID_REQUEST, message],
        ["x", 1, ErrorCode.INVALID_REQUEST, message],
      ]);
      const all = await elect(h, 1, null, { electionType });
      assert.deepEqual([all.errorCode, all.replicaElectionResults], [
        ErrorCode.INVALID_REQUEST,
        [],
      ]);
      // An empty list is answered before the type is looked at.
      const empty = await elect(h, 2, [], { electionType });
      assert.deepEqual([empty.errorCode, empty.replicaElectionResults], [ErrorCode.NONE, []]);
    }
    // A timeout that is not positive expires in the controller's queue, before the type check.
    const expired = await elect(h, 2, [{ topic: "t", partitions: [0] }], {
      electionType: 5,
      timeoutMs: 0,
    });
    assert.equal(expired.errorCode, ErrorCode.REQUEST_TIMED_OUT);
    assert.deepEqual(results(expired), [["t", 0, ErrorCode.REQUEST_TIMED_OUT, null]]);
    const expiredAll = await elect(h, 1, null, { timeoutMs: -5 });
    assert.deepEqual(
      [expiredAll.errorCode, expiredAll.replicaElectionResults],
      [ErrorCode.REQUEST_TIMED_OUT, []],
    );
  });
});

Deno.test("ElectLeaders does not claim an election it cannot run: no leader, or not the preferred one", async () => {
  const body = (electionType: number, topicPartitions: Named) => ({
    electionType,
    topicPartitions,
    timeoutMs: 1000,
  });
  // No leader known (the partition is still opening).
  const leaderless = twoBrokers();
  const preferred = await direct(
    leaderless,
    ApiKey.ElectLeaders,
    2,
    body(0, [{ topic: "t", partitions: [0] }]),
  );
  assert.deepEqual(results(preferred), [
    ["t", 0, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, "The preferred leader was not available."],
  ]);
  const unclean = await direct(leaderless, ApiKey.ElectLeaders, 2, body(1, null));
  assert.deepEqual(results(unclean), [[
    "t",
    0,
    ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
    "Eligible topic partition leaders are not available.",
  ]]);
  // Led by broker 2 while broker 1 is preferred: any leader satisfies an unclean election only.
  const elsewhere = twoBrokers();
  (elsewhere.partitions as { leadership: unknown }).leadership = () => ({
    leaderId: 2,
    leaderEpoch: 0,
    isr: [1, 2],
  });
  const moved = await direct(elsewhere, ApiKey.ElectLeaders, 1, body(0, null));
  assert.deepEqual(results(moved), [
    ["t", 0, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, "The preferred leader was not available."],
  ]);
  const any = await direct(elsewhere, ApiKey.ElectLeaders, 1, body(1, null));
  assert.deepEqual(any.replicaElectionResults, [{ topic: "t", partitionResult: [] }]);
});
