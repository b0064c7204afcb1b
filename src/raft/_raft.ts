/**
 * The Raft state machine behind `RawNode`: roles, terms, elections, and dispatch of messages to the
 * handlers in `_follower.ts`, `_replication.ts` and `_read_index.ts`. Internal: fields are public
 * only so those handlers can reach them.
 */

import type { RaftConfig } from "./_config.ts";
import { applyConfChange } from "./conf_change.ts";
import {
  handleAppend,
  handleHeartbeat,
  handleSnapshotChunk,
  handleVoteRequest,
} from "./_follower.ts";
import { RaftLog } from "./log.ts";
import {
  type ConfTracking,
  membershipSettled,
  newConfTracking,
  scanConfChanges,
} from "./_membership.ts";
import { Progress } from "./progress.ts";
import { hasQuorum, voteOutcome } from "./quorum.ts";
import { leaderReadIndex, releasePendingReads } from "./_read_index.ts";
import {
  bcastHeartbeat,
  handleAppendResponse,
  handleHeartbeatResponse,
  handleSnapshotChunkResponse,
  maybeCommit,
} from "./_replication.ts";
import {
  type ConfChange,
  type ConfState,
  type Entry,
  type EntryType,
  type Message,
  type NodeId,
  NONE,
  type ProposeResult,
  type ReadState,
  type Role,
  type SnapshotMeta,
  type SoftState,
} from "./types.ts";

export type InternalRole = "follower" | "preCandidate" | "candidate" | "leader";

/** A ReadIndex request waiting for a quorum of heartbeat acknowledgements. */
export interface ReadRequest {
  readonly context: number;
  readonly index: number;
  readonly from: NodeId;
  readonly acks: Set<NodeId>;
}

/** A snapshot being assembled from chunks (at most one at a time, bounded by maxSnapshotBytes). */
export interface SnapshotReceive {
  readonly meta: SnapshotMeta;
  readonly chunks: Uint8Array[];
  bytes: number;
}

export class Raft {
  readonly id: NodeId;
  readonly log: RaftLog;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: InternalRole = "follower";
  confState: ConfState = { voters: [], learners: [] };
  isVoter = false;
  isLearner = false;
  /** Peers (and self) in the configuration; meaningful while leader. */
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();
  /** Outbox for the next Ready, bounded by maxOutboxMsgs. */
  msgs: Message[] = [];
  droppedMsgs = 0;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee: NodeId = NONE;
  /** Index of the latest conf change (or the term's no-op); another waits until it is handed out. */
  pendingConfIndex = 0;
  uncommittedBytes = 0;
  readRequests: ReadRequest[] = [];
  /** ReadIndex requests that arrived before the leader committed an entry of its term. */
  pendingReads: { context: number; from: NodeId }[] = [];
  readStates: ReadState[] = [];
  snapshotReceive: SnapshotReceive | undefined = undefined;
  /** Leader: appends to send when the next Ready is built (batches many proposals). */
  broadcastPending = false;
  /** Committed entries could not be read; wait for the next tick before retrying. */
  committedReadBlocked = false;
  /** What is known of conf changes up to commit (the campaign guard, see `_membership.ts`). */
  readonly confTracking: ConfTracking;

  constructor(readonly cfg: RaftConfig) {
    this.id = cfg.id;
    const { hardState, confState } = cfg.storage.initialState();
    this.log = new RaftLog(cfg.storage, hardState.commit, cfg.applied);
    this.term = hardState.term;
    this.applyConfState(confState);
    this.becomeFollower(hardState.term, NONE);
    this.vote = hardState.vote;
    // Membership as of `applied`: the snapshot's plus the conf changes applied before the restart.
    this.confTracking = newConfTracking(this.log.firstIndex() - 1, this.log.applied);
    scanConfChanges(this, this.confTracking.replayTo); // if storage cannot answer, hand-out retries
  }

  /**
   * Invariant (checked in `RawNode.ready`): the outbox holds only messages of the current term or
   * later (a granted pre-vote), so a Ready never sends a promise its own persist undoes. A message
   * speaks for the state of the term it was queued in; the Ready that carries it persists the new
   * term, and a new term's leader may truncate the entries an old acknowledgement covers (seed
   * 142). Within one term a follower never truncates what it acknowledged (the term's leader only
   * appends), so current-term acknowledgements stay true. Dropping is safe: Raft tolerates loss.
   */
  #dropOlderTermMsgs(): void {
    const term = this.term;
    if (this.msgs.some((m) => m.term < term)) this.msgs = this.msgs.filter((m) => m.term >= term);
  }

  send(m: Message): void {
    if (this.msgs.length >= this.cfg.maxOutboxMsgs) {
      this.droppedMsgs++;
      return;
    }
    this.msgs.push(m);
  }

  /** The role as reported (a following learner is "learner"); allocation-free for hasReady. */
  reportedRole(): Role {
    return this.role === "follower" && this.isLearner ? "learner" : this.role;
  }

  softState(): SoftState {
    return { leader: this.lead, role: this.reportedRole() };
  }

  // ---- roles ----

  #reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
      this.#dropOlderTermMsgs();
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks +
      this.cfg.rng.nextInt(this.cfg.electionTicks);
    this.leadTransferee = NONE;
    this.votes.clear();
    const last = this.log.lastIndex();
    for (const [id, old] of this.progress) {
      const pr = new Progress(id, last + 1, this.cfg.maxInflightMsgs, old.isLearner);
      if (id === this.id) pr.match = last;
      this.progress.set(id, pr);
    }
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.readRequests = [];
    this.pendingReads = [];
    this.broadcastPending = false;
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.#reset(term);
    this.lead = lead;
    this.role = "follower";
  }

  becomePreCandidate(): void {
    if (this.role === "leader") throw new Error("raft: leader cannot become pre-candidate");
    this.votes.clear();
    this.lead = NONE;
    this.role = "preCandidate";
  }

  becomeCandidate(): void {
    if (this.role === "leader") throw new Error("raft: leader cannot become candidate");
    this.#reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }

  becomeLeader(): void {
    if (this.role === "follower") throw new Error("raft: follower cannot become leader");
    this.#reset(this.term);
    this.lead = this.id;
    this.role = "leader";
    const self = this.progress.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    // The no-op of this term (paper §8); conf changes wait until it is handed out.
    this.pendingConfIndex = this.log.lastIndex() + 1;
    this.appendEntries([{ type: "normal", data: new Uint8Array(0) }]);
  }

  /** Starts an election (or pre-election). `transfer` is set when answering TimeoutNow. */
  campaign(kind: "preVote" | "vote", transfer: boolean): void {
    if (this.role === "leader") return;
    // Lead only on the membership the commit index proves (seed 151); refuse when unsure.
    if (!membershipSettled(this) || !this.isVoter) return;
    let voteTerm: number;
    if (kind === "preVote") {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    this.votes.set(this.id, true);
    if (voteOutcome(this.confState.voters, this.votes) === "won") {
      if (kind === "preVote") this.campaign("vote", transfer);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const to of this.confState.voters) {
      if (to === this.id) continue;
      this.send({ type: kind, from: this.id, to, term: voteTerm, lastIndex, lastTerm, transfer });
    }
  }

  hup(): void {
    this.campaign(this.cfg.preVote ? "preVote" : "vote", false);
  }

  // ---- time ----

  tick(): void {
    this.committedReadBlocked = false;
    const ct = this.confTracking;
    if (ct.scannedTo < ct.replayTo) scanConfChanges(this, ct.replayTo); // a restart replay retries
    if (this.role === "leader") {
      this.#tickLeader();
      return;
    }
    // The idle follower path: a counter increment and a comparison.
    this.electionElapsed++;
    if (this.isVoter && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup();
    }
  }

  #tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        const active = (id: NodeId) =>
          id === this.id || this.progress.get(id)?.recentActive === true;
        if (!hasQuorum(this.confState.voters, active)) {
          this.becomeFollower(this.term, NONE); // check-quorum: no contact with a majority
          return;
        }
        for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = false;
      }
      this.leadTransferee = NONE; // a transfer that took a whole election timeout is abandoned
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      bcastHeartbeat(this, 0);
    }
  }

  // ---- messages ----

  step(m: Message): void {
    if (m.to !== this.id) throw new Error(`raft ${this.id}: message for ${m.to} stepped here`);
    if (!this.#checkTerm(m)) return;
    if (m.type === "vote" || m.type === "preVote") {
      handleVoteRequest(this, m);
      return;
    }
    switch (this.role) {
      case "leader":
        this.#stepLeader(m);
        return;
      case "candidate":
      case "preCandidate":
        this.#stepCandidate(m);
        return;
      case "follower":
        this.#stepFollower(m);
        return;
    }
  }

  /** Term rules (paper §5.1, thesis §9.6 pre-vote, §6.2 leases); false drops the message. */
  #checkTerm(m: Message): boolean {
    if (m.term > this.term) {
      if (m.type === "vote" || m.type === "preVote") {
        const inLease = this.cfg.checkQuorum && this.lead !== NONE &&
          this.electionElapsed < this.cfg.electionTicks;
        if (inLease && !m.transfer) return false; // we heard from a leader recently
      }
      if (m.type === "preVote") return true; // a pre-vote never changes our term
      if (m.type === "preVoteResponse" && !m.reject) return true; // term moves when we win
      const leaderMsg = m.type === "append" || m.type === "heartbeat" || m.type === "snapshotChunk";
      this.becomeFollower(m.term, leaderMsg ? m.from : NONE);
      return true;
    }
    if (m.term < this.term) {
      if (
        (this.cfg.checkQuorum || this.cfg.preVote) &&
        (m.type === "append" || m.type === "heartbeat")
      ) {
        // Tell a stale leader about the newer term, or it may never step down (thesis §9.6).
        this.send({
          type: "appendResponse",
          from: this.id,
          to: m.from,
          term: this.term,
          index: 0,
          reject: false,
          hintIndex: 0,
          hintTerm: 0,
        });
      } else if (m.type === "preVote") {
        this.send({
          type: "preVoteResponse",
          from: this.id,
          to: m.from,
          term: this.term,
          reject: true,
        });
      }
      return false;
    }
    return true;
  }

  #stepLeader(m: Message): void {
    switch (m.type) {
      case "appendResponse":
        handleAppendResponse(this, m);
        return;
      case "heartbeatResponse":
        handleHeartbeatResponse(this, m);
        return;
      case "snapshotChunkResponse":
        handleSnapshotChunkResponse(this, m);
        return;
      case "readIndex":
        leaderReadIndex(this, m.context, m.from);
        return;
      case "append":
      case "heartbeat":
      case "snapshotChunk":
        throw new Error(
          `raft ${this.id}: two leaders in term ${this.term} (${m.from} sent ${m.type})`,
        );
      default:
        return; // stale votes, timeoutNow, responses meant for a follower
    }
  }

  #stepCandidate(m: Message): void {
    switch (m.type) {
      case "append":
      case "heartbeat":
      case "snapshotChunk":
        this.becomeFollower(m.term, m.from); // a leader exists in our term
        this.#stepFollower(m);
        return;
      case "voteResponse":
      case "preVoteResponse": {
        const wanted = this.role === "preCandidate" ? "preVoteResponse" : "voteResponse";
        if (m.type !== wanted || this.votes.has(m.from)) return;
        this.votes.set(m.from, !m.reject);
        const outcome = voteOutcome(this.confState.voters, this.votes);
        if (outcome === "won") {
          if (this.role === "preCandidate") this.campaign("vote", false);
          else this.becomeLeader();
        } else if (outcome === "lost") {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return;
    }
  }

  #stepFollower(m: Message): void {
    switch (m.type) {
      case "append":
        this.electionElapsed = 0;
        this.lead = m.from;
        handleAppend(this, m);
        return;
      case "heartbeat":
        this.electionElapsed = 0;
        this.lead = m.from;
        handleHeartbeat(this, m);
        return;
      case "snapshotChunk":
        this.electionElapsed = 0;
        this.lead = m.from;
        handleSnapshotChunk(this, m);
        return;
      case "timeoutNow":
        this.campaign("vote", true); // thesis §3.10: skip pre-vote and the timeout
        return;
      case "readIndexResponse":
        this.readStates.push({ context: m.context, index: m.index });
        return;
      default:
        return;
    }
  }

  // ---- proposals and membership ----

  /** Leader only: appends entries of the current term and schedules their replication. */
  appendEntries(items: readonly { type: EntryType; data: Uint8Array }[]): Entry[] {
    let index = this.log.lastIndex();
    const ents: Entry[] = items.map((it) => ({
      term: this.term,
      index: ++index,
      type: it.type,
      data: it.data,
    }));
    this.log.append(ents);
    this.progress.get(this.id)?.maybeUpdate(this.log.lastIndex());
    for (const e of ents) this.uncommittedBytes += e.data.length;
    maybeCommit(this); // a single voter commits at once
    this.broadcastPending = true;
    return ents;
  }

  propose(type: EntryType, data: Uint8Array): ProposeResult {
    if (this.role !== "leader") return { ok: false, error: "notLeader", leader: this.lead };
    if (this.leadTransferee !== NONE) {
      return { ok: false, error: "transferInProgress", leader: this.lead };
    }
    const over = this.uncommittedBytes + data.length > this.cfg.maxUncommittedBytes;
    if (this.uncommittedBytes > 0 && over) {
      return { ok: false, error: "tooLarge", leader: this.lead };
    }
    const [e] = this.appendEntries([{ type, data }]);
    return { ok: true, index: (e as Entry).index, term: this.term };
  }

  /** Rebuilds membership and progress after a change, a snapshot, or at start. */
  applyConfState(cs: ConfState): void {
    this.confState = { voters: [...cs.voters], learners: [...cs.learners] };
    this.isVoter = cs.voters.includes(this.id);
    this.isLearner = cs.learners.includes(this.id);
    const members = new Set([...cs.voters, ...cs.learners]);
    for (const id of [...this.progress.keys()]) if (!members.has(id)) this.progress.delete(id);
    const next = this.log.lastIndex() + 1;
    for (const id of members) {
      const learner = cs.learners.includes(id);
      const pr = this.progress.get(id);
      if (pr) {
        pr.isLearner = learner;
        continue;
      }
      const fresh = new Progress(id, next, this.cfg.maxInflightMsgs, learner);
      fresh.recentActive = true; // give a new member an election timeout before check-quorum
      if (id === this.id) fresh.match = next - 1;
      this.progress.set(id, fresh);
    }
  }

  /** A committed conf change is handed out: it takes effect now. */
  applyConfChangeEntry(cc: ConfChange): void {
    const r = applyConfChange(this.confState, cc);
    if (!r.ok) return; // validated at proposal; a stale duplicate is a no-op
    this.applyConfState(r.confState);
    if (this.role !== "leader") return;
    if (!this.isVoter) {
      this.becomeFollower(this.term, NONE); // removed (or never a voter): stop leading
      return;
    }
    if (this.leadTransferee !== NONE && !this.isVoterId(this.leadTransferee)) {
      this.leadTransferee = NONE;
    }
    maybeCommit(this); // the quorum changed
    // Probe everyone at once: a new member learns of the leader without waiting for a heartbeat.
    this.broadcastPending = true;
  }

  isVoterId(id: NodeId): boolean {
    return this.confState.voters.includes(id);
  }

  committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** Called when a commit in the current term happened for the first time. */
  onFirstCommitOfTerm(): void {
    releasePendingReads(this);
  }
}
