/**
 * The contract between the pure Raft core and everything around it: log entries, messages,
 * persistent state, the storage the core reads from, and the `Ready` batch the driver acts on.
 *
 * Nothing here does I/O. Time enters as `tick()` calls, randomness through {@link Rng}, the network
 * as {@link Message} values returned in {@link Ready} and fed back with `step()`, and the disk through
 * {@link LogStorage} (read side) plus the driver's persistence of `Ready` (write side).
 *
 * @module
 */

/** Node ids are positive integers; 0 means "none" (no vote, no known leader). */
export type NodeId = number;
export const NONE: NodeId = 0;

export type EntryType = "normal" | "confChange";

/** One log entry. For a partition group `data` is exactly one Kafka record batch. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  /** Opaque payload. An empty payload is the no-op a new leader appends in its term. */
  readonly data: Uint8Array;
}

/** A single membership change; see `conf_change.ts` for the rules that apply it. */
export type ConfChange =
  | { readonly kind: "addVoter"; readonly node: NodeId }
  | { readonly kind: "addLearner"; readonly node: NodeId }
  | { readonly kind: "removeNode"; readonly node: NodeId };

/** The membership in force. Invariant: `voters` and `learners` are disjoint and sorted. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** State that must be durable before any message that depends on it leaves the node. */
export interface HardState {
  readonly term: number;
  /** Who this node voted for in `term`, or NONE. */
  readonly vote: NodeId;
  /** Highest index known committed; persisting it is an optimisation, not a safety requirement. */
  readonly commit: number;
}

/** Identifies the state a snapshot captures: everything up to and including `index`. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/**
 * Why storage could not answer. `compacted`: the range is gone for good (below the first index;
 * the core falls back to a snapshot). `unavailable`: the range exists but cannot be read right now
 * (e.g. evicted from memory, a disk read is under way); the core retries later and never treats the
 * range as empty.
 */
export type StorageError = "compacted" | "unavailable";

export type StorageResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: StorageError };

/**
 * Read side of the durable log, implemented by the driver (partition log, `__meta` log, or the
 * simulator's disk). The core only reads through this; writes happen when the driver persists a
 * `Ready`. Answers must reflect every `Ready` the driver has persisted and acknowledged with
 * `advance()`.
 */
export interface LogStorage {
  /**
   * Hard state, and the membership of the latest snapshot (at `firstIndex() - 1`; the bootstrap
   * membership without one). Used once, at construction: the core replays the conf changes after
   * it up to `RaftConfig.applied` itself.
   */
  initialState(): { readonly hardState: HardState; readonly confState: ConfState };
  /** Index of the first entry still held (snapshot index + 1 when compacted). */
  firstIndex(): number;
  /** Index of the last durable entry (or the snapshot index when the log is empty). */
  lastIndex(): number;
  /**
   * Term of entry `index`; for `index == firstIndex() - 1` the snapshot's term. Must always answer
   * for `lastIndex()` (the core needs its last term to vote and campaign).
   */
  term(index: number): StorageResult<number>;
  /** Entries in [lo, hi), at least one if any, then up to `maxBytes` of payload in total. */
  entries(lo: number, hi: number, maxBytes: number): StorageResult<readonly Entry[]>;
  /** The most recent snapshot; `unavailable` while one is being prepared. */
  snapshot(): StorageResult<Snapshot>;
}

/** Deterministic randomness, injected. Production seeds from the OS; the simulator from its seed. */
export interface Rng {
  /** An integer uniformly drawn from [0, bound). */
  nextInt(bound: number): number;
}

/** Fields every message carries. `term` 0 marks a message that carries no term (local). */
interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** Leader → follower: entries following (`prevIndex`, `prevTerm`), and the leader's commit. */
export interface AppendMessage extends MessageBase {
  readonly type: "append";
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * Follower → leader. On success `index` is the last index now matching the leader. On reject,
 * `index` is the rejected `prevIndex` and (`hintIndex`, `hintTerm`) let the leader skip back a
 * whole term at a time (Raft thesis §5.3 fast back-tracking).
 */
export interface AppendResponseMessage extends MessageBase {
  readonly type: "appendResponse";
  readonly index: number;
  readonly reject: boolean;
  readonly hintIndex: number;
  readonly hintTerm: number;
}

/** Candidate → voters. `preVote` asks without disturbing anyone's term (thesis §9.6). */
export interface VoteMessage extends MessageBase {
  readonly type: "vote" | "preVote";
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Set when campaigning because of TimeoutNow: voters ignore their leader lease. */
  readonly transfer: boolean;
}

export interface VoteResponseMessage extends MessageBase {
  readonly type: "voteResponse" | "preVoteResponse";
  readonly reject: boolean;
}

/**
 * Leader → follower liveness and commit propagation. Deliberately tiny and free of log contents so
 * a transport can coalesce the heartbeats of many groups into one frame per peer per tick.
 * `context` is non-zero when the heartbeat confirms leadership for a ReadIndex request.
 */
export interface HeartbeatMessage extends MessageBase {
  readonly type: "heartbeat";
  readonly commit: number;
  readonly context: number;
}

export interface HeartbeatResponseMessage extends MessageBase {
  readonly type: "heartbeatResponse";
  readonly context: number;
}

/**
 * Leader → follower: one chunk of a snapshot. Chunks of one snapshot share `meta`; `offset` is the
 * byte offset of `data` within the snapshot; `done` marks the last chunk.
 */
export interface SnapshotChunkMessage extends MessageBase {
  readonly type: "snapshotChunk";
  readonly meta: SnapshotMeta;
  readonly offset: number;
  readonly data: Uint8Array;
  readonly done: boolean;
}

/** Follower → leader: chunk received (`offset` + its length), or `reject` to restart the transfer. */
export interface SnapshotChunkResponseMessage extends MessageBase {
  readonly type: "snapshotChunkResponse";
  readonly snapshotIndex: number;
  readonly nextOffset: number;
  readonly reject: boolean;
}

/** Leader → transferee: campaign now, ignoring your election timeout (thesis §3.10). */
export interface TimeoutNowMessage extends MessageBase {
  readonly type: "timeoutNow";
}

/** Follower → leader: a ReadIndex request forwarded, identified by `context`. */
export interface ReadIndexMessage extends MessageBase {
  readonly type: "readIndex";
  readonly context: number;
}

export interface ReadIndexResponseMessage extends MessageBase {
  readonly type: "readIndexResponse";
  readonly context: number;
  readonly index: number;
}

export type Message =
  | AppendMessage
  | AppendResponseMessage
  | VoteMessage
  | VoteResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | SnapshotChunkMessage
  | SnapshotChunkResponseMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage;

export type MessageType = Message["type"];

export type Role = "follower" | "preCandidate" | "candidate" | "leader" | "learner";

/** Volatile state worth reporting; changes are surfaced in `Ready.softState`. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

/** A ReadIndex request is safe to serve once `index` has been applied. */
export interface ReadState {
  readonly context: number;
  readonly index: number;
}

/**
 * Everything the driver must do, in this order:
 * 1. If `snapshot` is set, persist it, replacing the whole log: the log restarts after the
 *    snapshot's index (entries past it are discarded too).
 * 2. Append `entries` to stable storage, first truncating any existing suffix from
 *    `entries[0].index`, and persist `hardState` if set. Durable (fdatasync) when `mustSync`.
 * 3. Only then send `messages`: they may promise what step 2 wrote (votes, acknowledgements).
 *    None promises more: the outbox holds no message of a term older than `hardState`'s (they
 *    are dropped when the term moves), and no acknowledgement past the last entry persisted.
 * 4. Apply `committedEntries` in order. Apply may run concurrently with later Readies; report
 *    progress with `RawNode.appliedTo`. It never delays ticks or heartbeats.
 * 5. Call `RawNode.advance(ready)`. Until then `ready()` returns nothing new; `tick()` and `step()`
 *    remain legal and their effects appear in the next Ready.
 */
export interface Ready {
  readonly softState: SoftState | undefined;
  readonly hardState: HardState | undefined;
  readonly snapshot: Snapshot | undefined;
  readonly entries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
  readonly mustSync: boolean;
}

/** Expected refusals, returned as values rather than thrown. */
export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | {
    readonly ok: false;
    readonly error:
      | "notLeader"
      | "transferInProgress"
      | "confChangePending"
      | "tooLarge"
      | "invalidConfChange";
    readonly leader: NodeId;
  };
