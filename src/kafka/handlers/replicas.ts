/**
 * Replica placement and leadership, what `kafka-reassign-partitions.sh` and
 * `kafka-leader-election.sh` call: ListPartitionReassignments, AlterPartitionReassignments and
 * ElectLeaders. A Kafka 4.x broker forwards them to its KRaft controller; they are answered here
 * as that controller (ReplicationControlManager, QuorumController) answers them, with the
 * metadata tables as its records and this node's partitions for who leads.
 *
 * Chronik never moves replicas, so no reassignment is ever in progress:
 * - **ListPartitionReassignments** lists none, for all topics (null) and for named ones, unknown
 *   topics and partitions included (the controller leaves out whatever is not reassigning).
 * - **AlterPartitionReassignments** answers each partition as the controller does, in its order
 *   of checks: an unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION; a cancel (null replicas)
 *   NO_REASSIGNMENT_IN_PROGRESS; a target that is empty, names a broker not registered or names
 *   one twice INVALID_REPLICA_ASSIGNMENT; with v1's `allowReplicationFactorChange` false, another
 *   replica count INVALID_REPLICATION_FACTOR; a target equal to the current replicas NONE (the
 *   controller has nothing to change). With one broker every valid target is the current one.
 *   A valid target that differs (only possible with several brokers) would need a reassignment
 *   Chronik cannot run: it is refused INVALID_REPLICA_ASSIGNMENT, never reported as started.
 * - **ElectLeaders** answers ELECTION_NOT_NEEDED where the desired leader already leads: for a
 *   preferred election the first replica, for an unclean one any replica. A partition with no
 *   leader yet (still opening) gets PREFERRED_LEADER_NOT_AVAILABLE or
 *   ELIGIBLE_LEADERS_NOT_AVAILABLE, the controller's answers when it cannot elect, as Chronik
 *   runs no elections. Null topic partitions ask for every partition: each topic is listed (by
 *   name; Kafka lists them in hash order), leaving out its partitions that need no election. An
 *   unknown election type fails the request INVALID_REQUEST, every named partition with it.
 *
 * A controller request whose timeout is not positive expires in Kafka's event queue before it
 * runs: ElectLeaders and AlterPartitionReassignments then answer REQUEST_TIMED_OUT throughout.
 * Without an authorizer every caller may ALTER and DESCRIBE the cluster.
 *
 * @module
 */
import { ErrorCode } from "../protocol/errors.ts";
import { byCodeUnits, defineHandler } from "./_util.ts";
import type { BrokerContext } from "./context.ts";

interface ListPartitionReassignmentsRequest {
  readonly topics: readonly { name: string; partitionIndexes: readonly number[] }[] | null;
}

export const listPartitionReassignmentsHandler = defineHandler<
  ListPartitionReassignmentsRequest
>(() => ({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] }));

interface ReassignablePartition {
  readonly partitionIndex: number;
  /** Null cancels the partition's pending reassignment. */
  readonly replicas: readonly number[] | null;
}

interface AlterPartitionReassignmentsRequest {
  readonly timeoutMs: number;
  /** v1+ (KIP-860); true before. */
  readonly allowReplicationFactorChange: boolean;
  readonly topics: readonly { name: string; partitions: readonly ReassignablePartition[] }[];
}

/** A partition's answer: Kafka's error code and, for most errors, the exception's message. */
interface Outcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const DONE: Outcome = { errorCode: ErrorCode.NONE, errorMessage: null };
/** What ApiError.fromThrowable makes of the event queue's TimeoutException, which has none. */
const TIMED_OUT: Outcome = { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: null };

export const alterPartitionReassignmentsHandler = defineHandler<
  AlterPartitionReassignmentsRequest
>((broker, { body }) => {
  const each = (outcome: (topic: string, p: ReassignablePartition) => Outcome) =>
    body.topics.map(({ name, partitions }) => ({
      name,
      partitions: partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        ...outcome(name, p),
      })),
    }));
  // The controller answers an empty request at once, with its response's defaults.
  if (body.topics.length === 0) {
    return {
      throttleTimeMs: 0,
      allowReplicationFactorChange: true,
      errorCode: ErrorCode.NONE,
      errorMessage: "",
      responses: [],
    };
  }
  if (body.timeoutMs <= 0) {
    // The request's error response, which keeps the defaults of the other fields.
    return {
      throttleTimeMs: 0,
      allowReplicationFactorChange: true,
      ...TIMED_OUT,
      responses: each(() => TIMED_OUT),
    };
  }
  return {
    throttleTimeMs: 0,
    allowReplicationFactorChange: body.allowReplicationFactorChange,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    responses: each((topic, p) => reassign(broker, topic, p, body.allowReplicationFactorChange)),
  };
});

/** ReplicationControlManager.alterPartitionReassignment with no reassignment in progress. */
function reassign(
  broker: BrokerContext,
  topic: string,
  target: ReassignablePartition,
  allowReplicationFactorChange: boolean,
): Outcome {
  const record = broker.meta.tables.topic(topic);
  if (record === undefined) {
    return unknown(`Unable to find a topic named ${topic}.`);
  }
  const current = record.partitions[target.partitionIndex];
  if (current === undefined) {
    return unknown(`Unable to find partition ${topic}:${target.partitionIndex}.`);
  }
  // The exception carries the error's default message, which the response leaves out.
  if (target.replicas === null) return refused(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, null);
  const invalid = manualAssignmentProblem(broker, target.replicas);
  if (invalid !== undefined) return refused(ErrorCode.INVALID_REPLICA_ASSIGNMENT, invalid);
  if (!allowReplicationFactorChange && target.replicas.length !== current.replicas.length) {
    return refused(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `The replication factor is changed from ${current.replicas.length} to ${target.replicas.length}`,
    );
  }
  if (sameReplicas(target.replicas, current.replicas)) return DONE;
  return refused(
    ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    `Chronik does not move replicas: ${topic}:${target.partitionIndex} stays on ` +
      `[${current.replicas.join(", ")}]`,
  );
}

/**
 * Kafka's checks of a manual assignment (validateManualPartitionAssignment), in its order: not
 * empty, then over the broker ids sorted, each registered and none twice.
 */
function manualAssignmentProblem(
  broker: BrokerContext,
  replicas: readonly number[],
): string | undefined {
  if (replicas.length === 0) {
    return "The manual partition assignment includes an empty replica list.";
  }
  let previous: number | undefined;
  for (const id of [...replicas].sort((a, b) => a - b)) {
    if (broker.meta.tables.broker(id) === undefined) {
      return `The manual partition assignment includes broker ${id}, but no such broker is ` +
        "registered.";
    }
    if (id === previous) {
      return `The manual partition assignment includes the broker ${id} more than once.`;
    }
    previous = id;
  }
  return undefined;
}

interface ElectLeadersRequest {
  /** v1+; preferred (0) before. */
  readonly electionType: number;
  /** Null: every partition. */
  readonly topicPartitions: readonly { topic: string; partitions: readonly number[] }[] | null;
  readonly timeoutMs: number;
}

/** Kafka's ElectionType values. */
const PREFERRED = 0;
const UNCLEAN = 1;

export const electLeadersHandler = defineHandler<ElectLeadersRequest>((broker, { body }) => {
  const named = body.topicPartitions;
  const each = (outcome: (topic: string, partition: number) => Outcome) =>
    (named ?? []).map(({ topic, partitions }) => ({
      topic,
      partitionResult: partitions.map((partitionId) => ({
        partitionId,
        ...outcome(topic, partitionId),
      })),
    }));
  const failed = (outcome: Outcome) => ({
    throttleTimeMs: 0,
    errorCode: outcome.errorCode,
    replicaElectionResults: each(() => outcome),
  });
  // An empty list is answered at once; nothing else is looked at.
  if (named !== null && named.length === 0) return failed(DONE);
  if (body.timeoutMs <= 0) return failed(TIMED_OUT);
  const type = body.electionType;
  if (type !== PREFERRED && type !== UNCLEAN) {
    return failed(refused(ErrorCode.INVALID_REQUEST, `Unknown election type ${type}`));
  }
  if (named !== null) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      replicaElectionResults: each((topic, partition) => elect(broker, topic, partition, type)),
    };
  }
  const topics = [...broker.meta.tables.topics()].sort((a, b) => byCodeUnits(a.name, b.name));
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    replicaElectionResults: topics.map(({ name, partitions }) => ({
      topic: name,
      // Asked for everything, Kafka leaves out the partitions that already have their leader.
      partitionResult: partitions.map((_, partitionId) => ({
        partitionId,
        ...elect(broker, name, partitionId, type),
      })).filter((r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED),
    })),
  };
});

/** ReplicationControlManager.electLeader, for a node that leads what it hosts. */
function elect(broker: BrokerContext, topic: string, partition: number, type: number): Outcome {
  const record = broker.meta.tables.topic(topic);
  if (record === undefined) return unknown(`No such topic as ${topic}`);
  const assignment = record.partitions[partition];
  if (assignment === undefined) return unknown(`No such partition as ${topic}-${partition}`);
  const leader = broker.partitions.leadership(topic, partition)?.leaderId;
  const notNeeded = type === PREFERRED
    ? leader !== undefined && leader === assignment.replicas[0]
    : leader !== undefined;
  // `new ApiError(error)`: each error's default message (Errors.message()), sent as is.
  if (notNeeded) {
    return refused(
      ErrorCode.ELECTION_NOT_NEEDED,
      "Leader election not needed for topic partition.",
    );
  }
  return type === PREFERRED
    ? refused(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, "The preferred leader was not available.")
    : refused(
      ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
      "Eligible topic partition leaders are not available.",
    );
}

function unknown(message: string): Outcome {
  return refused(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message);
}

function refused(errorCode: number, errorMessage: string | null): Outcome {
  return { errorCode, errorMessage };
}

function sameReplicas(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
