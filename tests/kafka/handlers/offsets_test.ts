/**
 * ListOffsets and DeleteRecords answers checked against Kafka 4.x: a timestamp lookup after the
 * log start moved into a batch (UnifiedLog.fetchOffsetByTimestamp, FileRecords.searchForTimestamp),
 * and the order of DeleteRecords' checks (KafkaApis.handleDeleteRecordsRequest, then
 * ReplicaManager.deleteRecordsOnLocalLog).
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { buildBatch } from "../../../src/kafka/records/mod.ts";
import {
  type Any,
  createdTopic,
  type Harness,
  listedOffset,
  producedBatch,
  withBroker,
} from "./_harness.ts";

const enc = new TextEncoder();

/** Produces one batch to t-0 whose records carry these timestamps. */
async function produceStamped(h: Harness, ...timestamps: number[]): Promise<void> {
  const records = buildBatch(
    timestamps.map((timestampMs, i) => ({ key: null, value: enc.encode(`v${i}`), timestampMs })),
    { producerId: -1n, producerEpoch: -1, baseSequence: -1 },
  );
  await producedBatch(h, "t", records);
}

async function deleteRecords(h: Harness, topic: string, partition: number, offset: bigint) {
  const res: Any = await h.call(ApiKey.DeleteRecords, 2, {
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, offset }] }],
    timeoutMs: 1000,
  });
  return res.topics[0].partitions[0];
}

function listOffset(h: Harness, timestamp: bigint) {
  return listedOffset(h, "t", timestamp);
}

Deno.test("ListOffsets by timestamp looks past a batch whose match the log start removed", async () => {
  // The first record at or after the log start with a timestamp >= the target. The first batch's
  // header (max 5000) qualifies for 4000, but its record at 5000 lies below the log start.
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    await produceStamped(h, 5_000, 1_000); // offsets 0-1
    await produceStamped(h, 6_000); // offset 2
    assert.equal((await deleteRecords(h, "t", 0, 1n)).errorCode, ErrorCode.NONE);
    const found = await listOffset(h, 4_000n);
    assert.deepEqual([found.errorCode, found.offset, found.timestamp], [
      ErrorCode.NONE,
      2n,
      6_000n,
    ]);
  });
});

Deno.test("DeleteRecords: a missing internal topic is unknown, an existing one is refused", async () => {
  // Kafka answers partitions its metadata lacks UNKNOWN_TOPIC_OR_PARTITION before the replica
  // manager refuses internal topics with INVALID_TOPIC_EXCEPTION.
  await withBroker(async (h) => {
    for (const name of ["__transaction_state", "__share_group_state"]) {
      assert.deepEqual(await deleteRecords(h, name, 0, -1n), {
        partitionIndex: 0,
        lowWatermark: -1n,
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      }, name);
    }
    await h.call(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ["g"] });
    assert.equal(
      (await deleteRecords(h, "__consumer_offsets", 0, -1n)).errorCode,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
    );
    // A partition beyond the existing internal topic's count is unknown too.
    assert.equal(
      (await deleteRecords(h, "__consumer_offsets", 9_999, -1n)).errorCode,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
  });
});
