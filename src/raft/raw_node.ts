/**
 * `RawNode`: the synchronous, I/O-free face of the Raft core (etcd raft's `rawnode.go` contract).
 *
 * ```ts
 * const node = new RawNode({ id: 1, storage, rng });
 * // driver loop, every 100 ms: node.tick(); on each message: node.step(msg)
 * if (node.hasReady()) {
 *   const rd = node.ready();
 *   // 1. persist rd.snapshot, rd.entries (truncating first), rd.hardState; fsync if rd.mustSync
 *   // 2. send rd.messages; 3. apply rd.committedEntries, then node.appliedTo(lastApplied)
 *   node.advance(rd);
 * }
 * ```
 *
 * The applied index is reported with {@link RawNode.appliedTo}; it feeds `status()` only, because
 * the core tracks what it has handed out (`applying`) for everything it decides itself. Conf change
 * entries take effect when handed out in `committedEntries` (see `conf_change.ts`).
 *
 * @module
 */

import { type RaftConfigInput, resolveConfig } from "./_config.ts";
import { Raft } from "./_raft.ts";
import { replayDone, scanConfChanges } from "./_membership.ts";
import { leaderReadIndex } from "./_read_index.ts";
import { flushBroadcast, sendAppendLoop } from "./_replication.ts";
import { applyConfChange, decodeConfChange, encodeConfChange } from "./conf_change.ts";
import type { ProgressState } from "./progress.ts";
import {
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  NONE,
  type ProposeResult,
  type Ready,
  type Role,
  type SoftState,
} from "./types.ts";

export { defaultRaftConfig, noTestingKnobs } from "./_config.ts";
export type { RaftConfig, RaftConfigInput, TestingKnobs } from "./_config.ts";

/** Outcome of {@link RawNode.readIndex}. */
export type ReadIndexResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: "notLeader" | "tooMany"; readonly leader: NodeId };

export interface PeerStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly paused: boolean;
  readonly recentActive: boolean;
  readonly isLearner: boolean;
}

/** A snapshot of the node for metrics and tests. `progress` is filled only on the leader. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId;
  readonly role: Role;
  readonly commit: number;
  readonly applying: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly confState: ConfState;
  readonly leadTransferee: NodeId;
  readonly electionElapsed: number;
  readonly uncommittedBytes: number;
  readonly droppedMsgs: number;
  readonly progress: ReadonlyMap<NodeId, PeerStatus>;
}

const EMPTY_READY: Ready = Object.freeze({
  softState: undefined,
  hardState: undefined,
  snapshot: undefined,
  entries: [],
  messages: [],
  committedEntries: [],
  readStates: [],
  mustSync: false,
});

/**
 * Persist before send, as far as the core can see it: once this Ready is persisted, storage holds
 * `term` and ends at `lastIndex`. An acknowledgement of an older term, or of an index past the end,
 * would promise what the persist undid (see `Raft.#dropOlderTermMsgs`): a broken invariant.
 */
function checkOutbox(msgs: readonly Message[], term: number, lastIndex: number): void {
  for (const m of msgs) {
    if (m.type !== "appendResponse" || m.reject) continue;
    if (m.term !== term || m.index > lastIndex) {
      throw new Error(
        `raft ${m.from}: acknowledgement t${m.term} index ${m.index} in a Ready that persists` +
          ` term ${term} and ends at ${lastIndex}`,
      );
    }
  }
}

export class RawNode {
  readonly #r: Raft;
  #prevHard: HardState;
  #prevSoft: SoftState;
  #outstanding: Ready | undefined = undefined;

  constructor(config: RaftConfigInput) {
    this.#r = new Raft(resolveConfig(config));
    this.#prevHard = { term: this.#r.term, vote: this.#r.vote, commit: this.#r.log.committed };
    this.#prevSoft = this.#r.softState();
  }

  /** Advances logical time by one tick. */
  tick(): void {
    this.#r.tick();
  }

  /** Feeds a message received from a peer. Messages for another node are a crash. */
  step(msg: Message): void {
    this.#r.step(msg);
  }

  /**
   * Starts an election now (pre-vote first when enabled). A no-op for a non-voter, and while a
   * committed conf change has not been handed out yet or storage cannot tell (`_membership.ts`).
   */
  campaign(): void {
    this.#r.hup();
  }

  /** Appends `data` as one entry if this node leads; no forwarding. */
  propose(data: Uint8Array): ProposeResult {
    return this.#r.propose("normal", data);
  }

  /** Proposes one membership change; refused while another is not yet handed out for apply. */
  proposeConfChange(cc: ConfChange): ProposeResult {
    const r = this.#r;
    if (r.role !== "leader") return { ok: false, error: "notLeader", leader: r.lead };
    if (r.pendingConfIndex > r.log.applying) {
      return { ok: false, error: "confChangePending", leader: r.lead };
    }
    if (!applyConfChange(r.confState, cc).ok) {
      return { ok: false, error: "invalidConfChange", leader: r.lead };
    }
    const res = r.propose("confChange", encodeConfChange(cc));
    if (res.ok) r.pendingConfIndex = res.index;
    return res;
  }

  /**
   * Leader only: hands leadership to voter `to` once it has caught up (TimeoutNow, thesis §3.10).
   * Proposals are refused meanwhile; an election timeout without success abandons it. False if
   * this node is not leader or `to` is not another voter.
   */
  transferLeader(to: NodeId): boolean {
    const r = this.#r;
    if (r.role !== "leader" || to === r.id || !r.isVoterId(to)) return false;
    if (r.leadTransferee === to) return true;
    r.leadTransferee = to;
    r.electionElapsed = 0;
    const pr = r.progress.get(to);
    if (pr !== undefined && pr.match === r.log.lastIndex()) {
      r.send({ type: "timeoutNow", from: r.id, to, term: r.term });
    } else {
      sendAppendLoop(r, to, true); // an empty probe finds out where the target really is
    }
    return true;
  }

  /**
   * Requests a linearizable read identified by `context` (non-zero, unique among outstanding
   * requests). The answer arrives as a `ReadState` in a later Ready; serve the read once the
   * applied index reaches its `index`. Followers forward to the leader they know.
   */
  readIndex(context: number): ReadIndexResult {
    if (context === 0) throw new RangeError("readIndex context must be non-zero");
    const r = this.#r;
    if (r.role === "leader") {
      return leaderReadIndex(r, context, r.id)
        ? { ok: true }
        : { ok: false, error: "tooMany", leader: r.lead };
    }
    if (r.lead === NONE) return { ok: false, error: "notLeader", leader: NONE };
    r.send({ type: "readIndex", from: r.id, to: r.lead, term: r.term, context });
    return { ok: true };
  }

  /** Reports that the state machine applied everything up to `index` (<= handed out). */
  appliedTo(index: number): void {
    this.#r.log.appliedTo(index);
  }

  /** O(1): whether `ready()` would return anything. False while a Ready awaits `advance`. */
  hasReady(): boolean {
    if (this.#outstanding !== undefined) return false;
    const r = this.#r;
    if (r.msgs.length > 0 || r.readStates.length > 0 || r.broadcastPending) return true;
    if (r.log.hasUnstableToPersist()) return true;
    if (!r.committedReadBlocked && r.log.hasNextCommittedEntries()) return true;
    const h = this.#prevHard;
    if (r.term !== h.term || this.#visibleVote() !== h.vote || r.log.committed !== h.commit) {
      return true;
    }
    return r.lead !== this.#prevSoft.leader || r.reportedRole() !== this.#prevSoft.role;
  }

  /** The next batch of work; see {@link Ready} for the order the driver must follow. */
  ready(): Ready {
    if (this.#outstanding !== undefined) return EMPTY_READY;
    const r = this.#r;
    // Hand out committed entries first: conf changes among them may call for a broadcast.
    const committedEntries = this.#takeCommitted();
    if (r.broadcastPending && r.role === "leader") flushBroadcast(r);
    r.broadcastPending = false;
    const entries = r.log.unstableEntriesToPersist();
    const snapshot = r.log.unstableSnapshotToPersist();
    r.log.acceptInProgress();
    const hard: HardState = { term: r.term, vote: this.#visibleVote(), commit: r.log.committed };
    const prev = this.#prevHard;
    const hardChanged = hard.term !== prev.term || hard.vote !== prev.vote ||
      hard.commit !== prev.commit;
    const soft = r.softState();
    const softChanged = soft.leader !== this.#prevSoft.leader || soft.role !== this.#prevSoft.role;
    const rd: Ready = {
      softState: softChanged ? soft : undefined,
      hardState: hardChanged ? hard : undefined,
      snapshot,
      entries,
      messages: r.msgs,
      committedEntries,
      readStates: r.readStates,
      mustSync: entries.length > 0 || snapshot !== undefined || hard.term !== prev.term ||
        hard.vote !== prev.vote,
    };
    checkOutbox(rd.messages, hard.term, r.log.lastIndex());
    r.msgs = [];
    r.readStates = [];
    this.#prevHard = hard;
    this.#prevSoft = soft;
    this.#outstanding = rd;
    r.log.check();
    return rd;
  }

  /** Hands out committed entries and lets conf changes among them take effect. */
  #takeCommitted(): readonly Entry[] {
    const r = this.#r;
    if (r.committedReadBlocked) return [];
    if (!replayDone(r) && scanConfChanges(r, r.confTracking.replayTo) !== "done") {
      r.committedReadBlocked = true; // the restart replay comes first; retry after the next tick
      return [];
    }
    const res = r.log.nextCommittedEntries(r.cfg.maxSizePerMsgBytes);
    if (!res.ok) {
      // Unavailable now: retry after the next tick rather than spin.
      r.committedReadBlocked = true;
      return [];
    }
    const ents = res.value;
    const last = ents[ents.length - 1];
    if (last === undefined) return ents;
    r.log.applying = last.index;
    for (const e of ents) {
      if (r.role === "leader" && e.term === r.term) {
        r.uncommittedBytes = Math.max(0, r.uncommittedBytes - e.data.length);
      }
      if (e.type !== "confChange") continue;
      const cc = decodeConfChange(e.data);
      if (cc === undefined) throw new Error(`raft: undecodable conf change at index ${e.index}`);
      r.applyConfChangeEntry(cc);
    }
    return ents;
  }

  /** The vote as the Ready reports it (the voteWithoutPersist knob hides new votes). */
  #visibleVote(): NodeId {
    const r = this.#r;
    if (!r.cfg.testingKnobs.voteWithoutPersist) return r.vote;
    return r.term === this.#prevHard.term ? this.#prevHard.vote : NONE;
  }

  /** Acknowledges that `rd` was persisted, sent and handed to apply. */
  advance(rd: Ready): void {
    if (rd === EMPTY_READY) return;
    if (rd !== this.#outstanding) {
      throw new Error("raft: advance() called with a Ready that is not the outstanding one");
    }
    this.#outstanding = undefined;
    const r = this.#r;
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) r.log.stableTo(last.index, last.term);
    if (rd.snapshot !== undefined) {
      r.log.stableSnapTo(rd.snapshot.meta.index);
      if (rd.snapshot.meta.index > r.log.applied) r.log.applied = rd.snapshot.meta.index;
    }
  }

  status(): RaftStatus {
    const r = this.#r;
    const progress = new Map<NodeId, PeerStatus>();
    if (r.role === "leader") {
      for (const [id, pr] of r.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          paused: pr.isPaused(),
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
        });
      }
    }
    const soft = r.softState();
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      leader: r.lead,
      role: soft.role,
      commit: r.log.committed,
      applying: r.log.applying,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      confState: r.confState,
      leadTransferee: r.leadTransferee,
      electionElapsed: r.electionElapsed,
      uncommittedBytes: r.uncommittedBytes,
      droppedMsgs: r.droppedMsgs,
      progress,
    };
  }
}
