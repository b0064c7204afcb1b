/**
 * An in-process broker for handler tests: a real node (metadata log, partition logs on a temp
 * dir) whose request handler is called directly with encoded frames, so every test goes through
 * the codec both ways exactly as a client's bytes would.
 */
import assert from "node:assert/strict";
import { buildConfig } from "../../../src/config/mod.ts";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { decodeResponse, encodeRequest } from "../../../src/kafka/protocol/header.ts";
import { CloseConnection } from "../../../src/kafka/server/mod.ts";
import { Metrics } from "../../../src/observability/mod.ts";
import { type Node, type NodeDeps, startNode } from "../../../src/node.ts";

export interface Harness {
  readonly dir: string;
  /** Sends one request; returns the decoded response body, or null when none was sent. */
  call(
    apiKey: number,
    version: number,
    body: Record<string, unknown>,
    clientId?: string,
  ): Promise<Record<string, unknown> | null>;
  /** Sends raw frame bytes (without size prefix); returns what the handler returned. */
  raw(frame: Uint8Array): Promise<Uint8Array | null | CloseConnection>;
  /** Hands a response from `raw` back as the server does once it is written (reused after). */
  release(response: Uint8Array): void;
  /** Stops the node, runs `whileStopped` (on its files, say), and starts it on the same data. */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
}

let correlation = 0;

export async function withBroker(
  fn: (h: Harness) => Promise<void>,
  flags: Record<string, string> = {},
  deps: Partial<NodeDeps> = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chronik-handlers-" });
  const config = buildConfig({ flags: { "data.dir": dir, ...flags } });
  const metrics = new Metrics({ eventLoopLagIntervalMs: 0 });
  let node: Node = await startNode(config, { metrics, ...deps });
  const context = (frame: Uint8Array) => {
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    return {
      connectionId: 1,
      remoteAddr: "127.0.0.1:1",
      apiKey: view.getInt16(0),
      apiVersion: view.getInt16(2),
      correlationId: view.getInt32(4),
      receivedAtMs: performance.now(),
    };
  };
  const harness: Harness = {
    dir,
    async raw(frame) {
      return await node.handler.handle(frame, context(frame));
    },
    release(response) {
      node.handler.releaseResponse?.(response);
    },
    async call(apiKey, version, body, clientId = "test") {
      const correlationId = ++correlation;
      const frame = encodeRequest(
        { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId },
        body,
      ).subarray(4);
      const out = await node.handler.handle(frame, context(frame));
      if (out === null) return null;
      if (out instanceof CloseConnection) throw new Error(`connection closed: ${out.reason}`);
      const decoded = decodeResponse(out, apiKey, version);
      if (decoded.header.correlationId !== correlationId) {
        throw new Error("correlation id mismatch");
      }
      return decoded.body;
    },
    async restart(whileStopped) {
      await node.close();
      await whileStopped?.();
      node = await startNode(config, { metrics, ...deps });
    },
  };
  try {
    await fn(harness);
  } finally {
    await node.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Narrowing helper for nested response fields in assertions. */
// deno-lint-ignore no-explicit-any
export type Any = any;

/** CreateTopics v7 of one topic (replication factor 1); the topic's answer entry. */
export async function createTopic(
  h: Harness,
  name: string,
  partitions = 1,
  configs: { name: string; value: string }[] = [],
): Promise<Any> {
  const res: Any = await h.call(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  return res.topics[0];
}

/** {@link createTopic} for a test that needs the topic: fails unless it was created. */
export async function createdTopic(
  h: Harness,
  name: string,
  partitions = 1,
  configs: { name: string; value: string }[] = [],
): Promise<void> {
  const created = await createTopic(h, name, partitions, configs);
  assert.equal(created.errorCode, ErrorCode.NONE, `creating ${name}`);
}

/** Produces one batch to partition 0 of `topic` (acks=all, Produce v9); fails unless accepted. */
export async function producedBatch(h: Harness, topic: string, records: Uint8Array): Promise<void> {
  const produced: Any = await h.call(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  assert.equal(produced.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
}

/**
 * ListOffsets (v7 unless told) of partition 0 of `topic` at `timestamp` (-1 latest, -2 earliest);
 * the partition's answer entry.
 */
export async function listedOffset(
  h: Harness,
  topic: string,
  timestamp: bigint,
  version = 7,
): Promise<Any> {
  const res: Any = await h.call(ApiKey.ListOffsets, version, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{
      name: topic,
      partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }],
    }],
  });
  return res.topics[0].partitions[0];
}

/** Creates the internal offsets topic the way a client does: a FindCoordinator for a group. */
export async function offsetsTopicCreated(h: Harness): Promise<void> {
  const res: Any = await h.call(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ["g"] });
  assert.equal(res.coordinators[0].errorCode, ErrorCode.NONE);
}

/** This node's id, as DescribeCluster names it. */
export async function nodeIdOf(h: Harness): Promise<number> {
  const res: Any = await h.call(ApiKey.DescribeCluster, 0, {
    includeClusterAuthorizedOperations: false,
  });
  assert.equal(res.brokers.length, 1);
  return res.brokers[0].brokerId;
}
