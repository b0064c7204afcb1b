import type { LogStorage, NodeId, Rng } from "./types.ts";

/**
 * Deliberately broken behaviours for the simulator's "broken core" runs. TEST-ONLY: every knob
 * violates Raft safety; production leaves them all false.
 */
export interface TestingKnobs {
  /** The leader commits an earlier-term entry once a majority holds it (violates paper §5.4.2). */
  readonly commitOldTermByCount: boolean;
  /** Votes are granted but never put in `Ready.hardState`, so a restart forgets them. */
  readonly voteWithoutPersist: boolean;
  /**
   * A follower keeps a conflicting suffix and appends only entries past its last index; the Ready
   * then carries only those, so storage following the contract keeps the stale entries too.
   */
  readonly appendWithoutTruncate: boolean;
}

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: LogStorage;
  readonly rng: Rng;
  /** Election timeout is drawn from [electionTicks, 2 * electionTicks). */
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Unacknowledged appends per follower in replicate state. */
  readonly maxInflightMsgs: number;
  /** Payload bytes per append message, and per `Ready.committedEntries` (at least one entry). */
  readonly maxSizePerMsgBytes: number;
  /** Payload bytes a leader holds uncommitted before refusing proposals with `tooLarge`. */
  readonly maxUncommittedBytes: number;
  /** Bytes of snapshot data per `snapshotChunk` message. */
  readonly snapshotChunkBytes: number;
  /** Largest snapshot a follower assembles in memory; bigger transfers are rejected. */
  readonly maxSnapshotBytes: number;
  /** Pending ReadIndex requests a leader holds; more are refused. */
  readonly maxReadIndexRequests: number;
  /** Messages queued for the next Ready; more are dropped (Raft tolerates loss) and counted. */
  readonly maxOutboxMsgs: number;
  /**
   * Log entries read per attempt to learn the membership (the campaign guard and the restart
   * replay, see `_membership.ts`); a longer backlog is read over several attempts.
   */
  readonly maxConfScanEntries: number;
  /** Index already applied by the state machine at construction (entries up to it are skipped). */
  readonly applied: number;
  readonly testingKnobs: TestingKnobs;
}

export type RaftConfigInput =
  & Pick<RaftConfig, "id" | "storage" | "rng">
  & Partial<Omit<RaftConfig, "id" | "storage" | "rng" | "testingKnobs">>
  & { readonly testingKnobs?: Partial<TestingKnobs> };

export const noTestingKnobs: TestingKnobs = Object.freeze({
  commitOldTermByCount: false,
  voteWithoutPersist: false,
  appendWithoutTruncate: false,
});

/** Defaults: heartbeat every tick, election after 10-19 ticks (the driver ticks every 100 ms). */
export const defaultRaftConfig: Omit<RaftConfig, "id" | "storage" | "rng"> = Object.freeze({
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxInflightMsgs: 256,
  maxSizePerMsgBytes: 1024 * 1024,
  maxUncommittedBytes: 64 * 1024 * 1024,
  snapshotChunkBytes: 1024 * 1024,
  maxSnapshotBytes: 1024 * 1024 * 1024,
  maxReadIndexRequests: 4096,
  maxOutboxMsgs: 65536,
  maxConfScanEntries: 16384,
  applied: 0,
  testingKnobs: noTestingKnobs,
});

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`raft config ${name} must be >= 1: ${v}`);
}

/** Merges defaults and validates; errors name the key and value. */
export function resolveConfig(input: RaftConfigInput): RaftConfig {
  const c: RaftConfig = {
    ...defaultRaftConfig,
    ...input,
    testingKnobs: { ...noTestingKnobs, ...input.testingKnobs },
  };
  positiveInt("id", c.id);
  for (
    const k of [
      "electionTicks",
      "heartbeatTicks",
      "maxInflightMsgs",
      "maxSizePerMsgBytes",
      "maxUncommittedBytes",
      "snapshotChunkBytes",
      "maxSnapshotBytes",
      "maxReadIndexRequests",
      "maxOutboxMsgs",
      "maxConfScanEntries",
    ] as const
  ) positiveInt(k, c[k]);
  if (c.electionTicks <= c.heartbeatTicks) {
    throw new RangeError(
      `raft config electionTicks (${c.electionTicks}) must exceed heartbeatTicks (${c.heartbeatTicks})`,
    );
  }
  if (!Number.isInteger(c.applied) || c.applied < 0) {
    throw new RangeError(`raft config applied must be >= 0: ${c.applied}`);
  }
  return c;
}
