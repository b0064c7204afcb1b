/**
 * The broker's API behaviour end to end through the codec, against a real node on a temp dir:
 * topic lifecycle, produce/fetch, idempotence, offsets, configs, restart.
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { buildBatch, readRecords, splitBatches } from "../../../src/kafka/records/mod.ts";
import {
  type Any,
  createdTopic,
  createTopic,
  type Harness,
  listedOffset,
  producedBatch,
  withBroker,
} from "./_harness.ts";
import { BufferPool } from "../../../src/buffer_pool.ts";
import type { HandlerRequest, ResponseBuffers } from "../../../src/kafka/handlers/context.ts";
import {
  type BrokerContext,
  createRequestHandler,
  HANDLERS,
} from "../../../src/kafka/handlers/mod.ts";
import { decodeResponse, encodeRequest } from "../../../src/kafka/protocol/header.ts";
import { decodeMessage } from "../../../src/kafka/protocol/codec.ts";
import { CloseConnection, type RequestContext } from "../../../src/kafka/server/types.ts";
import { fetchRequestBody } from "../../_support/kafka_client.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function batch(
  values: string[],
  o: { producerId?: bigint; baseSequence?: number; timestampMs?: number } = {},
) {
  return buildBatch(
    values.map((v) => ({
      key: enc.encode(`k-${v}`),
      value: enc.encode(v),
      timestampMs: o.timestampMs ?? 1000,
    })),
    {
      producerId: o.producerId ?? -1n,
      producerEpoch: o.producerId === undefined ? -1 : 0,
      baseSequence: o.baseSequence ?? -1,
    },
  );
}

async function produce(
  h: Harness,
  topic: string,
  partition: number,
  records: Uint8Array,
  version = 9,
) {
  const res: Any = await h.call(ApiKey.Produce, version, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return res.responses[0].partitionResponses[0];
}

async function fetch(
  h: Harness,
  topic: string,
  partition: number,
  offset: number,
  o: { maxWaitMs?: number; minBytes?: number } = {},
) {
  const res: Any = await h.call(ApiKey.Fetch, 12, fetchRequestBody(topic, partition, offset, o));
  return res.responses[0].partitions[0];
}

function values(records: Uint8Array | null): { offset: number; value: string }[] {
  if (records === null || records.length === 0) return [];
  return splitBatches(records, { maxBatches: 1000 }).flatMap((b) =>
    [...readRecords(b)].map((r) => ({ offset: r.offset, value: dec.decode(r.value!) }))
  );
}

Deno.test("ApiVersions advertises served APIs and answers unknown versions with the v0 fallback", async () => {
  await withBroker(async (h) => {
    const res: Any = await h.call(ApiKey.ApiVersions, 3, {
      clientSoftwareName: "t",
      clientSoftwareVersion: "1",
    });
    assert.equal(res.errorCode, 0);
    // Every served API with the range Kafka 4.3.1 lists (the ACL APIs lost v0 in 4.0, KIP-896).
    // Produce is listed from v0 as Kafka 4 lists it, though v0-v2 are refused (next test).
    // DescribeQuorum has a table but no handler: a standalone node has no metadata quorum.
    assert.deepEqual(
      res.apiKeys.map((k: Any) => `${k.apiKey}:${k.minVersion}-${k.maxVersion}`).join(" "),
      "0:0-13 1:4-18 2:1-11 3:0-13 8:2-10 9:1-10 10:0-6 11:0-9 12:0-4 13:0-5 14:0-5 15:0-6 " +
        "16:0-5 18:0-4 19:2-7 20:1-6 21:0-2 22:0-5 23:2-4 29:1-3 30:1-3 31:1-3 32:1-4 33:0-2 " +
        "35:1-5 37:0-3 42:0-2 43:0-2 44:0-1 45:0-1 46:0-0 47:0-0 48:0-1 50:0-0 60:0-2 61:0-0 " +
        "65:0-0 66:0-2 74:0-1 75:0-0",
    );
    // An ApiVersions request at a version from the future: KIP-511 fallback in v0 format.
    const frame = new Uint8Array([0, 18, 0, 99, 0, 0, 0, 7, 0, 0]);
    const out = await h.raw(frame) as Uint8Array;
    const view = new DataView(out.buffer, out.byteOffset);
    assert.equal(view.getInt32(0), 7);
    assert.equal(view.getInt16(4), ErrorCode.UNSUPPORTED_VERSION);
    // It lists what the v3 answer lists, not every API the codec can parse.
    const fallback: Any = decodeMessage(ApiKey.ApiVersions, 0, "response", out.subarray(4));
    assert.deepEqual(fallback.apiKeys, res.apiKeys);
  });
});

Deno.test("Produce v0-v2, listed for librdkafka's sake, close the connection as Kafka 4 does", async () => {
  await withBroker(async (h) => {
    for (const version of [0, 1, 2]) {
      // Header (key 0, version, correlation 9, client id "c"), then acks 1, timeout 1000, no topics.
      const frame = Uint8Array.of(
        0,
        0,
        0,
        version,
        0,
        0,
        0,
        9,
        0,
        1,
        99,
        0,
        1,
        0,
        0,
        3,
        232,
        0,
        0,
        0,
        0,
      );
      const out = await h.raw(frame);
      assert.ok(out instanceof CloseConnection, `v${version}`);
      assert.match(out.reason, /Produce v\d outside 3-13/);
    }
  });
});

Deno.test("a request with bytes after its body is served, as Kafka serves it", async () => {
  await withBroker(async (h) => {
    await createTopic(h, "t");
    const request = encodeRequest(
      { requestApiKey: ApiKey.Metadata, requestApiVersion: 1, correlationId: 5, clientId: "c" },
      { topics: [{ name: "t" }] },
    ).subarray(4);
    const out = await h.raw(Uint8Array.of(...request, 0, 0, 0, 9));
    assert.ok(out instanceof Uint8Array, "answered, not closed");
    const res: Any = decodeResponse(out, ApiKey.Metadata, 1);
    assert.equal(res.header.correlationId, 5);
    assert.equal(res.body.topics[0].name, "t");
    assert.equal(res.body.topics[0].errorCode, ErrorCode.NONE);
  });
});

Deno.test("topic lifecycle with Kafka's error codes", async (t) => {
  await withBroker(async (h) => {
    await t.step("create, then the same name again", async () => {
      const created = await createTopic(h, "orders", 3);
      assert.equal(created.errorCode, 0);
      assert.equal(created.numPartitions, 3);
      assert.equal((await createTopic(h, "orders")).errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
    });
    await t.step("invalid names, counts, factors and configs are refused", async () => {
      assert.equal((await createTopic(h, "bad name")).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
      assert.equal((await createTopic(h, "..")).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
      // Names equal up to '.' and '_' collide, as in Kafka.
      assert.equal((await createTopic(h, "a.b")).errorCode, ErrorCode.NONE);
      const collision: Any = await createTopic(h, "a_b");
      assert.equal(collision.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
      assert.match(collision.errorMessage, /collides with existing topic "a\.b"/);
      assert.equal((await createTopic(h, "zero", 0)).errorCode, ErrorCode.INVALID_PARTITIONS);
      const rf: Any = await h.call(ApiKey.CreateTopics, 7, {
        topics: [{
          name: "rf3",
          numPartitions: 1,
          replicationFactor: 3,
          assignments: [],
          configs: [],
        }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      assert.equal(rf.topics[0].errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
      const cfg = await createTopic(h, "cfg", 1, [{ name: "retention.ms", value: "soon" }]);
      assert.equal(cfg.errorCode, ErrorCode.INVALID_CONFIG);
      const unknown = await createTopic(h, "cfg", 1, [{ name: "no.such.config", value: "1" }]);
      assert.equal(unknown.errorCode, ErrorCode.INVALID_CONFIG);
    });
    await t.step("metadata lists the topic with this node leading every partition", async () => {
      const md: Any = await h.call(ApiKey.Metadata, 12, {
        topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "orders" }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      assert.equal(md.brokers.length, 1);
      const topic = md.topics[0];
      assert.equal(topic.errorCode, 0);
      assert.equal(topic.partitions.length, 3);
      for (const p of topic.partitions) {
        assert.equal(p.leaderId, md.brokers[0].nodeId);
        assert.deepEqual(p.isrNodes, [md.brokers[0].nodeId]);
      }
    });
    await t.step("partitions can be added, never removed", async () => {
      const res: Any = await h.call(ApiKey.CreatePartitions, 3, {
        topics: [{ name: "orders", count: 5, assignments: null }, {
          name: "orders2",
          count: 2,
          assignments: null,
        }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      assert.equal(res.results[0].errorCode, 0);
      assert.equal(res.results[1].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const again: Any = await h.call(ApiKey.CreatePartitions, 3, {
        topics: [{ name: "orders", count: 4, assignments: null }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      assert.equal(again.results[0].errorCode, ErrorCode.INVALID_PARTITIONS);
      assert.equal((await produce(h, "orders", 4, batch(["x"]))).errorCode, 0);
    });
    await t.step("delete, then a new topic of the same name starts empty", async () => {
      assert.equal((await produce(h, "orders", 0, batch(["old"]))).errorCode, 0);
      const del: Any = await h.call(ApiKey.DeleteTopics, 6, {
        topics: [{ name: "orders", topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
        timeoutMs: 1000,
      });
      assert.equal(del.responses[0].errorCode, 0);
      const gone: Any = await h.call(ApiKey.Metadata, 12, {
        topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "orders" }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      assert.equal(gone.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      assert.equal((await createTopic(h, "orders")).errorCode, 0);
      const fetched = await fetch(h, "orders", 0, 0);
      assert.equal(fetched.highWatermark, 0n);
    });
  });
});

Deno.test("metadata auto-creates topics only when allowed", async () => {
  await withBroker(async (h) => {
    const ask = (name: string, allow: boolean) =>
      h.call(ApiKey.Metadata, 12, {
        topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name }],
        allowAutoTopicCreation: allow,
        includeTopicAuthorizedOperations: false,
      }) as Promise<Any>;
    assert.equal(
      (await ask("quiet", false)).topics[0].errorCode,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    const created = await ask("auto", true);
    assert.equal(created.topics[0].errorCode, 0);
    assert.equal(created.topics[0].partitions.length, 1);
    // Produce to an unknown topic creates it too.
    assert.equal((await produce(h, "by-produce", 0, batch(["a"]))).errorCode, 0);
    assert.equal((await fetch(h, "by-produce", 0, 0)).highWatermark, 1n);
  });
  await withBroker(async (h) => {
    const res: Any = await h.call(ApiKey.Metadata, 12, {
      topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "auto" }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    });
    assert.equal(res.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(
      (await produce(h, "by-produce", 0, batch(["a"]))).errorCode,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
  }, { "auto.create.topics.enable": "false" });
});

Deno.test("produce and fetch round-trip, with long-poll woken by an append", async () => {
  await withBroker(async (h) => {
    await createTopic(h, "t");
    const first = await produce(h, "t", 0, batch(["a", "b", "c"]));
    assert.equal(first.errorCode, 0);
    assert.equal(first.baseOffset, 0n);
    const second = await produce(h, "t", 0, batch(["d"]));
    assert.equal(second.baseOffset, 3n);
    const got = await fetch(h, "t", 0, 0);
    assert.equal(got.errorCode, 0);
    assert.equal(got.highWatermark, 4n);
    assert.deepEqual(
      values(got.records),
      ["a", "b", "c", "d"].map((value, offset) => ({ offset, value })),
    );
    // A fetch at the end waits; an append wakes it well before its 5 s deadline.
    const started = performance.now();
    const waiting = fetch(h, "t", 0, 4, { maxWaitMs: 5000, minBytes: 1 });
    await new Promise((r) => setTimeout(r, 50));
    await produce(h, "t", 0, batch(["e"]));
    const woken = await waiting;
    assert.ok(performance.now() - started < 4000, "woken by the append, not the deadline");
    assert.deepEqual(values(woken.records), [{ offset: 4, value: "e" }]);
    // minBytes above the response's maxBytes waits for no more than maxBytes (Kafka caps it).
    const capStarted = performance.now();
    const capped: Any = await h.call(
      ApiKey.Fetch,
      12,
      fetchRequestBody("t", 0, 0, { maxWaitMs: 5000, minBytes: 1 << 20, maxBytes: 10 }),
    );
    assert.ok(performance.now() - capStarted < 4000, "answered without waiting out maxWaitMs");
    // The first batch comes whole even over maxBytes, as always.
    assert.deepEqual(values(capped.responses[0].partitions[0].records)[0], {
      offset: 0,
      value: "a",
    });
    // An unknown partition beside a known one does not cut the wait short.
    const withUnknown = fetchRequestBody("t", 0, 5, { maxWaitMs: 5000, minBytes: 1 });
    (withUnknown.topics as Any)[0].partitions.push({
      ...(withUnknown.topics as Any)[0].partitions[0],
      partition: 9,
    });
    const pending = h.call(ApiKey.Fetch, 12, withUnknown);
    let settled = false;
    pending.then(() => settled = true, () => settled = true);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(settled, false, "still waiting for data on the known partition");
    await produce(h, "t", 0, batch(["f"]));
    const both: Any = await pending;
    assert.deepEqual(
      both.responses[0].partitions.map((p: Any) => [p.partitionIndex, p.errorCode]),
      [[0, ErrorCode.NONE], [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
    );
    assert.deepEqual(values(both.responses[0].partitions[0].records), [{ offset: 5, value: "f" }]);
    // Beyond the log end: OFFSET_OUT_OF_RANGE.
    assert.equal((await fetch(h, "t", 0, 99)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    // Unknown partition and topic.
    assert.equal(
      (await produce(h, "t", 7, batch(["x"]))).errorCode,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    assert.equal((await fetch(h, "nope", 0, 0)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // A fetch of unknown partitions only has nothing to wait for: answered at once.
    const unknownStarted = performance.now();
    const unknownOnly = await fetch(h, "nope", 0, 0, { maxWaitMs: 5000, minBytes: 1 });
    assert.equal(unknownOnly.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.ok(performance.now() - unknownStarted < 4000, "answered without waiting out maxWaitMs");
  });
});

Deno.test("produce refuses corrupt, oversized and badly acked batches", async () => {
  await withBroker(async (h) => {
    await createTopic(h, "t", 1, [{ name: "max.message.bytes", value: "200" }]);
    const corrupt = batch(["a"]);
    corrupt[corrupt.length - 1]! ^= 0xff;
    const refusedCorrupt = await produce(h, "t", 0, corrupt);
    assert.equal(refusedCorrupt.errorCode, ErrorCode.CORRUPT_MESSAGE);
    // A refusal of the whole batch names no record (a record error would blame record 0 alone).
    assert.deepEqual(refusedCorrupt.recordErrors, []);
    // A magic no version has is corrupt too.
    const magic3 = batch(["m"]);
    magic3[16] = 3;
    assert.equal((await produce(h, "t", 0, magic3)).errorCode, ErrorCode.CORRUPT_MESSAGE);
    // What Kafka refuses as an invalid record: no batch (nothing, or fewer bytes than the batch
    // claims), an old magic, a control batch, a producer id without a sequence. An unknown
    // partition is told first.
    const magic1 = batch(["m"]);
    magic1[16] = 1;
    const invalid = [
      new Uint8Array(0),
      batch(["cut"]).subarray(0, 40),
      magic1,
      buildBatch([{ value: enc.encode("c") }], { control: true }),
      buildBatch([{ value: enc.encode("p") }], { producerId: 5n, producerEpoch: 0 }),
    ];
    for (const [i, records] of invalid.entries()) {
      assert.equal(
        (await produce(h, "t", 0, records)).errorCode,
        ErrorCode.INVALID_RECORD,
        `#${i}`,
      );
    }
    assert.equal(
      (await produce(h, "t", 9, new Uint8Array(0))).errorCode,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    // zstd came with Produce v7 (later versions store it: the interop suite's zstd runs).
    const zstd = buildBatch([{ value: enc.encode("z") }], { codec: "zstd" });
    assert.equal(
      (await produce(h, "t", 0, zstd, 6)).errorCode,
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
    );
    const big = batch(["x".repeat(500)]);
    assert.equal((await produce(h, "t", 0, big)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    const acks: Any = await h.call(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: 2,
      timeoutMs: 1000,
      topicData: [{ name: "t", partitionData: [{ index: 0, records: batch(["a"]) }] }],
    });
    assert.equal(
      acks.responses[0].partitionResponses[0].errorCode,
      ErrorCode.INVALID_REQUIRED_ACKS,
    );
    // Nothing was stored by any refusal.
    assert.equal((await fetch(h, "t", 0, 0)).highWatermark, 0n);
    // acks=0 stores but answers nothing.
    const none = await h.call(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: "t", partitionData: [{ index: 0, records: batch(["q"]) }] }],
    });
    assert.equal(none, null);
    assert.equal((await fetch(h, "t", 0, 0)).highWatermark, 1n);
    // An acks=0 produce that fails anywhere closes the connection (no response could tell the
    // client); the partitions that succeeded keep their records.
    await assert.rejects(
      () =>
        h.call(ApiKey.Produce, 9, {
          transactionalId: null,
          acks: 0,
          timeoutMs: 1000,
          topicData: [{
            name: "t",
            partitionData: [{ index: 0, records: batch(["r"]) }, {
              index: 7,
              records: batch(["s"]),
            }],
          }],
        }),
      /connection closed: acks=0 produce failed on 1 partition/,
    );
    assert.equal((await fetch(h, "t", 0, 0)).highWatermark, 2n);
  });
});

Deno.test("idempotent produce: duplicates get their original offset, gaps are refused", async () => {
  await withBroker(async (h) => {
    await createTopic(h, "t");
    const init: Any = await h.call(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    });
    assert.equal(init.errorCode, 0);
    const pid = init.producerId as bigint;
    const again: Any = await h.call(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    });
    assert.notEqual(again.producerId, pid, "producer ids are never reused");
    assert.equal(
      (await produce(h, "t", 0, batch(["a", "b"], { producerId: pid, baseSequence: 0 })))
        .baseOffset,
      0n,
    );
    // Stamped now: a producer whose last batch is a day old is expired on load (KIP-854).
    const c = batch(["c"], { producerId: pid, baseSequence: 2, timestampMs: Date.now() });
    assert.equal((await produce(h, "t", 0, c)).baseOffset, 2n);
    const dup = await produce(h, "t", 0, batch(["a", "b"], { producerId: pid, baseSequence: 0 }));
    assert.equal(dup.errorCode, 0);
    assert.equal(dup.baseOffset, 0n);
    assert.equal(dup.logAppendTimeMs, -1n, "CreateTime: no append time, as for the original");
    const gap = await produce(h, "t", 0, batch(["z"], { producerId: pid, baseSequence: 9 }));
    assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal((await fetch(h, "t", 0, 0)).highWatermark, 3n);
    // After a restart the producer state is rebuilt from the log: still a duplicate.
    await h.restart();
    const dupAfter = await produce(h, "t", 0, batch(["c"], { producerId: pid, baseSequence: 2 }));
    assert.equal(dupAfter.baseOffset, 2n);
    const next = await produce(h, "t", 0, batch(["d"], { producerId: pid, baseSequence: 3 }));
    assert.equal(next.baseOffset, 3n);
    const transactional: Any = await h.call(ApiKey.InitProducerId, 4, {
      transactionalId: "tx",
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    });
    assert.equal(
      transactional.errorCode,
      ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      "transactions are refused, not faked",
    );
    // A producer id without its epoch, or the reverse: Kafka's INVALID_REQUEST, no new id.
    for (const [producerId, producerEpoch] of [[-1n, 0], [pid, -1]] as const) {
      const half: Any = await h.call(ApiKey.InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60000,
        producerId,
        producerEpoch,
      });
      assert.deepEqual(
        [half.errorCode, half.producerId, half.producerEpoch],
        [ErrorCode.INVALID_REQUEST, -1n, -1],
      );
    }
    // Both: an existing producer re-initialising; it gets a fresh id.
    const both: Any = await h.call(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: pid,
      producerEpoch: 0,
    });
    assert.equal(both.errorCode, 0);
    assert.notEqual(both.producerId, pid);
  });
});

Deno.test("a retried batch on a LogAppendTime topic is answered its original append time", async () => {
  await withBroker(async (h) => {
    await createTopic(h, "stamped", 1, [
      { name: "message.timestamp.type", value: "LogAppendTime" },
    ]);
    const init: Any = await h.call(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    });
    const send = (seq: number) =>
      produce(h, "stamped", 0, batch(["x"], { producerId: init.producerId, baseSequence: seq }));
    const first = await send(0);
    assert.equal(first.errorCode, 0);
    assert.ok(first.logAppendTimeMs > 0n);
    await new Promise((r) => setTimeout(r, 5));
    const retry = await send(0);
    assert.deepEqual([retry.baseOffset, retry.logAppendTimeMs], [0n, first.logAppendTimeMs]);
    await send(1); // still among the producer's last five batches after this
    await h.restart();
    const afterRestart = await send(0);
    assert.deepEqual([afterRestart.baseOffset, afterRestart.logAppendTimeMs], [
      0n,
      first.logAppendTimeMs,
    ]);
  });
});

Deno.test("ListOffsets, DeleteRecords and OffsetForLeaderEpoch", async () => {
  await withBroker(async (h) => {
    await createTopic(h, "t");
    await produce(h, "t", 0, batch(["a", "b"], { timestampMs: 1000 }));
    await produce(h, "t", 0, batch(["c"], { timestampMs: 3000 }));
    await produce(h, "t", 0, batch(["d"], { timestampMs: 2000 }));
    const list = (timestamp: bigint, version = 7) => listedOffset(h, "t", timestamp, version);
    assert.equal((await list(-2n)).offset, 0n);
    assert.equal((await list(-1n)).offset, 4n);
    assert.equal((await list(2500n)).offset, 2n);
    assert.equal((await list(-3n)).offset, 2n, "max timestamp is record c");
    assert.equal((await list(9999n)).offset, -1n);
    // Without tiered storage the earliest local offset is the log start and nothing is tiered.
    assert.equal((await list(-4n, 8)).offset, 0n, "earliest local");
    // Nor is anything pending upload (-6, v11, KIP-1023): Kafka 4.3.1 answers both this way.
    for (const [timestamp, version] of [[-5n, 9], [-6n, 11]] as const) {
      const tiered = await list(timestamp, version);
      assert.deepEqual(
        [tiered.errorCode, tiered.offset, tiered.timestamp, tiered.leaderEpoch],
        [ErrorCode.NONE, -1n, -1n, -1],
        `${timestamp} at v${version}`,
      );
    }
    const del: Any = await h.call(ApiKey.DeleteRecords, 2, {
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, offset: 2n }] }],
      timeoutMs: 1000,
    });
    assert.equal(del.topics[0].partitions[0].lowWatermark, 2n);
    assert.equal((await list(-2n)).offset, 2n);
    assert.equal((await list(-4n, 8)).offset, 2n, "earliest local follows the log start");
    // A special timestamp below the version that introduced it, or an unknown one, is refused.
    for (
      const [timestamp, version] of [[-3n, 6], [-4n, 7], [-5n, 8], [-6n, 10], [-7n, 11]] as const
    ) {
      const refused = await list(timestamp, version);
      assert.deepEqual(
        [refused.errorCode, refused.offset],
        [ErrorCode.UNSUPPORTED_VERSION, -1n],
        `${timestamp} at v${version}`,
      );
    }
    // A partition named twice is answered once, INVALID_REQUEST, in one entry for its topic, as
    // Kafka's map of the request answers it; the others are answered.
    const twice: Any = await h.call(ApiKey.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: ["t", "t"].map((name, i) => ({
        name,
        partitions: [
          { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n },
          ...(i === 0 ? [{ partitionIndex: 9, currentLeaderEpoch: -1, timestamp: -1n }] : []),
        ],
      })),
    });
    const answered = twice.topics.map((t: Any) =>
      t.partitions.map((p: Any) => `${p.partitionIndex}:${p.errorCode}`)
    );
    assert.deepEqual(answered, [
      [`0:${ErrorCode.INVALID_REQUEST}`, `9:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`],
    ]);
    assert.equal((await fetch(h, "t", 0, 0)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    const beyond: Any = await h.call(ApiKey.DeleteRecords, 2, {
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, offset: 50n }] }],
      timeoutMs: 1000,
    });
    assert.equal(beyond.topics[0].partitions[0].errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    const epoch: Any = await h.call(ApiKey.OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [{
        topic: "t",
        partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }],
      }],
    });
    assert.equal(epoch.topics[0].partitions[0].endOffset, 4n);
    // Kafka's epoch cache: -1 is undefined, an epoch before the first ends where the first starts
    // (the log start, 2 after DeleteRecords), one after the last has no end.
    const others: Any = await h.call(ApiKey.OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [{
        topic: "t",
        partitions: [-1, -2, 1].map((leaderEpoch) => ({
          partition: 0,
          currentLeaderEpoch: -1,
          leaderEpoch,
        })),
      }],
    });
    assert.deepEqual(
      others.topics[0].partitions.map((p: Any) => [p.errorCode, p.leaderEpoch, p.endOffset]),
      [[0, -1, -1n], [0, -2, 2n], [0, -1, -1n]],
    );
    const fenced: Any = await h.call(ApiKey.OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [{
        topic: "t",
        partitions: [{ partition: 0, currentLeaderEpoch: 5, leaderEpoch: 0 }],
      }],
    });
    assert.equal(fenced.topics[0].partitions[0].errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
  });
});

Deno.test("configs: describe, alter, incremental alter, and effect on the partition", async () => {
  await withBroker(async (h) => {
    await createTopic(h, "t", 1, [{ name: "retention.ms", value: "60000" }]);
    const describe = async (
      resourceType: number,
      resourceName: string,
      keys: string[] | null = null,
    ) => {
      const res: Any = await h.call(ApiKey.DescribeConfigs, 4, {
        resources: [{ resourceType, resourceName, configurationKeys: keys }],
        includeSynonyms: true,
        includeDocumentation: false,
      });
      return res.results[0];
    };
    /** IncrementalAlterConfigs SET of one key on broker resource `name` ("" = cluster-wide). */
    const setBrokerConfig = async (name: string, key: string, value: string) => {
      const res: Any = await h.call(ApiKey.IncrementalAlterConfigs, 1, {
        resources: [{
          resourceType: 4,
          resourceName: name,
          configs: [{ name: key, configOperation: 0, value }],
        }],
        validateOnly: false,
      });
      return res.responses[0];
    };
    const topic = await describe(2, "t");
    const retention = topic.configs.find((c: Any) => c.name === "retention.ms");
    assert.equal(retention.value, "60000");
    assert.equal(retention.configSource, 1);
    // No operator set the broker's value either: the built-in default, which tools such as
    // kafka-topics.sh --describe leave out (this test's broker is started with log.retention.ms
    // set, and nothing else).
    const segment = topic.configs.find((c: Any) => c.name === "segment.bytes");
    assert.equal(segment.configSource, 5, "the built-in default");
    // An empty key list means every key, as a null one does.
    assert.equal((await describe(2, "t", [])).configs.length, topic.configs.length);
    const inc: Any = await h.call(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [{
        resourceType: 2,
        resourceName: "t",
        configs: [
          { name: "max.message.bytes", configOperation: 0, value: "100" },
          { name: "retention.ms", configOperation: 1, value: null },
        ],
      }],
      validateOnly: false,
    });
    assert.equal(inc.responses[0].errorCode, 0);
    const after = await describe(2, "t", ["retention.ms", "max.message.bytes"]);
    assert.equal(after.configs.length, 2);
    assert.equal(
      after.configs.find((c: Any) => c.name === "retention.ms").configSource,
      4,
      "from the broker's static setting, which the harness set",
    );
    assert.equal(after.configs.find((c: Any) => c.name === "max.message.bytes").value, "100");
    // The new limit acts at once.
    assert.equal(
      (await produce(h, "t", 0, batch(["y".repeat(200)]))).errorCode,
      ErrorCode.MESSAGE_TOO_LARGE,
    );
    const bad: Any = await h.call(ApiKey.AlterConfigs, 2, {
      resources: [{
        resourceType: 2,
        resourceName: "t",
        configs: [{ name: "cleanup.policy", value: "compact" }],
      }],
      validateOnly: false,
    });
    assert.equal(bad.responses[0].errorCode, ErrorCode.INVALID_CONFIG);
    const broker = await describe(4, "1");
    assert.equal(broker.errorCode, 0);
    assert.ok(broker.configs.some((c: Any) => c.name === "log.retention.ms"));
    const readOnly = await setBrokerConfig("", "num.partitions", "3");
    // Kafka answers INVALID_REQUEST for any refused broker key (its KAFKA-13609 fix).
    assert.equal(readOnly.errorCode, ErrorCode.INVALID_REQUEST);
    const dyn = await setBrokerConfig("", "log.retention.ms", "1234");
    assert.equal(dyn.errorCode, 0);
    const inherited = await describe(2, "t", ["retention.ms"]);
    assert.equal(inherited.configs[0].value, "1234");
    assert.equal(inherited.configs[0].configSource, 3);
    // The broker resource "" holds the cluster-wide dynamic values only; this node shows them too.
    const clusterDefaults = await describe(4, "");
    assert.deepEqual(
      clusterDefaults.configs.map((c: Any) => [c.name, c.value, c.configSource]),
      [["log.retention.ms", "1234", 3]],
    );
    const node = await describe(4, "1", ["log.retention.ms", "log.segment.bytes"]);
    // As Kafka lists them: the key's own layers, then the unit it falls back to (its default).
    assert.deepEqual(
      node.configs.map((c: Any) => [
        c.name,
        c.configSource,
        c.synonyms.map((y: Any) => `${y.name}:${y.source}`),
      ]),
      [
        ["log.retention.ms", 3, [
          "log.retention.ms:3",
          "log.retention.ms:4",
          "log.retention.hours:5",
        ]],
        ["log.segment.bytes", 5, ["log.segment.bytes:5"]],
      ],
    );
    // A value set for this node alone outranks the cluster-wide one, for the topic configs too.
    const perNode = await setBrokerConfig("1", "log.retention.ms", "4321");
    assert.equal(perNode.errorCode, 0);
    const fromNode = (await describe(2, "t", ["retention.ms"])).configs[0];
    assert.deepEqual([fromNode.value, fromNode.configSource], ["4321", 2]);
  }, { "log.retention.ms": "604800000" });
});

Deno.test("configs: Kafka's retention and roll units (log.retention.hours, .minutes, log.roll.hours)", async (t) => {
  const describe = async (h: Harness, resourceType: number, name: string, keys: string[]) => {
    const res: Any = await h.call(ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType, resourceName: name, configurationKeys: keys }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    assert.equal(res.results[0].errorCode, 0);
    return res.results[0].configs.map((c: Any) => ({
      name: c.name,
      value: c.value,
      source: c.configSource,
      synonyms: c.synonyms.map((y: Any) => `${y.name}=${y.value}:${y.source}`),
    }));
  };
  const BROKER_KEYS = [
    "log.retention.hours",
    "log.retention.minutes",
    "log.retention.ms",
    "log.roll.hours",
    "log.roll.ms",
  ];
  await t.step(
    "by default: 168 hours, and the ms keys null, as Kafka 4.3.1 shows them",
    async () => {
      await withBroker(async (h) => {
        await createTopic(h, "d");
        assert.deepEqual(await describe(h, 4, "1", BROKER_KEYS), [
          {
            name: "log.retention.hours",
            value: "168",
            source: 5,
            synonyms: ["log.retention.hours=168:5"],
          },
          { name: "log.retention.minutes", value: null, source: 5, synonyms: [] },
          { name: "log.retention.ms", value: null, source: 5, synonyms: [] },
          { name: "log.roll.hours", value: "168", source: 5, synonyms: ["log.roll.hours=168:5"] },
          { name: "log.roll.ms", value: null, source: 5, synonyms: [] },
        ]);
        assert.deepEqual(await describe(h, 2, "d", ["retention.ms", "segment.ms"]), [
          { name: "retention.ms", value: "604800000", source: 5, synonyms: [] },
          { name: "segment.ms", value: "604800000", source: 5, synonyms: [] },
        ]);
      });
    },
  );
  await t.step("set statically: hours, minutes over hours, ms over both", async () => {
    await withBroker(async (h) => {
      await createTopic(h, "s");
      assert.deepEqual(await describe(h, 4, "1", ["log.retention.hours", "log.roll.ms"]), [
        {
          name: "log.retention.hours",
          value: "72",
          source: 4,
          synonyms: ["log.retention.hours=72:4", "log.retention.hours=168:5"],
        },
        {
          name: "log.roll.ms",
          value: "3600000",
          source: 4,
          synonyms: ["log.roll.ms=3600000:4", "log.roll.hours=168:5"],
        },
      ]);
      assert.deepEqual(await describe(h, 2, "s", ["retention.ms", "segment.ms"]), [
        { name: "retention.ms", value: String(72 * 3_600_000), source: 5, synonyms: [] },
        {
          name: "segment.ms",
          value: "3600000",
          source: 4,
          synonyms: ["log.roll.ms=3600000:4", "log.roll.hours=168:5"],
        },
      ]);
      // Run-time changes: the ms key may change, the hours may not (Kafka: "Cannot update these
      // configs dynamically"); deleting the dynamic ms falls back to the hours again.
      const alter = async (op: number, key: string, value: string | null) => {
        const res: Any = await h.call(ApiKey.IncrementalAlterConfigs, 1, {
          resources: [{
            resourceType: 4,
            resourceName: "",
            configs: [{ name: key, configOperation: op, value }],
          }],
          validateOnly: false,
        });
        return res.responses[0].errorCode;
      };
      assert.equal(await alter(0, "log.retention.hours", "24"), ErrorCode.INVALID_REQUEST);
      assert.equal(await alter(0, "log.retention.minutes", "24"), ErrorCode.INVALID_REQUEST);
      assert.equal(await alter(0, "log.retention.ms", "7200000"), 0);
      assert.deepEqual(await describe(h, 2, "s", ["retention.ms"]), [{
        name: "retention.ms",
        value: "7200000",
        source: 3,
        synonyms: [
          "log.retention.ms=7200000:3",
          "log.retention.hours=72:4",
          "log.retention.hours=168:5",
        ],
      }]);
      assert.equal(await alter(1, "log.retention.ms", null), 0);
      assert.equal((await describe(h, 2, "s", ["retention.ms"]))[0].value, String(72 * 3_600_000));
    }, { "log.retention.hours": "72", "log.roll.ms": "3600000" });
    await withBroker(async (h) => {
      await createTopic(h, "m");
      assert.equal((await describe(h, 2, "m", ["retention.ms"]))[0].value, "1800000");
    }, { "log.retention.minutes": "30", "log.retention.hours": "1" });
    await withBroker(async (h) => {
      await createTopic(h, "b");
      const [retention] = await describe(h, 2, "b", ["retention.ms"]);
      assert.equal(retention.value, "5000");
      assert.deepEqual(retention.synonyms, [
        "log.retention.ms=5000:4",
        "log.retention.minutes=30:4",
        "log.retention.hours=1:4",
        "log.retention.hours=168:5",
      ]);
    }, { "log.retention.ms": "5000", "log.retention.minutes": "30", "log.retention.hours": "1" });
  });
  await t.step("a negative age in any unit keeps segments forever (-1)", async () => {
    await withBroker(async (h) => {
      await createTopic(h, "f");
      assert.equal((await describe(h, 2, "f", ["retention.ms"]))[0].value, "-1");
    }, { "log.retention.hours": "-1" });
  });
});

Deno.test("retention acts by log.retention.hours, checked every log.retention.check.interval.ms", async (t) => {
  const HOUR = 3_600_000;
  /** A closed segment of records stamped two hours ago, then a record of now in the next one. */
  const oldSegmentThenNew = async (h: Harness) => {
    await createdTopic(h, "r", 1, [{ name: "segment.bytes", value: "1048576" }]);
    const big = "x".repeat(400_000);
    for (let i = 0; i < 3; i++) {
      await producedBatch(h, "r", batch([big], { timestampMs: Date.now() - 2 * HOUR }));
    }
    await producedBatch(h, "r", batch(["now"], { timestampMs: Date.now() }));
  };
  const earliest = async (h: Harness): Promise<bigint> => (await listedOffset(h, "r", -2n)).offset;
  const checks = { "log.retention.check.interval.ms": "20" };
  await t.step("1 hour: the two-hour-old segment goes at the next check", async () => {
    await withBroker(async (h) => {
      await oldSegmentThenNew(h);
      const deadline = Date.now() + 10_000;
      while ((await earliest(h)) === 0n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok((await earliest(h)) > 0n, "the old segment is still there");
    }, { ...checks, "log.retention.hours": "1" });
  });
  await t.step("3 hours (or 180 minutes over 1 hour): it stays", async () => {
    for (
      const units of [{ "log.retention.hours": "3" }, {
        "log.retention.minutes": "180",
        "log.retention.hours": "1",
      }]
    ) {
      await withBroker(async (h) => {
        await oldSegmentThenNew(h);
        // Twenty-five checks' worth of time.
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(await earliest(h), 0n, JSON.stringify(units));
      }, { ...checks, ...units });
    }
  });
});

Deno.test("topics, records and configs survive a restart", async () => {
  await withBroker(async (h) => {
    await createTopic(h, "keep", 2, [{ name: "retention.ms", value: "99999" }]);
    await produce(h, "keep", 1, batch(["a", "b"]));
    await h.restart();
    const got = await fetch(h, "keep", 1, 0);
    assert.deepEqual(values(got.records).map((r) => r.value), ["a", "b"]);
    const res: Any = await h.call(ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: 2, resourceName: "keep", configurationKeys: ["retention.ms"] }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    assert.equal(res.results[0].configs[0].value, "99999");
  });
});

Deno.test("cluster and coordinator lookups name this node", async () => {
  await withBroker(async (h) => {
    const cluster: Any = await h.call(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 1,
    });
    assert.equal(cluster.errorCode, 0);
    assert.equal(cluster.brokers.length, 1);
    const coord: Any = await h.call(ApiKey.FindCoordinator, 4, {
      keyType: 0,
      coordinatorKeys: ["g1", "g2"],
    });
    assert.equal(coord.coordinators.length, 2);
    assert.equal(coord.coordinators[0].nodeId, cluster.brokers[0].brokerId);
    const old: Any = await h.call(ApiKey.FindCoordinator, 1, { key: "g1", keyType: 0 });
    assert.equal(old.errorCode, 0);
    assert.equal(old.port, cluster.brokers[0].port);
    // No transactions: a transactional id is one no one may use, as InitProducerId answers it.
    const txn: Any = await h.call(ApiKey.FindCoordinator, 4, {
      keyType: 1,
      coordinatorKeys: ["t"],
    });
    assert.equal(txn.coordinators[0].errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const oldTxn: Any = await h.call(ApiKey.FindCoordinator, 1, { key: "t", keyType: 1 });
    assert.equal(oldTxn.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const share: Any = await h.call(ApiKey.FindCoordinator, 4, {
      keyType: 2,
      coordinatorKeys: ["s"],
    });
    assert.equal(share.coordinators[0].errorCode, ErrorCode.INVALID_REQUEST);
  });
});

Deno.test("the internal offsets topic is visible but protected from clients", async () => {
  await withBroker(async (h) => {
    const coord: Any = await h.call(ApiKey.FindCoordinator, 4, {
      keyType: 0,
      coordinatorKeys: ["g"],
    });
    assert.equal(coord.coordinators[0].errorCode, 0);
    const md: Any = await h.call(ApiKey.Metadata, 12, {
      topics: null,
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const internal = md.topics.find((t: Any) => t.name === "__consumer_offsets");
    assert.ok(internal, "created by the coordinator");
    assert.equal(internal.isInternal, true);
    const produced = await produce(h, "__consumer_offsets", 0, batch(["forged"]));
    assert.equal(produced.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    const del: Any = await h.call(ApiKey.DeleteTopics, 6, {
      topics: [{ name: "__consumer_offsets", topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
      timeoutMs: 1000,
    });
    assert.equal(del.responses[0].errorCode, ErrorCode.INVALID_REQUEST);
    const grow: Any = await h.call(ApiKey.CreatePartitions, 3, {
      topics: [{ name: "__consumer_offsets", count: 99, assignments: null }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    assert.equal(grow.results[0].errorCode, ErrorCode.INVALID_REQUEST);
    // DeleteRecords would delete committed offsets: refused as Kafka does.
    const purge: Any = await h.call(ApiKey.DeleteRecords, 2, {
      topics: [{ name: "__consumer_offsets", partitions: [{ partitionIndex: 0, offset: -1n }] }],
      timeoutMs: 1000,
    });
    assert.deepEqual(purge.topics[0].partitions[0], {
      partitionIndex: 0,
      lowWatermark: -1n,
      errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION,
    });
  });
});

Deno.test("the dispatcher lets the server reuse frames of its own Produce handler only", () => {
  const broker = {} as BrokerContext; // releasesFrame reads no broker state
  const dispatcher = createRequestHandler(broker);
  assert.equal(dispatcher.releasesFrame?.(ApiKey.Produce), true);
  for (const apiKey of [ApiKey.Fetch, ApiKey.JoinGroup, ApiKey.CreateTopics]) {
    assert.equal(dispatcher.releasesFrame?.(apiKey), false, `api ${apiKey}`);
  }
  const replaced = new Map(HANDLERS);
  replaced.set(ApiKey.Produce, HANDLERS.get(ApiKey.Metadata)!);
  assert.equal(createRequestHandler(broker, replaced).releasesFrame?.(ApiKey.Produce), false);
});

/** A Fetch v12 request frame (without size prefix) for one partition. */
function fetchFrame(
  topic: string,
  partition: number,
  offset: number,
  o: { maxWaitMs?: number; minBytes?: number } = {},
): Uint8Array {
  return encodeRequest(
    { requestApiKey: ApiKey.Fetch, requestApiVersion: 12, correlationId: 5, clientId: "t" },
    fetchRequestBody(topic, partition, offset, o),
  ).subarray(4);
}

const CONTEXT: RequestContext = {
  connectionId: 1,
  remoteAddr: "127.0.0.1:1",
  apiKey: ApiKey.Fetch,
  apiVersion: 12,
  correlationId: 5,
  receivedAtMs: 0,
};

Deno.test("the dispatcher pools large responses and Fetch's data, reused once released", async () => {
  const pool = new BufferPool({ minBufferBytes: 4096, maxBufferBytes: 1 << 20 });
  const borrowed: Uint8Array[] = [];
  const seen: (ResponseBuffers | undefined)[] = [];
  const handlers = new Map(HANDLERS);
  // A Fetch stand-in: "reads" 5,000 bytes into a pooled buffer and answers with them.
  handlers.set(ApiKey.Fetch, (_broker, request: HandlerRequest<never>) => {
    const buffers = request.buffers!;
    const data = buffers.pool.take(5_000).fill(borrowed.length + 1);
    borrowed.push(data);
    buffers.giveAfterEncoding(data);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [{
        topic: "t",
        partitions: [{
          partitionIndex: 0,
          errorCode: 0,
          highWatermark: 1n,
          lastStableOffset: 1n,
          logStartOffset: 0n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: data.subarray(0, 5_000),
        }],
      }],
    };
  });
  handlers.set(ApiKey.Metadata, (_broker, request: HandlerRequest<never>) => {
    seen.push(request.buffers);
    return null;
  });
  const dispatcher = createRequestHandler({} as BrokerContext, handlers, { buffers: pool });
  const records = (out: Uint8Array) => {
    const body: Any = decodeResponse(out, ApiKey.Fetch, 12).body;
    return body.responses[0].partitions[0].records as Uint8Array;
  };

  const first = await dispatcher.handle(fetchFrame("t", 0, 0), CONTEXT) as Uint8Array;
  assert.ok(records(first).every((b) => b === 1));
  assert.equal(pool.idleBytes, 8192, "the data went back once the response was encoded");
  assert.ok(first.buffer.byteLength >= 8192, "the response lives in a pooled buffer");
  dispatcher.releaseResponse?.(first);
  assert.equal(pool.idleBytes, 8192 + first.buffer.byteLength);
  dispatcher.releaseResponse?.(first); // a second release is ignored
  dispatcher.releaseResponse?.(new Uint8Array(8192)); // so is an array it never lent
  assert.equal(pool.idleBytes, 8192 + first.buffer.byteLength);

  const second = await dispatcher.handle(fetchFrame("t", 0, 0), CONTEXT) as Uint8Array;
  assert.ok(records(second).every((b) => b === 2), "reused memory, fresh content");
  const reused = new Set([first.buffer, borrowed[0]!.buffer]);
  assert.ok(reused.has(second.buffer) && reused.has(borrowed[1]!.buffer), "no new buffers");

  // Small responses are not pooled, and other APIs get no buffers for their data.
  const versions = await dispatcher.handle(
    encodeRequest(
      { requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId: 1, clientId: "t" },
      { clientSoftwareName: "t", clientSoftwareVersion: "1" },
    ).subarray(4),
    { ...CONTEXT, apiKey: ApiKey.ApiVersions, apiVersion: 3 },
  ) as Uint8Array;
  assert.equal(versions.buffer.byteLength, versions.byteLength + 4, "an exact copy");
  await dispatcher.handle(
    encodeRequest(
      { requestApiKey: ApiKey.Metadata, requestApiVersion: 12, correlationId: 2, clientId: "t" },
      { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false },
    ).subarray(4),
    { ...CONTEXT, apiKey: ApiKey.Metadata, apiVersion: 12 },
  );
  assert.deepEqual(seen, [undefined]);
});

Deno.test("fetch answers stay exact while their memory is reused", async () => {
  await withBroker(async (h) => {
    await createTopic(h, "t", 2);
    const expected: { offset: number; value: string }[][] = [[], []];
    for (let i = 0; i < 6; i++) {
      const vs = Array.from({ length: 20 }, (_, j) => `p${i % 2}-${i}-${j}-${"x".repeat(150)}`);
      const r = await produce(h, "t", i % 2, batch(vs));
      assert.equal(r.errorCode, 0);
      const base = Number(r.baseOffset);
      expected[i % 2]!.push(...vs.map((value, j) => ({ offset: base + j, value })));
    }
    const buffers = new Set<ArrayBufferLike>();
    let reused = 0;
    for (let i = 0; i < 24; i++) {
      const partition = i % 2;
      const from = (i >> 1) % 3 * 20;
      const out = await h.raw(fetchFrame("t", partition, from));
      assert.ok(out instanceof Uint8Array);
      if (buffers.has(out.buffer)) reused++;
      buffers.add(out.buffer);
      const body: Any = decodeResponse(out, ApiKey.Fetch, 12).body;
      const got = values(body.responses[0].partitions[0].records);
      assert.deepEqual(got, expected[partition]!.slice(from), `fetch ${i}`);
      h.release(out);
    }
    assert.ok(reused >= 20, `responses reused pooled memory (${reused} of 24)`);

    // A long poll reads, finds too little, waits, and reads again: the answer is the second read.
    const waiting = h.raw(fetchFrame("t", 0, 0, { maxWaitMs: 5000, minBytes: 200_000 }));
    await new Promise((r) => setTimeout(r, 50));
    const big = Array.from({ length: 100 }, (_, j) => `late-${j}-${"y".repeat(2000)}`);
    const late = await produce(h, "t", 0, batch(big));
    const out = await waiting;
    assert.ok(out instanceof Uint8Array);
    const body: Any = decodeResponse(out, ApiKey.Fetch, 12).body;
    const base = Number(late.baseOffset);
    assert.deepEqual(values(body.responses[0].partitions[0].records), [
      ...expected[0]!,
      ...big.map((value, j) => ({ offset: base + j, value })),
    ]);
    h.release(out);
  });
});

Deno.test("partition counts are bounded per request and per broker", async (t) => {
  await withBroker(async (h) => {
    const md = async (name: string, allowAutoTopicCreation: boolean): Promise<Any> =>
      (await h.call(ApiKey.Metadata, 12, {
        topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name }],
        allowAutoTopicCreation,
        includeTopicAuthorizedOperations: false,
      }) as Any).topics[0];
    await t.step(
      "a request asking for over 10,000 partitions in all is refused whole",
      async () => {
        const topic = (name: string, numPartitions: number) => ({
          name,
          numPartitions,
          replicationFactor: 1,
          assignments: [],
          configs: [],
        });
        const res: Any = await h.call(ApiKey.CreateTopics, 7, {
          topics: [topic("half1", 6_000), topic("half2", 4_001)],
          timeoutMs: 1000,
          validateOnly: false,
        });
        assert.deepEqual(res.topics.map((r: Any) => r.errorCode), [
          ErrorCode.POLICY_VIOLATION,
          ErrorCode.POLICY_VIOLATION,
        ]);
        assert.match(res.topics[0].errorMessage, /at most 10000 partitions; this one asks 10001/);
        assert.equal((await md("half1", false)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      },
    );
    await t.step("creations that would pass max.partitions.per.broker are refused", async () => {
      assert.equal((await createTopic(h, "six", 6)).errorCode, 0);
      const five = await createTopic(h, "five", 5);
      assert.equal(five.errorCode, ErrorCode.POLICY_VIOLATION);
      assert.match(
        five.errorMessage,
        /would hold 11 partition replicas, above max\.partitions\.per\.broker \(10\); it holds 6/,
      );
      assert.equal((await md("five", false)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const grow: Any = await h.call(ApiKey.CreatePartitions, 3, {
        topics: [{ name: "six", count: 11, assignments: null }],
        timeoutMs: 1000,
        validateOnly: true,
      });
      assert.equal(grow.results[0].errorCode, ErrorCode.POLICY_VIOLATION);
      assert.equal((await createTopic(h, "four", 4)).errorCode, 0);
      // At the bound: auto-creation is refused with the same code, and nothing is created.
      assert.equal((await md("auto", true)).errorCode, ErrorCode.POLICY_VIOLATION);
      assert.equal((await md("auto", false)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    });
    await t.step("the internal offsets topic is still created at the bound", async () => {
      const coord: Any = await h.call(ApiKey.FindCoordinator, 4, {
        keyType: 0,
        coordinatorKeys: ["g"],
      });
      assert.equal(coord.coordinators[0].errorCode, 0);
      assert.equal((await md("__consumer_offsets", false)).errorCode, 0);
    });
    await t.step("deleting a topic frees its share; the internal topic's count", async () => {
      const del: Any = await h.call(ApiKey.DeleteTopics, 6, {
        topics: [{ name: "four", topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
        timeoutMs: 1000,
      });
      assert.equal(del.responses[0].errorCode, 0);
      // 6 ("six") + 3 (__consumer_offsets) held: one more fits, two do not.
      assert.equal((await createTopic(h, "two", 2)).errorCode, ErrorCode.POLICY_VIOLATION);
      assert.equal((await createTopic(h, "one", 1)).errorCode, 0);
    });
  }, { "max.partitions.per.broker": "10", "offsets.topic.num.partitions": "3" });
});

Deno.test("InitProducerId answers COORDINATOR_LOAD_IN_PROGRESS when no id block can be reserved", async () => {
  // Kafka's answer while its producer id manager has no block; clients retry it. The connection
  // stays open (the handler used to throw, which closes it).
  const broker = {
    producerIds: { next: () => Promise.reject(new Error("metadata log failed")) },
  } as unknown as BrokerContext;
  const handler = HANDLERS.get(ApiKey.InitProducerId)!;
  const request = {
    version: 4,
    body: {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    },
  } as unknown as HandlerRequest<never>;
  const answer: Any = await handler(broker, request);
  assert.deepEqual(
    [answer.errorCode, answer.producerId, answer.producerEpoch],
    [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, -1n, -1],
  );
});
