/**
 * An in-process broker for group tests: `tests/kafka/handlers/_harness.ts` with the
 * group coordinator on a {@link ManualClock}: rebalance deadlines, session expiry and offset
 * retention move only when a test advances the clock. Requests go through the codec both ways.
 */
import { type CoordinatorOptions, ManualClock } from "../../src/groups/mod.ts";
import { ApiKey } from "../../src/kafka/protocol/apis.ts";
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
  restart(): Promise<void>;
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
        restart: () => broker.restart(),
      });
    },
    { "offsets.topic.num.partitions": "3", ...flags },
    { groups: { clock, ...groupOptions } },
  );
}

// deno-lint-ignore no-explicit-any
export type Any = any;
