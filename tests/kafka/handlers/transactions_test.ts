/**
 * DescribeProducers, ListTransactions and DescribeTransactions (KIP-664) as a Kafka 4.x broker
 * answers them here: a partition's producers come from the log's producer state and survive a
 * restart; refusals follow KafkaApis.handleDescribeProducersRequest and
 * ReplicaManager.activeProducerState; transactions never exist (transactional ids are refused),
 * yet ListTransactions' filters get TransactionStateManager.listTransactionStates' answers (unknown
 * state names, RE2/J pattern syntax, KIP-1152) and DescribeTransactions
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
 */
import assert from "node:assert/strict";
import { MetaTables } from "../../../src/cluster/meta/tables.ts";
import type { HandlerRequest } from "../../../src/kafka/handlers/context.ts";
import { type BrokerContext, HANDLERS } from "../../../src/kafka/handlers/mod.ts";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { buildBatch } from "../../../src/kafka/records/mod.ts";
import { type Any, createdTopic, type Harness, withBroker } from "./_harness.ts";

const enc = new TextEncoder();

/** A fresh idempotent producer id (InitProducerId without a transactional id). */
async function initProducer(h: Harness): Promise<bigint> {
  const res: Any = await h.call(ApiKey.InitProducerId, 4, {
    transactionalId: null,
    transactionTimeoutMs: 60000,
    producerId: -1n,
    producerEpoch: -1,
  });
  assert.equal(res.errorCode, ErrorCode.NONE);
  return res.producerId;
}

/**
 * Produces `count` records in one batch to partition `partition` of topic "t" (acks=all), from
 * `producerId` at epoch 0 starting at `baseSequence`, or from a plain producer when none is given;
 * every record is stamped `timestampMs`. Fails unless accepted.
 */
async function produce(
  h: Harness,
  partition: number,
  count: number,
  o: { producerId?: bigint; baseSequence?: number; timestampMs: number },
): Promise<void> {
  const records = buildBatch(
    Array.from({ length: count }, (_, i) => ({
      key: null,
      value: enc.encode(`v${i}`),
      timestampMs: o.timestampMs,
    })),
    o.producerId === undefined
      ? { producerId: -1n, producerEpoch: -1, baseSequence: -1 }
      : { producerId: o.producerId, producerEpoch: 0, baseSequence: o.baseSequence ?? 0 },
  );
  const res: Any = await h.call(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: "t", partitionData: [{ index: partition, records }] }],
  });
  assert.equal(res.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
}

/** An idempotent producer's entry, as Kafka reports one outside any transaction. */
function producer(producerId: bigint, lastSequence: number, lastTimestampMs: number) {
  return {
    producerId,
    producerEpoch: 0,
    lastSequence,
    lastTimestamp: BigInt(lastTimestampMs),
    coordinatorEpoch: -1,
    currentTxnStartOffset: -1n,
  };
}

type DescribedTopic = { name: string; partitionIndexes: number[] };

/** DescribeProducers v0; returns its topics. */
async function describeProducers(h: Harness, topics: DescribedTopic[]): Promise<Any[]> {
  const res: Any = await h.call(ApiKey.DescribeProducers, 0, { topics });
  assert.equal(res.throttleTimeMs, 0);
  return res.topics;
}

Deno.test("DescribeProducers lists a partition's idempotent producers, and again after a restart", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t", 2);
    // Near now: a producer whose last batch is producer.id.expiration.ms old is dropped on load.
    const ts = Date.now() - 60_000;
    const a = await initProducer(h);
    const b = await initProducer(h);
    await produce(h, 0, 3, { producerId: b, baseSequence: 0, timestampMs: ts });
    await produce(h, 0, 3, { producerId: a, baseSequence: 0, timestampMs: ts + 1 });
    await produce(h, 0, 2, { producerId: a, baseSequence: 3, timestampMs: ts + 5 });
    // A plain producer has no state; partition 1 has no producer at all.
    await produce(h, 0, 1, { timestampMs: ts + 9 });
    await produce(h, 1, 1, { timestampMs: ts + 9 });

    const expected = [{
      name: "t",
      partitions: [
        {
          partitionIndex: 0,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          // By producer id; each with its last batch's last sequence and max timestamp.
          activeProducers: [producer(a, 4, ts + 5), producer(b, 2, ts)],
        },
        { partitionIndex: 1, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: [] },
      ],
    }];
    assert.ok(a < b);
    const describe = () => describeProducers(h, [{ name: "t", partitionIndexes: [0, 1] }]);
    assert.deepEqual(await describe(), expected);
    // Rebuilt from the snapshot and the log on open, as the sequence checks are.
    await h.restart();
    assert.deepEqual(await describe(), expected);
    await produce(h, 0, 1, { producerId: b, baseSequence: 3, timestampMs: ts + 20 });
    assert.deepEqual(
      (await describe())[0].partitions[0].activeProducers,
      [producer(a, 4, ts + 5), producer(b, 3, ts + 20)],
    );
  });
});

Deno.test("DescribeProducers reports the append time a LogAppendTime topic stores", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t", 1, [{ name: "message.timestamp.type", value: "LogAppendTime" }]);
    const pid = await initProducer(h);
    const before = Date.now();
    await produce(h, 0, 2, { producerId: pid, baseSequence: 0, timestampMs: 1000 });
    const after = Date.now();
    const [state] = (await describeProducers(h, [{ name: "t", partitionIndexes: [0] }]))[0]
      .partitions[0].activeProducers;
    assert.equal(state.lastSequence, 1);
    const stamped = Number(state.lastTimestamp);
    assert.ok(stamped >= before && stamped <= after, `${stamped} in [${before}, ${after}]`);
  });
});

Deno.test("DescribeProducers refuses invalid and unknown topics and unknown partitions as Kafka does", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t", 2);
    const long = "x".repeat(250);
    const topics = await describeProducers(h, [
      { name: "", partitionIndexes: [0] },
      { name: "..", partitionIndexes: [0, 1] },
      { name: "a b", partitionIndexes: [0] },
      { name: long, partitionIndexes: [0] },
      { name: "missing", partitionIndexes: [0, 3] },
      { name: "t", partitionIndexes: [1, 2, -1, 1] },
      { name: "t", partitionIndexes: [] },
    ]);
    const refusal =
      (errorCode: number, errorMessage: string | null) => (partitionIndex: number) => ({
        partitionIndex,
        errorCode,
        errorMessage,
        activeProducers: [],
      });
    const invalid = (reason: string) =>
      refusal(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name is invalid: ${reason}`);
    assert.deepEqual(topics, [
      { name: "", partitions: [0].map(invalid("the empty string is not allowed")) },
      { name: "..", partitions: [0, 1].map(invalid("'..' is not allowed")) },
      {
        name: "a b",
        partitions: [0].map(invalid(
          "'a b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
        )),
      },
      {
        name: long,
        partitions: [0].map(
          invalid(`the length of '${long}' is longer than the max allowed length 249`),
        ),
      },
      // The topic-level refusal carries the error's default message; the partition-level not.
      {
        name: "missing",
        partitions: [0, 3].map(refusal(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          "This server does not host this topic-partition.",
        )),
      },
      {
        name: "t",
        partitions: [
          refusal(ErrorCode.NONE, null)(1),
          refusal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null)(2),
          refusal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null)(-1),
          refusal(ErrorCode.NONE, null)(1),
        ],
      },
      { name: "t", partitions: [] },
    ]);
    assert.deepEqual(await describeProducers(h, []), []);
  });
});

Deno.test("DescribeProducers answers NOT_LEADER_OR_FOLLOWER for a partition not hosted here", async () => {
  // In the tables but not open on this node (ReplicaManager.getPartitionOrError).
  const tables = new MetaTables();
  tables.apply({
    type: "createTopic",
    name: "t",
    topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
    partitions: [{ replicas: [2] }],
    configs: {},
  });
  const broker = {
    meta: { tables },
    partitions: { get: () => undefined },
  } as unknown as BrokerContext;
  const request = {
    version: 0,
    body: { topics: [{ name: "t", partitionIndexes: [0, 1] }] },
  } as unknown as HandlerRequest<never>;
  const res: Any = await HANDLERS.get(ApiKey.DescribeProducers)!(broker, request);
  assert.deepEqual(res.topics[0].partitions.map((p: Any) => [p.partitionIndex, p.errorCode]), [
    [0, ErrorCode.NOT_LEADER_OR_FOLLOWER],
    [1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  ]);
});

// ---- ListTransactions ----

interface ListFilters {
  stateFilters?: string[];
  producerIdFilters?: bigint[];
  durationFilter?: bigint;
  transactionalIdPattern?: string | null;
}

async function listTransactions(h: Harness, version: number, f: ListFilters = {}): Promise<Any> {
  const res: Any = await h.call(ApiKey.ListTransactions, version, {
    stateFilters: f.stateFilters ?? [],
    producerIdFilters: f.producerIdFilters ?? [],
    durationFilter: f.durationFilter ?? -1n,
    transactionalIdPattern: f.transactionalIdPattern ?? null,
  });
  assert.equal(res.throttleTimeMs, 0);
  return res;
}

Deno.test("ListTransactions v0-v2 lists no transaction, whatever the filters", async () => {
  await withBroker(async (h) => {
    const empty = {
      throttleTimeMs: 0,
      errorCode: 0,
      unknownStateFilters: [],
      transactionStates: [],
    };
    for (const version of [0, 1, 2]) {
      assert.deepEqual(await listTransactions(h, version), empty, `v${version}`);
      const filtered = await listTransactions(h, version, {
        stateFilters: ["Ongoing", "PrepareCommit"],
        producerIdFilters: [0n, 1n],
        durationFilter: 0n,
        transactionalIdPattern: version >= 2 ? "txn-.*" : null,
      });
      assert.deepEqual(filtered, empty, `v${version} with filters`);
    }
    // A transactional producer is refused, so nothing ever shows up.
    const init: Any = await h.call(ApiKey.InitProducerId, 4, {
      transactionalId: "tx",
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    });
    assert.equal(init.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.deepEqual(await listTransactions(h, 2), empty);
  });
});

Deno.test("ListTransactions names the state filters Kafka does not know, once each, in the order first named", async () => {
  await withBroker(async (h) => {
    for (const version of [0, 1, 2]) {
      // Names are case-sensitive.
      const few = await listTransactions(h, version, {
        stateFilters: ["Ongoing", "ongoing", "Bogus", "Bogus", "Empty"],
      });
      assert.equal(few.errorCode, ErrorCode.NONE);
      assert.deepEqual(few.unknownStateFilters, ["ongoing", "Bogus"], `v${version}`);
    }
    // Kafka's order is a hash set's, which promises none.
    const names = "z a b c Ongoing a x 9 10 z".split(" ");
    const many = await listTransactions(h, 1, { stateFilters: names });
    assert.deepEqual(many.unknownStateFilters, "z a b c x 9 10".split(" "));
    const known = [
      "Empty",
      "Ongoing",
      "PrepareCommit",
      "PrepareAbort",
      "CompleteCommit",
      "CompleteAbort",
      "Dead",
      "PrepareEpochFence",
    ];
    assert.deepEqual(
      (await listTransactions(h, 0, { stateFilters: known })).unknownStateFilters,
      [],
    );
  });
});

Deno.test("ListTransactions v2 refuses a pattern RE2/J cannot compile: INVALID_REGULAR_EXPRESSION alone", async () => {
  await withBroker(async (h) => {
    // Empty and null patterns filter nothing; RE2 syntax JavaScript lacks is fine.
    for (const transactionalIdPattern of [null, "", ".*", "(?P<id>txn)-\\d+", "\\pL\\z"]) {
      const res = await listTransactions(h, 2, { transactionalIdPattern, stateFilters: ["x"] });
      assert.equal(res.errorCode, ErrorCode.NONE, String(transactionalIdPattern));
      assert.deepEqual(res.unknownStateFilters, ["x"]);
    }
    // Syntax JavaScript accepts but RE2 does not, and plain errors. The coordinator throws: the
    // error response has the code alone, not the unknown state filters.
    for (const transactionalIdPattern of ["(", "(?=txn)", "(a)\\1", "x{1001}", "a**"]) {
      const res = await listTransactions(h, 2, { transactionalIdPattern, stateFilters: ["x"] });
      assert.deepEqual(
        res,
        {
          throttleTimeMs: 0,
          errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION,
          unknownStateFilters: [],
          transactionStates: [],
        },
        transactionalIdPattern,
      );
    }
  });
});

Deno.test("ListTransactions v2 judges patterns as RE2/J, Kafka's regex library, does", async () => {
  // Verdicts of com.google.re2j 1.8 (Kafka 4.3.1's) Pattern.compile for each pattern (error text
  // where it refuses); re2js, which the handler uses, must agree on every one. Two known
  // differences are left out: re2js knows the Unicode scripts added after RE2/J's Unicode 6.0
  // (\p{Adlam}), and it reads `x{*` as a literal brace repeated, which RE2/J 1.8 refuses.
  const cases: [string, string | undefined][] = [
    [".*", undefined],
    ["(", "missing closing )"],
    ["a)", "regexp/syntax: internal error"],
    ["(?:a|b)+", undefined],
    ["(?=a)", "invalid or unsupported Perl syntax"],
    ["(?<=a)b", "invalid named capture"],
    ["(?P<id>x)", undefined],
    ["(?<id>x)", undefined],
    ["(?P<id>x)(?P<id>y)", "duplicate capture group name"],
    ["(?P<>x)", "invalid named capture"],
    ["(?P=id)", "invalid or unsupported Perl syntax"],
    ["(?i-m:x)", undefined],
    ["(?i-)x", "invalid or unsupported Perl syntax"],
    ["(?#c)", "invalid or unsupported Perl syntax"],
    ["\\1", "invalid escape sequence"],
    ["\\12", undefined],
    ["\\8", "invalid escape sequence"],
    ["\\x{41}", undefined],
    ["\\x{}", "invalid escape sequence"],
    ["\\x{110000}", "invalid escape sequence"],
    ["\\C", "invalid escape sequence"],
    ["\\Z", "invalid escape sequence"],
    ["\\Qa(b\\E*", undefined],
    ["\\p{Greek}", undefined],
    ["\\p{^Lu}", undefined],
    ["[z-a]", "invalid character class range"],
    ["[a-]", undefined],
    ["[]a]", undefined],
    ["[]", "missing closing ]"],
    ["[[:alpha:]]", undefined],
    ["[[:foo:]]", "invalid character class range"],
    ["[\\b]", "invalid escape sequence"],
    ["[\\d-z]", undefined],
    ["a{,3}", undefined],
    ["a{1000}", undefined],
    ["a{1001}", "invalid repeat count"],
    ["a{3,2}", "invalid repeat count"],
    ["a{2}{3}", "invalid nested repetition operator"],
    ["a*?", undefined],
    ["a*??", "invalid nested repetition operator"],
    ["*", "missing argument to repetition operator"],
    ["a|*", "missing argument to repetition operator"],
    ["^*", undefined],
    ["(?i)*", "missing argument to repetition operator"],
    ["a(?i)*", undefined],
    ["a\\", "trailing backslash at end of expression"],
  ];
  await withBroker(async (h) => {
    for (const [pattern, error] of cases) {
      const res = await listTransactions(h, 2, { transactionalIdPattern: pattern });
      const expected = error === undefined ? ErrorCode.NONE : ErrorCode.INVALID_REGULAR_EXPRESSION;
      assert.equal(res.errorCode, expected, `${pattern}: RE2/J says ${error ?? "valid"}`);
    }
  });
});

// ---- DescribeTransactions ----

Deno.test("DescribeTransactions answers every id TRANSACTIONAL_ID_AUTHORIZATION_FAILED, the rest at defaults", async () => {
  await withBroker(async (h) => {
    const res: Any = await h.call(ApiKey.DescribeTransactions, 0, {
      transactionalIds: ["tx", "", "tx"],
    });
    assert.equal(res.throttleTimeMs, 0);
    assert.deepEqual(
      res.transactionStates,
      ["tx", "", "tx"].map((transactionalId) => ({
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        transactionalId,
        transactionState: "",
        transactionTimeoutMs: 0,
        transactionStartTimeMs: 0n,
        producerId: 0n,
        producerEpoch: 0,
        topics: [],
      })),
    );
    const none: Any = await h.call(ApiKey.DescribeTransactions, 0, { transactionalIds: [] });
    assert.deepEqual(none.transactionStates, []);
  });
});
