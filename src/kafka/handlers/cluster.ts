/**
 * Cluster-level APIs: DescribeCluster, FindCoordinator and InitProducerId.
 *
 * FindCoordinator names the leader of the group's `__consumer_offsets` partition. Transactions
 * are not supported: transaction coordinator lookups and transactional InitProducerId get
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, Kafka's answer for a transactional id no one may use, at
 * once instead of an answer the node could not honour.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { ErrorCode } from "../protocol/errors.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_OPERATIONS_ALL, defineHandler } from "./_util.ts";

/** KIP-919 endpoint types; any other value is one Kafka does not know. */
const ENDPOINT_BROKERS = 1;
const ENDPOINT_CONTROLLERS = 2;
const log = getLogger(["chronik", "kafka", "handlers"]);
const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;
const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

interface DescribeClusterRequest {
  includeClusterAuthorizedOperations: boolean;
  endpointType: number;
}

export const describeClusterHandler = defineHandler<DescribeClusterRequest>(
  (broker, { body }) => {
    // v0 has no endpointType: the codec fills in the default, brokers.
    const refused = endpointTypeError(body.endpointType);
    if (refused !== undefined) return refused;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: ENDPOINT_BROKERS,
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      brokers: [...broker.meta.tables.brokers()].map((b) => ({
        brokerId: b.nodeId,
        host: b.host,
        port: b.port,
        rack: b.rack,
        isFenced: false,
      })),
      clusterAuthorizedOperations: body.includeClusterAuthorizedOperations
        ? CLUSTER_OPERATIONS_ALL
        : AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
);

/**
 * Kafka's broker answers a request for controller endpoints MISMATCHED_ENDPOINT_TYPE (the client
 * should ask a controller) and an unknown type UNSUPPORTED_ENDPOINT_TYPE, with every other field
 * at its default.
 */
function endpointTypeError(endpointType: number) {
  if (endpointType === ENDPOINT_BROKERS) return undefined;
  const mismatched = endpointType === ENDPOINT_CONTROLLERS;
  return {
    throttleTimeMs: 0,
    errorCode: mismatched
      ? ErrorCode.MISMATCHED_ENDPOINT_TYPE
      : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
    errorMessage: mismatched
      ? "this is a broker endpoint; ask a controller endpoint for controllers"
      : `unsupported endpoint type ${endpointType}`,
    endpointType: ENDPOINT_BROKERS,
    clusterId: "",
    controllerId: -1,
    brokers: [],
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

interface FindCoordinatorRequest {
  key?: string;
  keyType: number;
  coordinatorKeys?: string[];
}

export const findCoordinatorHandler = defineHandler<FindCoordinatorRequest>(
  async (broker, { version, body }) => {
    const answer = async (key: string) => {
      if (body.keyType !== KEY_TYPE_GROUP) {
        // As Kafka answers a transactional id no one may use, the answer InitProducerId gives it.
        const transaction = body.keyType === KEY_TYPE_TRANSACTION;
        return {
          key,
          nodeId: -1,
          host: "",
          port: -1,
          errorCode: transaction
            ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
            : ErrorCode.INVALID_REQUEST,
          errorMessage: transaction
            ? "transactions are not supported"
            : `coordinator key type ${body.keyType} is not supported`,
        };
      }
      // The leader of the group's __consumer_offsets partition (created on first lookup).
      const at = await broker.groups.locate(key);
      return {
        key,
        nodeId: at.nodeId,
        host: at.host,
        port: at.port,
        errorCode: at.errorCode,
        errorMessage: at.errorCode === ErrorCode.NONE ? null : "coordinator not available",
      };
    };
    if (version >= 4) {
      const coordinators = [];
      for (const key of body.coordinatorKeys ?? []) coordinators.push(await answer(key));
      return { throttleTimeMs: 0, coordinators };
    }
    const one = await answer(body.key ?? "");
    return {
      throttleTimeMs: 0,
      errorCode: one.errorCode,
      errorMessage: one.errorMessage,
      nodeId: one.nodeId,
      host: one.host,
      port: one.port,
    };
  },
);

interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  producerId: bigint;
  producerEpoch: number;
}

export const initProducerIdHandler = defineHandler<InitProducerIdRequest>(
  async (broker, { body }) => {
    const refused = (errorCode: number) => ({
      throttleTimeMs: 0,
      errorCode,
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
    });
    if (body.transactionalId !== null) {
      return refused(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    // Kafka's check: a producer id and epoch come together (an existing producer), or neither.
    if ((body.producerId === NO_PRODUCER_ID) !== (body.producerEpoch === NO_PRODUCER_EPOCH)) {
      return refused(ErrorCode.INVALID_REQUEST);
    }
    // An idempotent producer (no transactional id) always gets a fresh id at epoch 0: its sequence
    // state starts over, which is what a restarted or reset producer needs.
    let producerId: bigint;
    try {
      producerId = await broker.producerIds.next();
    } catch (e) {
      // No id block could be reserved (the metadata log failed): Kafka's answer while it has no
      // block, which clients retry.
      log.warn("no producer id to hand out: {error}", { error: (e as Error).message });
      return refused(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
  },
);
