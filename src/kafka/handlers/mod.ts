/**
 * The Kafka API handlers and the dispatcher that connects them to the TCP server.
 *
 * {@link createRequestHandler} decodes each frame with the protocol codec, routes it by API key to
 * one handler module per API family, and encodes the answer. Refusals follow Apache Kafka: an
 * ApiVersions request at an unknown version gets the v0 fallback answer (KIP-511); any other
 * unknown key or version, or an undecodable request, closes the connection with one log line.
 * Only APIs listed in {@link HANDLERS} are advertised.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { ApiKey } from "../protocol/apis.ts";
import {
  apiVersionsFallbackResponse,
  decodeRequest,
  encodeResponse,
  type FrameOptions,
} from "../protocol/header.ts";
import { type BufferPool, MIN_POOLED_FRAME_BYTES } from "../../buffer_pool.ts";
import { CloseConnection, type RequestContext, type RequestHandler } from "../server/types.ts";
import { advertisedApis, apiVersionsHandler } from "./api_versions.ts";
import {
  describeClusterHandler,
  findCoordinatorHandler,
  initProducerIdHandler,
} from "./cluster.ts";
import {
  alterConfigsHandler,
  describeConfigsHandler,
  incrementalAlterConfigsHandler,
  listConfigResourcesHandler,
} from "./configs.ts";
import {
  createAclsHandler,
  deleteAclsHandler,
  describeAclsHandler,
  describeClientQuotasHandler,
  describeUserScramCredentialsHandler,
} from "./security.ts";
import type { BrokerContext, Handler } from "./context.ts";
import { fetchHandler } from "./fetch.ts";
import { describeLogDirsHandler } from "./log_dirs.ts";
import {
  deleteGroupsHandler,
  describeGroupsHandler,
  heartbeatHandler,
  joinGroupHandler,
  leaveGroupHandler,
  listGroupsHandler,
  offsetCommitHandler,
  offsetDeleteHandler,
  offsetFetchHandler,
  syncGroupHandler,
} from "./groups.ts";
import { metadataHandler } from "./metadata.ts";
import {
  deleteRecordsHandler,
  listOffsetsHandler,
  offsetForLeaderEpochHandler,
} from "./offsets.ts";
import { produceHandler } from "./produce.ts";
import {
  alterPartitionReassignmentsHandler,
  electLeadersHandler,
  listPartitionReassignmentsHandler,
} from "./replicas.ts";
import {
  describeProducersHandler,
  describeTransactionsHandler,
  listTransactionsHandler,
} from "./transactions.ts";
import { createPartitionsHandler, createTopicsHandler, deleteTopicsHandler } from "./topics.ts";
import { describeTopicPartitionsHandler } from "./topic_partitions.ts";

export type { BrokerContext, BrokerSettings, LogDir, ProducerIdAllocator } from "./context.ts";

const log = getLogger(["chronik", "kafka", "handlers"]);

/** API key → handler. Extend to serve (and advertise) another API. */
export const HANDLERS = new Map<number, Handler>([
  [ApiKey.Produce, produceHandler],
  [ApiKey.Fetch, fetchHandler],
  [ApiKey.ListOffsets, listOffsetsHandler],
  [ApiKey.Metadata, metadataHandler],
  [ApiKey.FindCoordinator, findCoordinatorHandler],
  [ApiKey.CreateTopics, createTopicsHandler],
  [ApiKey.DeleteTopics, deleteTopicsHandler],
  [ApiKey.DeleteRecords, deleteRecordsHandler],
  [ApiKey.InitProducerId, initProducerIdHandler],
  [ApiKey.OffsetForLeaderEpoch, offsetForLeaderEpochHandler],
  [ApiKey.DescribeConfigs, describeConfigsHandler],
  [ApiKey.AlterConfigs, alterConfigsHandler],
  [ApiKey.DescribeLogDirs, describeLogDirsHandler],
  [ApiKey.CreatePartitions, createPartitionsHandler],
  [ApiKey.IncrementalAlterConfigs, incrementalAlterConfigsHandler],
  [ApiKey.DescribeCluster, describeClusterHandler],
  [ApiKey.JoinGroup, joinGroupHandler],
  [ApiKey.SyncGroup, syncGroupHandler],
  [ApiKey.Heartbeat, heartbeatHandler],
  [ApiKey.LeaveGroup, leaveGroupHandler],
  [ApiKey.OffsetCommit, offsetCommitHandler],
  [ApiKey.OffsetFetch, offsetFetchHandler],
  [ApiKey.DescribeGroups, describeGroupsHandler],
  [ApiKey.ListGroups, listGroupsHandler],
  [ApiKey.DeleteGroups, deleteGroupsHandler],
  [ApiKey.OffsetDelete, offsetDeleteHandler],
  [ApiKey.ElectLeaders, electLeadersHandler],
  [ApiKey.AlterPartitionReassignments, alterPartitionReassignmentsHandler],
  [ApiKey.ListPartitionReassignments, listPartitionReassignmentsHandler],
  [ApiKey.DescribeProducers, describeProducersHandler],
  [ApiKey.DescribeTransactions, describeTransactionsHandler],
  [ApiKey.ListTransactions, listTransactionsHandler],
  [ApiKey.DescribeAcls, describeAclsHandler],
  [ApiKey.CreateAcls, createAclsHandler],
  [ApiKey.DeleteAcls, deleteAclsHandler],
  [ApiKey.DescribeClientQuotas, describeClientQuotasHandler],
  [ApiKey.DescribeUserScramCredentials, describeUserScramCredentialsHandler],
  [ApiKey.ListConfigResources, listConfigResourcesHandler],
  [ApiKey.DescribeTopicPartitions, describeTopicPartitionsHandler],
]);
HANDLERS.set(ApiKey.ApiVersions, apiVersionsHandler(() => HANDLERS.keys()));

export interface DispatcherOptions {
  /**
   * Buffers for encoded responses of {@link MIN_POOLED_RESPONSE_BYTES} or more and for the
   * batches Fetch reads (`framePool` makes such a pool), reused once the server has written a
   * response (`releaseResponse`). Absent: a new array each time (at a consumer's rate these set
   * off full GCs, as request frames did: docs/benchmarks.md).
   */
  readonly buffers?: BufferPool | undefined;
  /** Largest buffer the response encoder keeps between responses; default `SCRATCH_KEEP_BYTES`. */
  readonly scratchKeepBytes?: number;
}

/**
 * Smaller responses are copied into arrays of their own (pooling them saves nothing); from here on
 * a response holds a pooled buffer of at most 4 times its size.
 */
export const MIN_POOLED_RESPONSE_BYTES = MIN_POOLED_FRAME_BYTES / 2;

export function createRequestHandler(
  broker: BrokerContext,
  handlers: ReadonlyMap<number, Handler> = HANDLERS,
  options: DispatcherOptions = {},
): RequestHandler {
  const pool = options.buffers;
  // Pooled buffers by the memory of the response handed out in them, until it is released. Weak:
  // a response dropped with its connection is never released, and its entry goes with it.
  const lent = new WeakMap<ArrayBufferLike, Uint8Array>();
  const alloc = pool === undefined ? undefined : (bytes: number): Uint8Array => {
    if (bytes < MIN_POOLED_RESPONSE_BYTES || bytes > pool.maxBufferBytes) {
      return new Uint8Array(bytes);
    }
    const buffer = pool.take(bytes);
    lent.set(buffer.buffer, buffer);
    return buffer;
  };
  const trailing = { since: 0, warnedAtMs: -Infinity };
  // What an ApiVersions request at a version we lack is told we serve: the APIs with a handler.
  const advertised = advertisedApis(handlers.keys());
  const frameOptions: FrameOptions = {
    ...(alloc === undefined ? {} : { alloc }),
    ...(options.scratchKeepBytes === undefined
      ? {}
      : { keepScratchBytes: options.scratchKeepBytes }),
  };
  return {
    // The Produce handler keeps its batches only until they are written (Partition.produce); a
    // handler put in its place makes no such promise.
    releasesFrame: (apiKey) => apiKey === ApiKey.Produce && handlers.get(apiKey) === produceHandler,
    releaseResponse(response: Uint8Array) {
      const buffer = lent.get(response.buffer);
      if (buffer === undefined || pool === undefined) return;
      lent.delete(response.buffer);
      pool.give(buffer);
    },
    async handle(frame: Uint8Array, context: RequestContext) {
      const decoded = decodeRequest(frame);
      switch (decoded.kind) {
        case "unsupported_version":
          if (decoded.api.apiKey === ApiKey.ApiVersions) {
            return withoutSizePrefix(
              apiVersionsFallbackResponse(decoded.header.correlationId, advertised),
            );
          }
          return refuse(context, decoded.message);
        case "unknown_api_key":
        case "malformed":
          return refuse(context, decoded.message);
        case "ok":
          break;
      }
      const { api, header, body } = decoded;
      if (decoded.trailingBytes > 0) noteTrailingBytes(trailing, context, decoded.trailingBytes);
      const handler = handlers.get(api.apiKey);
      if (handler === undefined) return refuse(context, `${api.name} is not served`);
      const version = header.requestApiVersion;
      const clientHost = `/${hostOf(context.remoteAddr)}`;
      // Only Fetch reads data into its response; its buffers go back once the response is encoded.
      const held: Uint8Array[] = [];
      const buffers = pool === undefined || api.apiKey !== ApiKey.Fetch
        ? {}
        : { buffers: { pool, giveAfterEncoding: (b: Uint8Array) => held.push(b) } };
      try {
        const request = { header, clientHost, version, body: body as never, ...buffers };
        const response = await handler(broker, request);
        if (response === null) return null;
        if (response instanceof CloseConnection) return refuse(context, response.reason);
        return withoutSizePrefix(
          encodeResponse(api.apiKey, version, header.correlationId, response, frameOptions),
        );
      } finally {
        for (const b of held) pool?.give(b);
      }
    },
  };
}

/** At most one warning about requests with bytes after their body per this many ms. */
const TRAILING_WARNING_INTERVAL_MS = 10_000;

/**
 * Bytes after a request's body are left unread, as Kafka's request parser leaves them, and the
 * request is served; a warning says so, at most once per {@link TRAILING_WARNING_INTERVAL_MS},
 * counting the requests since the last one.
 */
function noteTrailingBytes(
  state: { since: number; warnedAtMs: number },
  context: RequestContext,
  bytes: number,
): void {
  state.since++;
  if (context.receivedAtMs - state.warnedAtMs < TRAILING_WARNING_INTERVAL_MS) return;
  log.warn(
    "{remote}: {bytes} bytes after the body of api {apiKey} v{apiVersion}, not read " +
      "({requests} such requests since the last warning)",
    {
      remote: context.remoteAddr,
      bytes,
      apiKey: context.apiKey,
      apiVersion: context.apiVersion,
      requests: state.since,
    },
  );
  state.since = 0;
  state.warnedAtMs = context.receivedAtMs;
}

function refuse(context: RequestContext, reason: string): CloseConnection {
  log.warn("closing connection {remote}: {reason}", { remote: context.remoteAddr, reason });
  return new CloseConnection(reason);
}

/** `host` of `host:port` (no regular expression: this runs for every request). */
function hostOf(remoteAddr: string): string {
  const colon = remoteAddr.lastIndexOf(":");
  return colon < 0 ? remoteAddr : remoteAddr.slice(0, colon);
}

function withoutSizePrefix(frame: Uint8Array): Uint8Array {
  return frame.subarray(4);
}
