import assert from "node:assert/strict";
import { epochError, resolvePartition } from "../../../src/kafka/handlers/_partitions.ts";
import type { Partition } from "../../../src/cluster/partition.ts";
import { MetaTables } from "../../../src/cluster/meta/tables.ts";
import type { BrokerContext } from "../../../src/kafka/handlers/context.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";

/** A broker whose tables know topic "t" with 2 partitions, none of them open here. */
function brokerWithNothingOpen(): BrokerContext {
  const tables = new MetaTables();
  tables.apply({
    type: "createTopic",
    name: "t",
    topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
    partitions: [{ replicas: [2] }, { replicas: [2] }],
    configs: {},
  });
  const partitions = { get: () => undefined, leadership: () => undefined };
  return { meta: { tables }, partitions } as unknown as BrokerContext;
}

Deno.test("a partition in the tables but not open here is NOT_LEADER_OR_FOLLOWER", () => {
  // Kafka's answer on the data path; the Java consumer throws on LEADER_NOT_AVAILABLE in a Fetch.
  const broker = brokerWithNothingOpen();
  assert.deepEqual(resolvePartition(broker, "t", 1, false), {
    ok: false,
    errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
  });
  assert.deepEqual(resolvePartition(broker, "t", 2, false), {
    ok: false,
    errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  });
  assert.deepEqual(resolvePartition(broker, undefined, 0, true), {
    ok: false,
    errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
  });
});

Deno.test("only current leader epoch -1 means none; any other older epoch is fenced (KIP-320)", () => {
  const partition = { leaderEpoch: 3 } as Partition;
  assert.deepEqual([-1, 3, 4, 2, -2].map((epoch) => epochError(partition, epoch)), [
    ErrorCode.NONE,
    ErrorCode.NONE,
    ErrorCode.UNKNOWN_LEADER_EPOCH,
    ErrorCode.FENCED_LEADER_EPOCH,
    ErrorCode.FENCED_LEADER_EPOCH,
  ]);
});
