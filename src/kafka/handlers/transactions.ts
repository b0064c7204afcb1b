/**
 * Producer and transaction introspection (KIP-664), what `kafka-transactions.sh` calls:
 * DescribeProducers, ListTransactions and DescribeTransactions, answered as an Apache Kafka 4.x
 * broker answers them in Chronik's state.
 *
 * - **DescribeProducers** lists a partition's idempotent producers from its log's producer state
 *   (`ProducerStateTable.active`): id, epoch, last sequence and last timestamp as the log keeps
 *   them, and coordinator epoch and transaction start offset -1, Kafka's values for a producer
 *   outside any transaction. Refusals follow KafkaApis.handleDescribeProducersRequest and
 *   ReplicaManager.activeProducerState: an invalid topic name is INVALID_TOPIC_EXCEPTION with
 *   Kafka's reason, an unknown topic UNKNOWN_TOPIC_OR_PARTITION with Kafka's default message,
 *   then per partition UNKNOWN_TOPIC_OR_PARTITION (no such partition) or NOT_LEADER_OR_FOLLOWER
 *   (not served here), without a message. Producers come by producer id (Kafka's come in
 *   HashMap order).
 * - **ListTransactions**: transactional ids are refused (`cluster.ts`), so no transaction exists
 *   and the list is always empty. The filters are still answered as TransactionStateManager
 *   answers them: state names Kafka does not know come back in `unknownStateFilters` (each
 *   once, in the order first named), and a v2 id pattern RE2/J cannot compile (checked with
 *   re2js, a port of RE2/J) fails the request with INVALID_REGULAR_EXPRESSION and nothing else
 *   (the error response KafkaApis builds from the exception). An empty or null pattern filters
 *   nothing.
 * - **DescribeTransactions** answers every id TRANSACTIONAL_ID_AUTHORIZATION_FAILED, Kafka's
 *   answer for an id the caller may not describe, with the other fields at their defaults —
 *   consistent with FindCoordinator and InitProducerId, which refuse transactional ids the same
 *   way.
 *
 * @module
 */
import { topicNameProblem } from "../../cluster/topic_admin.ts";
import type { ProducerSnapshotEntry } from "../../log/mod.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { resolvePartition } from "./_partitions.ts";
import { big, defineHandler } from "./_util.ts";
import { RE2JS } from "re2js";
import type { BrokerContext } from "./context.ts";

/** Kafka's coordinator epoch and transaction start offset of a producer in no transaction. */
const NO_COORDINATOR_EPOCH = -1;
const NO_TXN_START_OFFSET = -1n;
/** Errors.UNKNOWN_TOPIC_OR_PARTITION.message(), which KafkaApis sends for an unknown topic. */
const UNKNOWN_TOPIC_MESSAGE = "This server does not host this topic-partition.";

interface DescribeProducersRequest {
  readonly topics: readonly { name: string; partitionIndexes: readonly number[] }[];
}

export const describeProducersHandler = defineHandler<DescribeProducersRequest>(
  (broker, { body }) => ({
    throttleTimeMs: 0,
    topics: body.topics.map(({ name, partitionIndexes }) => {
      const refused = topicRefusal(broker, name);
      return {
        name,
        partitions: partitionIndexes.map((partitionIndex) =>
          refused === undefined
            ? partitionProducers(broker, name, partitionIndex)
            : { partitionIndex, ...refused, activeProducers: [] }
        ),
      };
    }),
  }),
);

/** The refusal of every partition of `name`, checked before any partition (KafkaApis). */
function topicRefusal(broker: BrokerContext, name: string) {
  const invalid = topicNameProblem(name);
  if (invalid !== undefined) {
    return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: invalid };
  }
  if (broker.meta.tables.topic(name) === undefined) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: UNKNOWN_TOPIC_MESSAGE };
  }
  return undefined;
}

function partitionProducers(broker: BrokerContext, topic: string, partitionIndex: number) {
  const resolved = resolvePartition(broker, topic, partitionIndex, false);
  if (!resolved.ok) {
    return {
      partitionIndex,
      errorCode: resolved.errorCode,
      errorMessage: null,
      activeProducers: [],
    };
  }
  return {
    partitionIndex,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    activeProducers: [...resolved.partition.activeProducers()]
      .sort((a, b) => a.producerId < b.producerId ? -1 : 1)
      .map(producerState),
  };
}

/** Kafka's ProducerStateEntry: the last sequence is its last batch's, -1 with none remembered. */
function producerState(p: ProducerSnapshotEntry) {
  return {
    producerId: p.producerId,
    producerEpoch: p.epoch,
    lastSequence: p.batches[p.batches.length - 1]?.lastSeq ?? -1,
    lastTimestamp: big(p.lastTimestamp),
    coordinatorEpoch: NO_COORDINATOR_EPOCH,
    currentTxnStartOffset: NO_TXN_START_OFFSET,
  };
}

interface ListTransactionsRequest {
  readonly stateFilters: readonly string[];
  readonly producerIdFilters: readonly bigint[];
  /** v1+; -1 (every transaction) before. */
  readonly durationFilter: bigint;
  /** v2+; null before. */
  readonly transactionalIdPattern: string | null;
}

/** TransactionState names Kafka 4.3 knows (TransactionState.fromName is case-sensitive). */
const TRANSACTION_STATES: ReadonlySet<string> = new Set([
  "Empty",
  "Ongoing",
  "PrepareCommit",
  "PrepareAbort",
  "CompleteCommit",
  "CompleteAbort",
  "Dead",
  "PrepareEpochFence",
]);

export const listTransactionsHandler = defineHandler<ListTransactionsRequest>(
  (_broker, { body }) => {
    // Null and "" filter nothing; "" is also a valid expression.
    const pattern = body.transactionalIdPattern ?? "";
    if (!compilesInRe2(pattern)) {
      // The coordinator throws; the error response carries the code alone.
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION,
        unknownStateFilters: [],
        transactionStates: [],
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      // Each once, in the order first named (Kafka's is a hash set's, which promises none).
      unknownStateFilters: [...new Set(body.stateFilters)].filter((s) =>
        !TRANSACTION_STATES.has(s)
      ),
      // No transactional id is ever accepted: no transaction matches any filter.
      transactionStates: [],
    };
  },
);

interface DescribeTransactionsRequest {
  readonly transactionalIds: readonly string[];
}

export const describeTransactionsHandler = defineHandler<DescribeTransactionsRequest>(
  (_broker, { body }) => ({
    throttleTimeMs: 0,
    transactionStates: body.transactionalIds.map((transactionalId) => ({
      errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      transactionalId,
      transactionState: "",
      transactionTimeoutMs: 0,
      transactionStartTimeMs: 0n,
      producerId: 0n,
      producerEpoch: 0,
      topics: [],
    })),
  }),
);

/** Whether RE2/J, Kafka's regular expression engine for id patterns, compiles `pattern`. */
function compilesInRe2(pattern: string): boolean {
  try {
    RE2JS.compile(pattern);
    return true;
  } catch {
    return false;
  }
}
