/**
 * Cluster-level APIs: DescribeCluster, FindCoordinator and InitProducerId.
 *
 * FindCoordinator names the leader of the group's `__consumer_offsets` partition. Transactions
 * are not supported: transaction coordinator lookups and transactional InitProducerId get a
 * non-retriable error at once instead of an answer the node could not honour.
 *
 * @module
 */
import { ErrorCode } from "../protocol/errors.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_OPERATIONS_ALL, defineHandler } from "./_util.ts";

/** KIP-919 endpoint types; any other value is one Kafka does not know. */
const ENDPOINT_BROKERS = 1;
const ENDPOINT_CONTROLLERS = 2;
const KEY_TYPE_GROUP = 0;

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
        return {
          key,
          nodeId: -1,
          host: "",
          port: -1,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `coordinator key type ${body.keyType} is not supported (no transactions)`,
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
    if (body.transactionalId !== null) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        producerId: -1n,
        producerEpoch: -1,
      };
    }
    // An idempotent producer (no transactional id) always gets a fresh id at epoch 0: its sequence
    // state starts over, which is what a restarted or reset producer needs.
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      producerId: await broker.producerIds.next(),
      producerEpoch: 0,
    };
  },
);
