/**
 * Produce answers what Kafka answers around transactions, min.insync.replicas and internal topics:
 * a request with transactional batches is refused whole (no transactions here), a transactional
 * id beside plain batches is ignored, acks=all needs min.insync.replicas in sync, Kafka's
 * internal topics are never written or auto-created, bad acks is checked in Kafka's order, and
 * every record of a batch is checked (readable, CreateTime stamps within the topic's window) and
 * the stored header's max timestamp and type agree with the records.
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import {
  BATCH_HEADER_BYTES,
  type BatchView,
  buildBatch,
  Field,
  sealCrc,
  splitBatches,
} from "../../../src/kafka/records/mod.ts";
import { fetchRequestBody } from "../../_support/kafka_client.ts";
import { type Any, createdTopic, type Harness, listedOffset, withBroker } from "./_harness.ts";

const enc = new TextEncoder();

function records(o: { transactional?: boolean } = {}): Uint8Array {
  const transactional = o.transactional ?? false;
  return buildBatch([{ value: enc.encode("v"), timestampMs: 1000 }], {
    transactional,
    producerId: transactional ? 7n : -1n,
    producerEpoch: transactional ? 0 : -1,
    baseSequence: transactional ? 0 : -1,
  });
}

/** Produce v9 of one batch per named topic; each topic's partition-0 answer, in order. */
async function produce(
  h: Harness,
  topics: { name: string; records: Uint8Array }[],
  o: { acks?: number; transactionalId?: string | null } = {},
): Promise<Any[]> {
  const res: Any = await h.call(ApiKey.Produce, 9, {
    transactionalId: o.transactionalId ?? null,
    acks: o.acks ?? -1,
    timeoutMs: 5000,
    topicData: topics.map((t) => ({
      name: t.name,
      partitionData: [{ index: 0, records: t.records }],
    })),
  });
  return res.responses.map((r: Any) => r.partitionResponses[0]);
}

async function logEnd(h: Harness, topic: string): Promise<bigint> {
  return (await listedOffset(h, topic, -1n)).offset;
}

Deno.test("Produce: transactional batches refuse the whole request; a bare transactional id does not", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "a");
    await createdTopic(h, "b");
    // One transactional batch, even without a transactional id, refuses every partition.
    const refused = await produce(h, [
      { name: "a", records: records() },
      { name: "b", records: records({ transactional: true }) },
    ]);
    assert.deepEqual(refused.map((r) => r.errorCode), [
      ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    ]);
    assert.deepEqual([await logEnd(h, "a"), await logEnd(h, "b")], [0n, 0n]);
    // Kafka ignores a transactional id sent with plain batches.
    const plain = await produce(h, [{ name: "a", records: records() }], { transactionalId: "tx" });
    assert.deepEqual([plain[0].errorCode, plain[0].baseOffset], [ErrorCode.NONE, 0n]);
  });
});

Deno.test("Produce: bad acks refuses known partitions; unknown ones are answered as unknown first, as in Kafka", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    const answers = await produce(
      h,
      [{ name: "t", records: records() }, { name: "missing", records: records() }],
      { acks: 2 },
    );
    assert.deepEqual(answers.map((r) => r.errorCode), [
      ErrorCode.INVALID_REQUIRED_ACKS,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    // A refused request creates nothing (Kafka's Produce never creates topics).
    const again = await produce(h, [{ name: "missing", records: records() }]);
    assert.equal(again[0].errorCode, ErrorCode.NONE);
    assert.equal(await logEnd(h, "t"), 0n);
    assert.equal(await logEnd(h, "missing"), 1n);
  });
});

Deno.test("Produce: acks=all needs min.insync.replicas replicas in sync; acks=1 and 0 do not", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "strict", 1, [{ name: "min.insync.replicas", value: "2" }]);
    const [all] = await produce(h, [{ name: "strict", records: records() }]);
    assert.equal(all.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
    assert.equal(await logEnd(h, "strict"), 0n, "nothing was appended");
    const [one] = await produce(h, [{ name: "strict", records: records() }], { acks: 1 });
    assert.deepEqual([one.errorCode, one.baseOffset], [ErrorCode.NONE, 0n]);
    await createdTopic(h, "default");
    const [ok] = await produce(h, [{ name: "default", records: records() }]);
    assert.equal(ok.errorCode, ErrorCode.NONE);
  });
});

Deno.test("Produce: Kafka's internal topics are neither written nor auto-created", async () => {
  await withBroker(async (h) => {
    // Missing ones are unknown, as in Kafka, whose Produce never creates topics.
    for (const name of ["__transaction_state", "__share_group_state"]) {
      const [r] = await produce(h, [{ name, records: records() }]);
      assert.equal(r.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name);
      const meta: Any = await h.call(ApiKey.Metadata, 12, {
        topics: [{ name, topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      assert.equal(meta.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name);
    }
    // One that exists is refused.
    await h.call(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ["g"] });
    const [offsets] = await produce(h, [{ name: "__consumer_offsets", records: records() }]);
    assert.equal(offsets.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  });
});

/** The batches stored in partition 0 of `topic`, from offset 0. */
async function stored(h: Harness, topic: string): Promise<BatchView[]> {
  const res: Any = await h.call(ApiKey.Fetch, 12, fetchRequestBody(topic, 0, 0));
  const records = res.responses[0].partitions[0].records;
  return records === null || records.length === 0 ? [] : splitBatches(records, { maxBatches: 100 });
}

Deno.test("Produce: a record stamped beyond the topic's window is INVALID_TIMESTAMP, named in record_errors", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    await createdTopic(h, "lenient", 1, [
      { name: "message.timestamp.after.max.ms", value: String(3 * 3_600_000) },
    ]);
    // Kafka 4's default: one hour into the future at most; the past is unbounded.
    const twoHours = Date.now() + 2 * 3_600_000;
    const batch = () =>
      buildBatch([{ value: enc.encode("now"), timestampMs: Date.now() }, {
        value: enc.encode("later"),
        timestampMs: twoHours,
      }, { value: enc.encode("long ago"), timestampMs: 1 }]);
    const [refused] = await produce(h, [{ name: "t", records: batch() }]);
    assert.equal(refused.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(refused.recordErrors.map((e: Any) => e.batchIndex), [1]);
    assert.match(refused.errorMessage, /invalid timestamp/);
    assert.equal(await logEnd(h, "t"), 0n);
    const [accepted] = await produce(h, [{ name: "lenient", records: batch() }]);
    assert.equal(accepted.errorCode, ErrorCode.NONE);
  });
});

Deno.test("Produce: the stored header's max timestamp and type are the records', whatever the client wrote", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    const lying = buildBatch([{ value: enc.encode("a"), timestampMs: 1_000 }, {
      value: enc.encode("b"),
      timestampMs: 3_000,
    }], { timestampType: "logAppendTime" });
    new DataView(lying.buffer).setBigInt64(Field.maxTimestamp, 9_000n);
    sealCrc(lying);
    assert.equal((await produce(h, [{ name: "t", records: lying }]))[0].errorCode, ErrorCode.NONE);
    const [batch] = await stored(h, "t");
    assert.deepEqual(
      [batch!.timestampType, batch!.maxTimestamp, batch!.crcValid()],
      ["createTime", 3_000, true],
    );
  });
});

Deno.test("Produce: a producer's LogAppendTime batch on a LogAppendTime topic is INVALID_TIMESTAMP", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t", 1, [{ name: "message.timestamp.type", value: "LogAppendTime" }]);
    const marked = buildBatch([{ value: enc.encode("a") }, { value: enc.encode("b") }], {
      timestampType: "logAppendTime",
    });
    const [refused] = await produce(h, [{ name: "t", records: marked }]);
    assert.equal(refused.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(refused.recordErrors.map((e: Any) => e.batchIndex), [0, 1]);
    // Records are named only after they are walked: a header claiming two billion is refused.
    const claims = buildBatch([{ value: enc.encode("a") }], {
      codec: "gzip",
      timestampType: "logAppendTime",
    });
    new DataView(claims.buffer).setInt32(Field.recordCount, 2_000_000_000);
    new DataView(claims.buffer).setInt32(Field.lastOffsetDelta, 1_999_999_999);
    sealCrc(claims);
    const [invalid] = await produce(h, [{ name: "t", records: claims }]);
    assert.equal(invalid.errorCode, ErrorCode.INVALID_RECORD);
    assert.equal((await produce(h, [{ name: "t", records: records() }]))[0].errorCode, 0);
  });
});

Deno.test("Produce: a batch whose records do not fit it is refused and never served", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    // A valid header and CRC over a record count the records do not have.
    const short = records();
    new DataView(short.buffer).setInt32(Field.recordCount, 2);
    new DataView(short.buffer).setInt32(Field.lastOffsetDelta, 1);
    sealCrc(short);
    // A gzip payload that does not decompress.
    const garbage = buildBatch([{ value: enc.encode("x".repeat(64)) }], { codec: "gzip" });
    garbage.fill(0x55, BATCH_HEADER_BYTES + 10);
    sealCrc(garbage);
    const answers = await produce(h, [{ name: "t", records: short }]);
    assert.equal(answers[0].errorCode, ErrorCode.INVALID_RECORD);
    assert.equal(
      (await produce(h, [{ name: "t", records: garbage }]))[0].errorCode,
      ErrorCode.CORRUPT_MESSAGE,
    );
    assert.deepEqual(await stored(h, "t"), []);
  });
});

Deno.test("Produce: bytes after the batch that make no batch are dropped, as Kafka drops them", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    const batch = records();
    const withTail = new Uint8Array(batch.length + 20);
    withTail.set(batch);
    withTail.set(batch.subarray(0, 20), batch.length); // a length, a magic, then too few bytes
    const [answer] = await produce(h, [{ name: "t", records: withTail }]);
    assert.equal(answer.errorCode, ErrorCode.NONE);
    assert.equal(answer.baseOffset, 0n);
    const served = await stored(h, "t");
    assert.equal(served.length, 1);
    assert.equal(served[0]!.sizeBytes, batch.length);
    assert.equal(await logEnd(h, "t"), 1n);
  });
});

Deno.test("a partition named twice in Produce, Fetch or DeleteRecords is served once, as its last naming asks", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "d");
    const batch = (n: number) =>
      buildBatch(Array.from({ length: n }, () => ({ value: enc.encode("v"), timestampMs: 1000 })));
    // Kafka reads the request into a map by partition: one batch of 2 records is written, not 3.
    const produced: Any = await h.call(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [1, 2].map((n) => ({
        name: "d",
        partitionData: [{ index: 0, records: batch(n) }],
      })),
    });
    assert.equal(produced.responses.length, 1);
    assert.deepEqual(
      produced.responses[0].partitionResponses.map((
        p: Any,
      ) => [p.index, p.errorCode, p.baseOffset]),
      [[0, ErrorCode.NONE, 0n]],
    );
    assert.equal(await logEnd(h, "d"), 2n);
    assert.equal((await produce(h, [{ name: "d", records: batch(1) }]))[0].baseOffset, 2n);
    // Fetch: read once, from the last naming's offset.
    const fetchBody = fetchRequestBody("d", 0, 0) as Any;
    const from = (offset: number) => ({
      ...fetchBody.topics[0].partitions[0],
      fetchOffset: BigInt(offset),
    });
    fetchBody.topics = [{ topic: "d", partitions: [from(0)] }, {
      topic: "d",
      partitions: [from(2)],
    }];
    const fetched: Any = await h.call(ApiKey.Fetch, 12, fetchBody);
    assert.equal(fetched.responses.length, 1);
    assert.equal(fetched.responses[0].partitions.length, 1);
    const batches = splitBatches(fetched.responses[0].partitions[0].records);
    assert.deepEqual(batches.map((b: BatchView) => b.baseOffset), [2]);
    // DeleteRecords: moved once, to the last naming's offset (1, not the first naming's 2).
    const deleted: Any = await h.call(ApiKey.DeleteRecords, 2, {
      topics: [2n, 1n].map((offset) => ({
        name: "d",
        partitions: [{ partitionIndex: 0, offset }],
      })),
      timeoutMs: 1000,
    });
    assert.equal(deleted.topics.length, 1);
    assert.deepEqual(
      deleted.topics[0].partitions.map((p: Any) => [p.partitionIndex, p.errorCode, p.lowWatermark]),
      [[0, ErrorCode.NONE, 1n]],
    );
  });
});
