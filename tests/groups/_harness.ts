/**
 * An in-process broker for group tests: `tests/kafka/handlers/_harness.ts` with the
 * group coordinator on a {@link ManualClock}: rebalance deadlines, session expiry and offset
 * retention move only when a test advances the clock. Requests go through the codec both ways.
 */
import { type CoordinatorOptions, ManualClock } from "../../src/groups/mod.ts";
import { ApiKey } from "../../src/kafka/protocol/apis.ts";
import assert from "node:assert/strict";
import { ErrorCode } from "../../src/kafka/protocol/errors.ts";
import { Writer } from "../../src/kafka/protocol/writer.ts";
import { withBroker } from "../kafka/handlers/_harness.ts";

export interface GroupHarness {
  readonly dir: string;
  readonly clock: ManualClock;
  call(
    apiKey: number,
    version: number,
    body: Record<string, unknown>,
    clientId?: string,
  ): Promise<Record<string, unknown>>;
  /** Lets pending requests arrive, moves virtual time, then lets the coordinator's writes and replies settle. */
  advance(ms: number): Promise<void>;
  restart(whileStopped?: () => Promise<void>): Promise<void>;
}

/** Lets queued promise work (writes, fsyncs, replies) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 5));
}

/**
 * Lets requests already sent reach the coordinator and arm their timers: waits until the count of
 * pending manual timers and of unanswered calls has not changed for several rounds (bounded), so
 * a slow fsync on a loaded machine cannot let `advance` run ahead of a timer being armed.
 */
async function quiesce(clock: ManualClock, inflight: () => number): Promise<void> {
  let last = "";
  let stable = 0;
  for (let round = 0; round < 400 && stable < 8; round++) {
    await new Promise((r) => setTimeout(r, 5));
    const now = `${clock.pendingTimers}/${inflight()}`;
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
}

export async function withGroupBroker(
  fn: (h: GroupHarness) => Promise<void>,
  flags: Record<string, string> = {},
  groupOptions: Partial<Omit<CoordinatorOptions, "nodeId" | "clock">> = {},
): Promise<void> {
  const clock = new ManualClock();
  await withBroker(
    async (broker) => {
      const send = async (
        apiKey: number,
        version: number,
        body: Record<string, unknown>,
        clientId: string,
      ) => {
        const out = await broker.call(apiKey, version, body, clientId);
        if (out === null) throw new Error("no response");
        return out;
      };
      // Create the offsets topic up front: its first-use creation (fsyncs) would otherwise race
      // the first test's manual-clock advance on a loaded machine.
      await send(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ["warm-up"] }, "test");
      let inflight = 0;
      await fn({
        dir: broker.dir,
        clock,
        async call(apiKey, version, body, clientId = "test") {
          inflight++;
          try {
            return await send(apiKey, version, body, clientId);
          } finally {
            inflight--;
          }
        },
        async advance(ms) {
          // Requests already sent must reach the coordinator (and arm their timers) first.
          await quiesce(clock, () => inflight);
          clock.advance(ms);
          await quiesce(clock, () => inflight);
        },
        restart: (whileStopped) => broker.restart(whileStopped),
      });
    },
    { "offsets.topic.num.partitions": "3", ...flags },
    { groups: { clock, ...groupOptions } },
  );
}

// deno-lint-ignore no-explicit-any
export type Any = any;

// ---- Requests shared by the group tests ----

const enc = new TextEncoder();

/** A consumer-protocol subscription (v0) to `topics`. */
export function subscription(topics: string[]): Uint8Array {
  const w = new Writer();
  w.int16(0);
  w.int32(topics.length);
  for (const t of topics) w.nullableString(t);
  w.nullableBytes(null);
  return w.bytes().slice();
}

/** Creates a topic; returns its id. */
export async function createTopic(
  h: GroupHarness,
  name: string,
  partitions: number,
): Promise<string> {
  const res: Any = await h.call(ApiKey.CreateTopics, 7, {
    topics: [{
      name,
      numPartitions: partitions,
      replicationFactor: 1,
      assignments: [],
      configs: [],
    }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  assert.equal(res.topics[0].errorCode, 0);
  return res.topics[0].topicId;
}

export function joinBody(groupId: string, memberId: string, extra: Record<string, unknown> = {}) {
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    memberId,
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: subscription(["t"]) }],
    reason: null,
    ...extra,
  };
}

/** Joins one dynamic member through MEMBER_ID_REQUIRED, completing the initial delay. */
export async function joinAlone(h: GroupHarness, groupId: string): Promise<Any> {
  const first: Any = await h.call(ApiKey.JoinGroup, 9, joinBody(groupId, ""));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.ok(first.memberId.startsWith("test-"));
  const pending = h.call(ApiKey.JoinGroup, 9, joinBody(groupId, first.memberId));
  await h.advance(3_000); // group.initial.rebalance.delay.ms
  const joined: Any = await pending;
  assert.equal(joined.errorCode, 0);
  return joined;
}

export async function syncAlone(h: GroupHarness, groupId: string, joined: Any, assignment: string) {
  const res: Any = await h.call(ApiKey.SyncGroup, 5, {
    groupId,
    generationId: joined.generationId,
    memberId: joined.memberId,
    groupInstanceId: null,
    protocolType: "consumer",
    protocolName: "range",
    assignments: [{ memberId: joined.memberId, assignment: enc.encode(assignment) }],
  });
  assert.equal(res.errorCode, 0);
  return res;
}

export async function commit(
  h: GroupHarness,
  groupId: string,
  generationId: number,
  memberId: string,
  offsets: [topic: string, partition: number, offset: number, metadata?: string | null][],
  version = 9,
): Promise<number[]> {
  const res: Any = await h.call(ApiKey.OffsetCommit, version, {
    groupId,
    generationIdOrMemberEpoch: generationId,
    memberId,
    groupInstanceId: null,
    retentionTimeMs: -1n,
    topics: offsets.map(([name, partitionIndex, offset, metadata]) => ({
      name,
      partitions: [{
        partitionIndex,
        committedOffset: BigInt(offset),
        committedLeaderEpoch: -1,
        committedMetadata: metadata === undefined ? "m" : metadata,
      }],
    })),
  });
  // Kafka answers refused partitions first and gathers them by topic: look each one up.
  const codes = new Map<string, number>();
  for (const t of res.topics) {
    for (const p of t.partitions) codes.set(`${t.name}:${p.partitionIndex}`, p.errorCode);
  }
  return offsets.map(([topic, partition]) => codes.get(`${topic}:${partition}`)!);
}

export async function fetchOffsets(h: GroupHarness, groupId: string, topics: Any = null) {
  const res: Any = await h.call(ApiKey.OffsetFetch, 9, {
    groups: [{ groupId, memberId: null, memberEpoch: -1, topics }],
    requireStable: false,
  });
  const out = new Map<string, number>();
  for (const t of res.groups[0].topics) {
    for (const p of t.partitions) {
      out.set(`${t.name}:${p.partitionIndex}`, Number(p.committedOffset));
    }
  }
  return out;
}

export async function deleteTopic(h: GroupHarness, name: string) {
  const res: Any = await h.call(ApiKey.DeleteTopics, 6, {
    topics: [{ name, topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
    timeoutMs: 1000,
  });
  assert.equal(res.responses[0].errorCode, 0);
}

/** Retries `check` until it stops throwing (bounded): for work the broker finishes after answering. */
export async function eventually(check: () => Promise<void>, attempts = 100): Promise<void> {
  for (let i = 1;; i++) {
    try {
      return await check();
    } catch (e) {
      if (i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
