/**
 * An in-process broker for group tests, like `tests/kafka/handlers/_harness.ts` but with the
 * group coordinator on a {@link ManualClock}: rebalance deadlines, session expiry and offset
 * retention move only when a test advances the clock. Requests go through the codec both ways.
 */
import { buildConfig } from "../../src/config/mod.ts";
import { type CoordinatorOptions, ManualClock } from "../../src/groups/mod.ts";
import { ApiKey } from "../../src/kafka/protocol/apis.ts";
import { decodeResponse, encodeRequest } from "../../src/kafka/protocol/header.ts";
import { CloseConnection } from "../../src/kafka/server/mod.ts";
import { Metrics } from "../../src/observability/mod.ts";
import { type Node, startNode } from "../../src/node.ts";

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
  restart(): Promise<void>;
}

let correlation = 0;

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
  const dir = await Deno.makeTempDir({ prefix: "chronik-groups-" });
  const config = buildConfig({
    flags: { "data.dir": dir, "offsets.topic.num.partitions": "3", ...flags },
  });
  const metrics = new Metrics({ eventLoopLagIntervalMs: 0 });
  const clock = new ManualClock();
  let node: Node = await startNode(config, { metrics, groups: { clock, ...groupOptions } });
  // Create the offsets topic up front: its first-use creation (fsyncs) would otherwise race the
  // first test's manual-clock advance on a loaded machine.
  await send(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ["warm-up"] }, "test");
  let inflight = 0;
  const harness: GroupHarness = {
    dir,
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
    async restart() {
      await node.close();
      node = await startNode(config, { metrics, groups: { clock, ...groupOptions } });
    },
  };
  async function send(
    apiKey: number,
    version: number,
    body: Record<string, unknown>,
    clientId: string,
  ): Promise<Record<string, unknown>> {
    const correlationId = ++correlation;
    const frame = encodeRequest(
      { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId },
      body,
    ).subarray(4);
    const out = await node.handler.handle(frame, {
      connectionId: 1,
      remoteAddr: "127.0.0.1:1",
      apiKey,
      apiVersion: version,
      correlationId,
      receivedAtMs: performance.now(),
    });
    if (out === null) throw new Error("no response");
    if (out instanceof CloseConnection) throw new Error(`connection closed: ${out.reason}`);
    const decoded = decodeResponse(out, apiKey, version);
    if (decoded.header.correlationId !== correlationId) throw new Error("correlation mismatch");
    return decoded.body;
  }
  try {
    await fn(harness);
  } finally {
    await node.close();
    await Deno.remove(dir, { recursive: true });
  }
}

// deno-lint-ignore no-explicit-any
export type Any = any;
