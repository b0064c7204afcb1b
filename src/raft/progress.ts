/**
 * What a leader knows about one follower's log, and the flow control that paces replication to it
 * (etcd `tracker/progress.go` and `inflights.go` describe the same states).
 *
 * - `probe`: the match point is unknown; at most one append is in flight until it is answered (or
 *   a heartbeat response arrives, which is the retry signal).
 * - `replicate`: the follower is known to match `match`; appends are pipelined optimistically,
 *   `next` advances as they are sent, and at most `maxInflightMsgs` are unacknowledged.
 * - `snapshot`: the follower needs entries the leader no longer has; a snapshot is being streamed in
 *   chunks, one chunk in flight at a time; appends are paused.
 *
 * @module
 */

import type { NodeId } from "./types.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** A bounded ring of the last index of each unacknowledged append, in send order. */
export class Inflights {
  readonly #lastIndexes: number[];
  #start = 0;
  #count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`maxInflightMsgs must be a positive integer, got ${capacity}`);
    }
    this.#lastIndexes = new Array<number>(capacity).fill(0);
  }

  get count(): number {
    return this.#count;
  }

  full(): boolean {
    return this.#count === this.capacity;
  }

  /** Records an append whose last entry is `lastIndex`. Indexes must increase. */
  add(lastIndex: number): void {
    if (this.full()) throw new Error("raft: inflights overflow (caller must check full())");
    this.#lastIndexes[(this.#start + this.#count) % this.capacity] = lastIndex;
    this.#count++;
  }

  /** Frees every append whose last index is <= `index` (they are acknowledged). */
  freeLE(index: number): void {
    while (this.#count > 0 && (this.#lastIndexes[this.#start] as number) <= index) {
      this.#start = (this.#start + 1) % this.capacity;
      this.#count--;
    }
  }

  /** Frees the oldest append (a heartbeat response shows the peer is alive: resume sending). */
  freeFirstOne(): void {
    if (this.#count === 0) return;
    this.#start = (this.#start + 1) % this.capacity;
    this.#count--;
  }

  reset(): void {
    this.#start = 0;
    this.#count = 0;
  }
}

/** Replication state of one peer as seen by the leader. */
export class Progress {
  /** Highest index known to be in the follower's log. Invariant: `match < next`. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = "probe";
  /** Probe state: an append is out and unanswered; wait for its answer or a heartbeat response. */
  probeSent = false;
  /** Snapshot state: index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Snapshot state: bytes the follower has acknowledged. */
  snapshotOffset = 0;
  /** Snapshot state: a chunk is out and unanswered. */
  snapshotChunkSent = false;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(
    readonly id: NodeId,
    next: number,
    maxInflightMsgs: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs);
  }

  #resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotOffset = 0;
    this.snapshotChunkSent = false;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // Coming back from a snapshot, resume after whichever is further along.
    const from = this.state === "snapshot"
      ? Math.max(this.match, this.pendingSnapshot)
      : this.match;
    this.#resetState("probe");
    this.next = from + 1;
  }

  becomeReplicate(): void {
    this.#resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.#resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
  }

  /** Whether the leader should hold back appends to this peer. */
  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }

  /** Bookkeeping after sending an append carrying entries up to `lastIndex` (0 entries: none). */
  sentEntries(entryCount: number, lastIndex: number): void {
    if (this.state === "replicate") {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === "probe") {
      this.probeSent = true;
    } else {
      throw new Error(`raft: append sent to ${this.id} in snapshot state`);
    }
  }

  /** A successful append response for `index`; false if it is stale. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejected append at `rejected`; `probeIndex` is where the follower's hint says to try next.
   * False if the rejection is stale (the leader already moved past it).
   */
  maybeDecrTo(rejected: number, probeIndex: number): boolean {
    if (this.state === "replicate") {
      // Responses to appends sent before the match point are stale.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // Probe: only the answer to the current probe (next - 1) counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, probeIndex + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }
}
