/**
 * An in-process broker for group tests, like `tests/kafka/handlers/_harness.ts` but with the
 * group coordinator on a {@link ManualClock}: rebalance deadlines, session expiry and offset
 * retention move only when a test advances the clock. Requests go through the codec both ways.
 */
import { buildConfig } from "../../src/config/mod.ts";
import { type CoordinatorOptions, ManualClock } from "../../src/groups/mod.ts";
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
  const harness: GroupHarness = {
    dir,
    clock,
    async call(apiKey, version, body, clientId = "test") {
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
    },
    async advance(ms) {
      // Requests already sent must reach the coordinator (and arm their timers) first.
      await settle();
      clock.advance(ms);
      await settle();
    },
    async restart() {
      await node.close();
      node = await startNode(config, { metrics, groups: { clock, ...groupOptions } });
    },
  };
  try {
    await fn(harness);
  } finally {
    await node.close();
    await Deno.remove(dir, { recursive: true });
  }
}

// deno-lint-ignore no-explicit-any
export type Any = any;
