/**
 * One consumer group's state machine (Kafka's classic protocol), free of I/O: every method takes
 * the request and the current time and returns an answer, or a ticket when the answer must wait
 * (JoinGroup until the rebalance completes, SyncGroup until the leader's assignment). Answers to
 * waiting tickets, and "persist the group now" requests, accumulate as {@link GroupEffect}s that
 * the shell ({@link GroupCoordinator}) drains after each call: it persists first, then replies.
 *
 * States: Empty → PreparingRebalance (a member joins) → CompletingRebalance (every known member
 * rejoined, or the rebalance deadline passed: generation + 1, the leader gets the member list) →
 * Stable (the leader's SyncGroup carried the assignment) → PreparingRebalance (a join with new
 * metadata, a leave, an expired session) … → Empty (last member gone) → Dead (deleted, or its
 * offsets expired). Time only enters through `nowMs` arguments and {@link tick}; the shell arms
 * one timer at {@link nextDeadlineMs}.
 *
 * @module
 */
import { ErrorCode } from "../kafka/protocol/errors.ts";
import type {
  CommitRequest,
  CommittedOffset,
  DescribedGroup,
  GroupLimits,
  GroupState,
  HeartbeatRequest,
  JoinRequest,
  JoinResponse,
  LeaveResult,
  LeavingMember,
  Protocol,
  SyncRequest,
  SyncResponse,
} from "./types.ts";

const EMPTY_BYTES = new Uint8Array(0);

/** Something the shell must do after a call: persist the group, or answer a waiting request. */
export type GroupEffect =
  | { readonly type: "persist" }
  | { readonly type: "join"; readonly ticket: number; readonly response: JoinResponse }
  | { readonly type: "sync"; readonly ticket: number; readonly response: SyncResponse };

/** An immediate answer, or a ticket to be answered through an effect. */
export type Outcome<T> =
  | { readonly kind: "reply"; readonly response: T }
  | { readonly kind: "wait"; readonly ticket: number };

export interface Member {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: readonly Protocol[];
  /** The assignment of the current generation; empty until the leader's SyncGroup. */
  assignment: Uint8Array;
  /** Set while a JoinGroup waits for the rebalance to complete. */
  joinTicket: number | undefined;
  /** Set while a SyncGroup waits for the leader's assignment. */
  syncTicket: number | undefined;
  /** Removed when no heartbeat arrives by then (not while awaiting join or sync). */
  sessionDeadlineMs: number;
}

/** What the group persists besides offsets (see `_records.ts`). */
export interface GroupSnapshot {
  readonly protocolType: string | null;
  readonly generationId: number;
  readonly protocolName: string | null;
  readonly leaderId: string | null;
  readonly stateTimestampMs: number;
  readonly members: readonly {
    readonly memberId: string;
    readonly groupInstanceId: string | null;
    readonly clientId: string;
    readonly clientHost: string;
    readonly sessionTimeoutMs: number;
    readonly rebalanceTimeoutMs: number;
    readonly subscription: Uint8Array;
    readonly assignment: Uint8Array;
  }[];
}

/** Allocates member ids; injected so scenario tests are deterministic. */
export type MemberIdFactory = (prefix: string) => string;

export class Group {
  #state: GroupState = "Empty";
  /** Incremented at every completed join; persisted. */
  #generationId = 0;
  #protocolType: string | null = null;
  /** Chosen at join completion; null while Empty. */
  #protocolName: string | null = null;
  /** A member id in #members, or null iff there are no members. */
  #leaderId: string | null = null;
  /** When the group last changed state (offset expiry of empty groups counts from it). */
  #stateTimestampMs: number;
  readonly #members = new Map<string, Member>();
  /** group.instance.id → member id of the static member currently holding it. */
  readonly #staticMembers = new Map<string, string>();
  /** Ids handed out with MEMBER_ID_REQUIRED, not yet rejoined → when they lapse. */
  readonly #pendingMembers = new Map<string, number>();
  /** Members that got a JoinGroup answer but have not sent SyncGroup yet. */
  readonly #pendingSync = new Set<string>();
  #joinDeadlineMs: number | undefined;
  /**
   * Set while the join phase of a new group waits for more members (Kafka's initial delay, run as
   * steps): the step under way and the time left after it. A step that ends with a member added
   * meanwhile buys another of min(delay, remaining), and the remaining time shrinks by the step
   * that ended; otherwise, or with nothing remaining, the join completes.
   */
  #initialDelay: { readonly stepMs: number; readonly remainingMs: number } | undefined;
  /**
   * A member was added during the initial delay (Kafka's `newMemberAdded`). As in Kafka, only a
   * step it buys clears it, so one set in the last step is still set at the next initial delay.
   */
  #newMemberAdded = false;
  #syncDeadlineMs: number | undefined;
  /** topic → partition → committed offset. */
  readonly #offsets = new Map<string, Map<number, CommittedOffset>>();
  /** "topic:partition" → commits written but not yet durable (expiry and topic deletion wait). */
  readonly #inflightCommits = new Map<string, number>();
  #effects: GroupEffect[] = [];
  #nextTicket = 1;

  constructor(
    readonly groupId: string,
    readonly limits: GroupLimits,
    readonly newMemberId: MemberIdFactory,
    nowMs: number,
  ) {
    this.#stateTimestampMs = nowMs;
  }

  get state(): GroupState {
    return this.#state;
  }
  get generationId(): number {
    return this.#generationId;
  }
  get protocolType(): string | null {
    return this.#protocolType;
  }
  get protocolName(): string | null {
    return this.#protocolName;
  }
  get leaderId(): string | null {
    return this.#leaderId;
  }
  get memberCount(): number {
    return this.#members.size;
  }
  get stateTimestampMs(): number {
    return this.#stateTimestampMs;
  }
  members(): IterableIterator<Member> {
    return this.#members.values();
  }
  /** Effects produced since the last call, in order; the shell must act on all of them. */
  takeEffects(): GroupEffect[] {
    const out = this.#effects;
    this.#effects = [];
    return out;
  }

  // ---- JoinGroup ----

  join(req: JoinRequest, nowMs: number): Outcome<JoinResponse> {
    const refused = this.#joinRefusal(req);
    if (refused !== undefined) return this.#joinError(req.memberId, refused);
    if (req.memberId === "") {
      if (req.groupInstanceId !== null) return this.#staticNewJoin(req, nowMs);
      if (this.#members.size + this.#pendingMembers.size >= this.limits.maxMembers) {
        return this.#joinError("", ErrorCode.GROUP_MAX_SIZE_REACHED);
      }
      const memberId = this.newMemberId(req.clientId);
      if (req.requireKnownMemberId) {
        // KIP-394: the member must come back with this id; only then does it count.
        this.#pendingMembers.set(memberId, nowMs + req.sessionTimeoutMs);
        return this.#joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED);
      }
      return this.#addMemberAndRebalance(memberId, req, nowMs);
    }
    return this.#currentMemberJoin(req, nowMs);
  }

  #joinRefusal(req: JoinRequest): number | undefined {
    if (req.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    if (!sessionTimeoutAllowed(this.limits, req.sessionTimeoutMs)) {
      return ErrorCode.INVALID_SESSION_TIMEOUT;
    }
    if (this.#state === "Dead") return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!this.#supportsProtocols(req.protocolType, req.protocols)) {
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    }
    return undefined;
  }

  #supportsProtocols(protocolType: string, protocols: readonly Protocol[]): boolean {
    if (protocolType === "" || protocols.length === 0) return false;
    if (this.#members.size === 0) return true;
    if (protocolType !== this.#protocolType) return false;
    const names = new Set(protocols.map((p) => p.name));
    return this.#candidateProtocols().some((c) => names.has(c));
  }

  /** Protocols every member supports, in the first member's order of preference. */
  #candidateProtocols(): string[] {
    let candidates: string[] | undefined;
    for (const m of this.#members.values()) {
      const names = m.protocols.map((p) => p.name);
      candidates = candidates === undefined ? names : candidates.filter((c) => names.includes(c));
    }
    return candidates ?? [];
  }

  #staticNewJoin(req: JoinRequest, nowMs: number): Outcome<JoinResponse> {
    const instanceId = req.groupInstanceId!;
    const oldId = this.#staticMembers.get(instanceId);
    if (oldId === undefined) {
      if (this.#members.size >= this.limits.maxMembers) {
        return this.#joinError("", ErrorCode.GROUP_MAX_SIZE_REACHED);
      }
      return this.#addMemberAndRebalance(this.newMemberId(instanceId), req, nowMs);
    }
    // KIP-345: a restarted static member takes over its old identity; the old id is fenced.
    const newId = this.newMemberId(instanceId);
    const member = this.#replaceStaticMember(oldId, newId, req, nowMs);
    switch (this.#state) {
      case "Stable":
        if (this.#selectProtocol() === this.#protocolName) {
          // Same protocol: no rebalance; the member keeps its assignment (KIP-345, KIP-814).
          this.#effects.push({ type: "persist" });
          return { kind: "reply", response: this.#currentGenerationAnswer(member, true) };
        }
        return this.#awaitJoin(member, () => this.#prepareRebalance(nowMs));
      case "CompletingRebalance":
        return this.#awaitJoin(member, () => this.#prepareRebalance(nowMs));
      default:
        return this.#awaitJoin(member, () => this.#maybeCompleteJoin(nowMs));
    }
  }

  #replaceStaticMember(oldId: string, newId: string, req: JoinRequest, nowMs: number): Member {
    const old = this.#members.get(oldId);
    if (old === undefined) throw new Error(`static member ${oldId} is registered but unknown`);
    this.#answerJoin(old, this.#errorJoinResponse(oldId, ErrorCode.FENCED_INSTANCE_ID));
    this.#answerSync(old, ErrorCode.FENCED_INSTANCE_ID, EMPTY_BYTES);
    this.#members.delete(oldId);
    const member: Member = {
      ...old,
      memberId: newId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocols: req.protocols,
      joinTicket: undefined,
      syncTicket: undefined,
      sessionDeadlineMs: nowMs + req.sessionTimeoutMs,
    };
    this.#members.set(newId, member);
    this.#staticMembers.set(req.groupInstanceId!, newId);
    if (this.#leaderId === oldId) this.#leaderId = newId;
    if (this.#pendingSync.delete(oldId)) this.#pendingSync.add(newId);
    return member;
  }

  #currentMemberJoin(req: JoinRequest, nowMs: number): Outcome<JoinResponse> {
    const memberId = req.memberId;
    if (this.#pendingMembers.has(memberId)) {
      this.#pendingMembers.delete(memberId);
      return this.#addMemberAndRebalance(memberId, req, nowMs);
    }
    const fenced = this.#memberError(memberId, req.groupInstanceId);
    if (fenced !== ErrorCode.NONE) return this.#joinError(memberId, fenced);
    const member = this.#members.get(memberId)!;
    switch (this.#state) {
      case "PreparingRebalance":
        this.#updateMember(member, req);
        return this.#awaitJoin(member, () => this.#maybeCompleteJoin(nowMs));
      case "CompletingRebalance":
      case "Stable": {
        const unchanged = sameProtocols(member.protocols, req.protocols);
        const leaderInStable = this.#state === "Stable" && memberId === this.#leaderId;
        if (unchanged && !leaderInStable) {
          // A follower (or anyone before Sync) repeating itself: the current generation stands.
          member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
          return { kind: "reply", response: this.#currentGenerationAnswer(member, false) };
        }
        this.#updateMember(member, req);
        return this.#awaitJoin(member, () => this.#prepareRebalance(nowMs));
      }
      default:
        return this.#joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  /** NONE if `memberId` is a member and `instanceId` (if any) belongs to it. */
  #memberError(memberId: string, instanceId: string | null): number {
    if (instanceId !== null) {
      const holder = this.#staticMembers.get(instanceId);
      if (holder === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (holder !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return this.#members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  #updateMember(member: Member, req: JoinRequest): void {
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
  }

  #addMemberAndRebalance(memberId: string, req: JoinRequest, nowMs: number): Outcome<JoinResponse> {
    if (this.#members.size === 0) this.#protocolType = req.protocolType;
    const member: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocols: req.protocols,
      assignment: EMPTY_BYTES,
      joinTicket: undefined,
      syncTicket: undefined,
      sessionDeadlineMs: nowMs + req.sessionTimeoutMs,
    };
    this.#members.set(memberId, member);
    if (req.groupInstanceId !== null) this.#staticMembers.set(req.groupInstanceId, memberId);
    if (this.#leaderId === null) this.#leaderId = memberId;
    return this.#awaitJoin(member, () => {
      if (this.#state === "PreparingRebalance" && this.#initialDelay !== undefined) {
        this.#newMemberAdded = true;
      }
      this.#prepareRebalance(nowMs);
    });
  }

  /** Parks the member's JoinGroup, then runs `next` (which may answer it at once). */
  #awaitJoin(member: Member, next: () => void): Outcome<JoinResponse> {
    if (member.joinTicket !== undefined) {
      // A retried JoinGroup replaces the earlier one, which is told to rejoin.
      this.#answerJoin(
        member,
        this.#errorJoinResponse(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS),
      );
    }
    const ticket = this.#nextTicket++;
    member.joinTicket = ticket;
    next();
    // `next` may have completed the join, answering this very ticket through an effect.
    const answered = this.#effects.findIndex((e) => e.type === "join" && e.ticket === ticket);
    if (answered >= 0) {
      const effect = this.#effects.splice(answered, 1)[0] as { response: JoinResponse };
      return { kind: "reply", response: effect.response };
    }
    return { kind: "wait", ticket };
  }

  #prepareRebalance(nowMs: number): void {
    if (this.#state === "PreparingRebalance") {
      this.#maybeCompleteJoin(nowMs);
      return;
    }
    if (this.#state === "CompletingRebalance") {
      // The generation being synced is void: waiting members rejoin.
      for (const m of this.#members.values()) {
        m.assignment = EMPTY_BYTES;
        this.#answerSync(m, ErrorCode.REBALANCE_IN_PROGRESS, EMPTY_BYTES);
      }
    }
    this.#pendingSync.clear();
    this.#syncDeadlineMs = undefined;
    const wasEmpty = this.#state === "Empty";
    this.#transition("PreparingRebalance", nowMs);
    const rebalanceTimeoutMs = this.#rebalanceTimeoutMs();
    const delayMs = this.limits.initialRebalanceDelayMs;
    if (wasEmpty && delayMs > 0) {
      // The first step is the whole delay, even beyond the rebalance timeout (Kafka's rule).
      this.#initialDelay = {
        stepMs: delayMs,
        remainingMs: Math.max(rebalanceTimeoutMs - delayMs, 0),
      };
      this.#joinDeadlineMs = nowMs + delayMs;
      return;
    }
    this.#initialDelay = undefined;
    this.#joinDeadlineMs = nowMs + rebalanceTimeoutMs;
    this.#maybeCompleteJoin(nowMs);
  }

  /** At the end of an initial-delay step: true if a member added meanwhile bought another. */
  #extendInitialDelay(nowMs: number): boolean {
    const delay = this.#initialDelay;
    if (delay === undefined || !this.#newMemberAdded || delay.remainingMs === 0) return false;
    this.#newMemberAdded = false;
    const stepMs = Math.min(this.limits.initialRebalanceDelayMs, delay.remainingMs);
    // Kafka subtracts the step that ended; all but the last step are the whole delay, so this is
    // the time left after the new step: the last ends by max(delay, rebalance timeout).
    this.#initialDelay = { stepMs, remainingMs: Math.max(delay.remainingMs - delay.stepMs, 0) };
    this.#joinDeadlineMs = nowMs + stepMs;
    return true;
  }

  #rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.#members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  #maybeCompleteJoin(nowMs: number): void {
    if (this.#state !== "PreparingRebalance" || this.#initialDelay !== undefined) return;
    if (this.#pendingMembers.size > 0) return;
    for (const m of this.#members.values()) if (m.joinTicket === undefined) return;
    this.#completeJoin(nowMs);
  }

  /**
   * End of the join phase: drop dynamic members that did not rejoin, start the next generation,
   * answer all. Static members that did not rejoin stay (Kafka keeps them, in the leader's list
   * too, until their session or the sync deadline ends), so a restarting static member does not
   * lose its place.
   */
  #completeJoin(nowMs: number): void {
    for (const m of [...this.#members.values()]) {
      if (m.joinTicket === undefined && m.groupInstanceId === null) this.#removeMember(m);
    }
    this.#initialDelay = undefined;
    if (this.#members.size > 0 && !this.#electJoinedLeader()) {
      // Nobody rejoined: Kafka waits another rebalance timeout; sessions remove the silent.
      this.#joinDeadlineMs = nowMs + this.#rebalanceTimeoutMs();
      return;
    }
    this.#joinDeadlineMs = undefined;
    this.#generationId++;
    if (this.#members.size === 0) {
      this.#protocolName = null;
      this.#transition("Empty", nowMs);
      this.#effects.push({ type: "persist" });
      return;
    }
    this.#protocolName = this.#selectProtocol();
    this.#transition("CompletingRebalance", nowMs);
    for (const m of this.#members.values()) {
      this.#pendingSync.add(m.memberId);
      m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
      this.#answerJoin(m, this.#currentGenerationAnswer(m, false));
    }
    this.#syncDeadlineMs = nowMs + this.#rebalanceTimeoutMs();
  }

  /** Keeps a leader that rejoined, else picks a member that did; false when none did. */
  #electJoinedLeader(): boolean {
    const leader = this.#leaderId === null ? undefined : this.#members.get(this.#leaderId);
    if (leader?.joinTicket !== undefined) return true;
    for (const m of this.#members.values()) {
      if (m.joinTicket !== undefined) {
        this.#leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** Each member votes for its most preferred candidate; most votes wins, ties by preference. */
  #selectProtocol(): string {
    const candidates = this.#candidateProtocols();
    if (candidates.length === 0) throw new Error(`group ${this.groupId}: no common protocol`);
    const votes = new Map<string, number>();
    for (const m of this.#members.values()) {
      const vote = m.protocols.find((p) => candidates.includes(p.name))!.name;
      votes.set(vote, (votes.get(vote) ?? 0) + 1);
    }
    let best = candidates[0]!;
    for (const c of candidates) if ((votes.get(c) ?? 0) > (votes.get(best) ?? 0)) best = c;
    return best;
  }

  #currentGenerationAnswer(member: Member, skipAssignment: boolean): JoinResponse {
    const isLeader = member.memberId === this.#leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.#generationId,
      protocolType: this.#protocolType,
      protocolName: this.#protocolName,
      leader: this.#leaderId ?? "",
      skipAssignment: isLeader && skipAssignment,
      memberId: member.memberId,
      members: isLeader
        ? [...this.#members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          metadata: m.protocols.find((p) => p.name === this.#protocolName)?.metadata ??
            EMPTY_BYTES,
        }))
        : [],
    };
  }

  #errorJoinResponse(memberId: string, errorCode: number): JoinResponse {
    return {
      errorCode,
      generationId: -1,
      protocolType: null,
      protocolName: null,
      leader: "",
      skipAssignment: false,
      memberId,
      members: [],
    };
  }

  #joinError(memberId: string, errorCode: number): Outcome<JoinResponse> {
    return { kind: "reply", response: this.#errorJoinResponse(memberId, errorCode) };
  }

  #answerJoin(member: Member, response: JoinResponse): void {
    if (member.joinTicket === undefined) return;
    this.#effects.push({ type: "join", ticket: member.joinTicket, response });
    member.joinTicket = undefined;
  }

  #answerSync(member: Member, errorCode: number, assignment: Uint8Array): void {
    if (member.syncTicket === undefined) return;
    const ok = errorCode === ErrorCode.NONE;
    this.#effects.push({
      type: "sync",
      ticket: member.syncTicket,
      response: {
        errorCode,
        protocolType: ok ? this.#protocolType : null,
        protocolName: ok ? this.#protocolName : null,
        assignment,
      },
    });
    member.syncTicket = undefined;
  }

  #transition(state: GroupState, nowMs: number): void {
    this.#state = state;
    this.#stateTimestampMs = nowMs;
  }

  // ---- SyncGroup ----

  sync(req: SyncRequest, nowMs: number): Outcome<SyncResponse> {
    const error = this.#syncRefusal(req);
    if (error !== ErrorCode.NONE) return syncError(error);
    const member = this.#members.get(req.memberId)!;
    member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
    this.#pendingSync.delete(member.memberId);
    if (this.#state === "Stable") {
      return { kind: "reply", response: this.#syncAnswer(member.assignment) };
    }
    // CompletingRebalance: wait for the leader's assignment (or deliver it, if this is the leader).
    if (member.syncTicket !== undefined) {
      this.#answerSync(member, ErrorCode.REBALANCE_IN_PROGRESS, EMPTY_BYTES);
    }
    const ticket = this.#nextTicket++;
    member.syncTicket = ticket;
    if (member.memberId === this.#leaderId) {
      const given = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
      for (const m of this.#members.values()) m.assignment = given.get(m.memberId) ?? EMPTY_BYTES;
      this.#transition("Stable", nowMs);
      this.#effects.push({ type: "persist" });
      for (const m of this.#members.values()) this.#answerSync(m, ErrorCode.NONE, m.assignment);
      if (this.#pendingSync.size === 0) this.#syncDeadlineMs = undefined;
      const own = this.#effects.findIndex((e) => e.type === "sync" && e.ticket === ticket);
      const effect = this.#effects.splice(own, 1)[0] as { response: SyncResponse };
      return { kind: "reply", response: effect.response };
    }
    return { kind: "wait", ticket };
  }

  #syncRefusal(req: SyncRequest): number {
    if (req.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    if (this.#state === "Dead") return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.#memberError(req.memberId, req.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (req.generationId !== this.#generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (
      (req.protocolType !== null && req.protocolType !== this.#protocolType) ||
      (req.protocolName !== null && req.protocolName !== this.#protocolName)
    ) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    if (this.#state === "Empty") return ErrorCode.UNKNOWN_MEMBER_ID;
    if (this.#state === "PreparingRebalance") return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  #syncAnswer(assignment: Uint8Array): SyncResponse {
    return {
      errorCode: ErrorCode.NONE,
      protocolType: this.#protocolType,
      protocolName: this.#protocolName,
      assignment,
    };
  }

  // ---- Heartbeat, LeaveGroup ----

  heartbeat(req: HeartbeatRequest, nowMs: number): number {
    if (req.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    if (this.#state === "Dead") return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.#memberError(req.memberId, req.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (req.generationId !== this.#generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = this.#members.get(req.memberId)!;
    switch (this.#state) {
      case "Empty":
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case "PreparingRebalance":
        member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
        return ErrorCode.NONE;
    }
  }

  /** LeaveGroup for each listed member (v3+ batches them; v0-2 is a batch of one). */
  leave(leaving: readonly LeavingMember[], nowMs: number): LeaveResult[] {
    const results = leaving.map((l): LeaveResult => {
      const errorCode = this.#leaveOne(l);
      return { memberId: l.memberId, groupInstanceId: l.groupInstanceId, errorCode };
    });
    if (results.some((r) => r.errorCode === ErrorCode.NONE)) this.#afterDeparture(nowMs);
    return results;
  }

  #leaveOne(l: LeavingMember): number {
    if (this.#state === "Dead") return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    let memberId = l.memberId;
    if (l.groupInstanceId !== null) {
      const holder = this.#staticMembers.get(l.groupInstanceId);
      if (holder === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== "" && holder !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
      memberId = holder;
    }
    if (this.#pendingMembers.delete(memberId)) return ErrorCode.NONE;
    const member = this.#members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.#removeMember(member);
    return ErrorCode.NONE;
  }

  #removeMember(member: Member): void {
    this.#answerJoin(member, this.#errorJoinResponse(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    this.#answerSync(member, ErrorCode.UNKNOWN_MEMBER_ID, EMPTY_BYTES);
    this.#members.delete(member.memberId);
    this.#pendingSync.delete(member.memberId);
    if (member.groupInstanceId !== null) this.#staticMembers.delete(member.groupInstanceId);
    if (this.#leaderId === member.memberId) {
      this.#leaderId = this.#members.keys().next().value ?? null;
    }
  }

  /** After members left or expired: the rest must rebalance (or the join may now complete). */
  #afterDeparture(nowMs: number): void {
    if (this.#state === "Stable" || this.#state === "CompletingRebalance") {
      this.#prepareRebalance(nowMs);
    } else if (this.#state === "PreparingRebalance") {
      this.#maybeCompleteJoin(nowMs);
    }
  }

  // ---- Deadlines ----

  /** The earliest time {@link tick} has work to do, if any. */
  nextDeadlineMs(): number | undefined {
    let next = this.#joinDeadlineMs ?? Infinity;
    if (this.#syncDeadlineMs !== undefined) next = Math.min(next, this.#syncDeadlineMs);
    for (const at of this.#pendingMembers.values()) next = Math.min(next, at);
    for (const m of this.#members.values()) {
      if (m.joinTicket === undefined && m.syncTicket === undefined) {
        next = Math.min(next, m.sessionDeadlineMs);
      }
    }
    return next === Infinity ? undefined : next;
  }

  /** Fires every deadline at or before `nowMs`: join phase end, sync timeout, expired sessions. */
  tick(nowMs: number): void {
    for (const [id, at] of this.#pendingMembers) if (at <= nowMs) this.#pendingMembers.delete(id);
    let departed = false;
    for (const m of [...this.#members.values()]) {
      const waiting = m.joinTicket !== undefined || m.syncTicket !== undefined;
      if (!waiting && m.sessionDeadlineMs <= nowMs) {
        this.#removeMember(m);
        departed = true;
      }
    }
    if (this.#syncDeadlineMs !== undefined && this.#syncDeadlineMs <= nowMs) {
      this.#syncDeadlineMs = undefined;
      // Members that never sent SyncGroup are gone (Kafka's pending-sync timeout).
      for (const id of [...this.#pendingSync]) {
        const m = this.#members.get(id);
        if (m !== undefined) this.#removeMember(m);
        departed = true;
      }
      this.#pendingSync.clear();
    }
    const joinDue = this.#joinDeadlineMs !== undefined && this.#joinDeadlineMs <= nowMs;
    if (joinDue && !this.#extendInitialDelay(nowMs)) {
      this.#completeJoin(nowMs);
      return;
    }
    if (departed) this.#afterDeparture(nowMs);
    else this.#maybeCompleteJoin(nowMs);
  }

  // ---- Offsets ----

  /**
   * NONE when `req` may commit now (Kafka's validateOffsetCommit), else the error. As in Kafka,
   * an accepted commit counts as the member's heartbeat while Stable or PreparingRebalance.
   */
  acceptCommit(req: CommitRequest, nowMs: number): number {
    const errorCode = this.#commitError(req);
    const member = this.#members.get(req.memberId);
    if (
      errorCode === ErrorCode.NONE && member !== undefined &&
      (this.#state === "Stable" || this.#state === "PreparingRebalance")
    ) member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
    return errorCode;
  }

  #commitError(req: CommitRequest): number {
    if (this.#state === "Dead") return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.generationId < 0 && this.#state === "Empty") return ErrorCode.NONE;
    if (req.generationId >= 0 || req.memberId !== "" || req.groupInstanceId !== null) {
      const memberError = this.#memberError(req.memberId, req.groupInstanceId);
      if (memberError !== ErrorCode.NONE) return memberError;
      if (req.generationId !== this.#generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (this.#state !== "Empty") {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (this.#state === "CompletingRebalance") return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** Marks commits in flight (written, not yet durable). */
  beginCommit(keys: readonly { topic: string; partition: number }[]): void {
    for (const k of keys) {
      const key = `${k.topic}:${k.partition}`;
      this.#inflightCommits.set(key, (this.#inflightCommits.get(key) ?? 0) + 1);
    }
  }

  endCommit(keys: readonly { topic: string; partition: number }[]): void {
    for (const k of keys) {
      const key = `${k.topic}:${k.partition}`;
      const n = (this.#inflightCommits.get(key) ?? 0) - 1;
      if (n <= 0) this.#inflightCommits.delete(key);
      else this.#inflightCommits.set(key, n);
    }
  }

  get hasInflightCommits(): boolean {
    return this.#inflightCommits.size > 0;
  }

  /** Nothing has used the group since it was created: no member, pending id, offset or commit. */
  get untouched(): boolean {
    return this.#state === "Empty" && this.#generationId === 0 && this.#protocolType === null &&
      this.#members.size === 0 && this.#pendingMembers.size === 0 && this.#offsets.size === 0 &&
      this.#inflightCommits.size === 0;
  }

  /** Partitions of `topic` with a committed offset or a commit in flight. */
  offsetPartitions(topic: string): number[] {
    const out = new Set(this.#offsets.get(topic)?.keys());
    for (const key of this.#inflightCommits.keys()) {
      const at = key.lastIndexOf(":");
      if (key.slice(0, at) === topic) out.add(Number(key.slice(at + 1)));
    }
    return [...out];
  }

  /** Applies a durable commit (or, with `null`, a durable deletion). */
  setOffset(topic: string, partition: number, value: CommittedOffset | null): void {
    let byPartition = this.#offsets.get(topic);
    if (value === null) {
      byPartition?.delete(partition);
      if (byPartition?.size === 0) this.#offsets.delete(topic);
      return;
    }
    if (byPartition === undefined) this.#offsets.set(topic, byPartition = new Map());
    byPartition.set(partition, value);
  }

  offset(topic: string, partition: number): CommittedOffset | undefined {
    return this.#offsets.get(topic)?.get(partition);
  }

  /** Every committed offset, by topic then partition. */
  offsets(): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> {
    return this.#offsets;
  }

  get offsetCount(): number {
    let n = 0;
    for (const m of this.#offsets.values()) n += m.size;
    return n;
  }

  /**
   * Offsets due to expire `retentionMs` after their base, by Kafka's rules: in a group that never
   * used group management (no protocol type), after the commit; in an Empty group, after the later
   * of the commit and the group becoming empty (KIP-211); in a Stable consumer group, offsets of
   * topics no member subscribes to, after the commit (KIP-496). None otherwise, or while a
   * member's subscription cannot be read. An offset with its own expire time (OffsetCommit v2-v4
   * `retentionTimeMs`) is due at that time instead of after a base, under the same group rules
   * (Kafka's `OffsetExpirationConditionImpl.isOffsetExpired`).
   */
  expiredOffsets(
    nowMs: number,
    retentionMs: number,
    subscribedTopics: (metadata: Uint8Array) => string[] | null,
  ): { topic: string; partition: number }[] {
    let base = (o: CommittedOffset) => o.commitTimestampMs;
    let expires = (_topic: string) => true;
    if (this.#protocolType !== null && this.#state === "Empty") {
      base = (o) => Math.max(o.commitTimestampMs, this.#stateTimestampMs);
    } else if (this.#protocolType === "consumer" && this.#state === "Stable") {
      const subscribed = this.#subscriptions(subscribedTopics);
      if (subscribed === null) return [];
      expires = (topic) => !subscribed.has(topic);
    } else if (this.#protocolType !== null) return [];
    const out: { topic: string; partition: number }[] = [];
    for (const [topic, byPartition] of this.#offsets) {
      if (!expires(topic)) continue;
      for (const [partition, o] of byPartition) {
        const due = o.expireTimestampMs !== null
          ? nowMs >= o.expireTimestampMs
          : nowMs - base(o) >= retentionMs;
        if (due) out.push({ topic, partition });
      }
    }
    return out;
  }

  /** Every topic the members subscribe to under the chosen protocol; null if one is unreadable. */
  #subscriptions(subscribedTopics: (metadata: Uint8Array) => string[] | null): Set<string> | null {
    const all = new Set<string>();
    for (const m of this.#members.values()) {
      const metadata = m.protocols.find((p) => p.name === this.#protocolName)?.metadata;
      const topics = metadata === undefined ? null : subscribedTopics(metadata);
      if (topics === null) return null;
      for (const t of topics) all.add(t);
    }
    return all;
  }

  /**
   * OffsetDelete's rule: a group with members may not lose offsets of a topic it consumes.
   * Unknown subscriptions (a protocol other than "consumer") count as subscribed.
   */
  isSubscribedTo(topic: string, subscribedTopics: (metadata: Uint8Array) => string[] | null) {
    if (this.#state === "Empty" || this.#state === "Dead") return false;
    if (this.#protocolType !== "consumer") return true;
    const subscribed = this.#subscriptions(subscribedTopics);
    return subscribed === null || subscribed.has(topic);
  }

  /** Dead: deleted or expired; every later request treats the group as gone. */
  markDead(nowMs: number): void {
    if (this.#members.size > 0) throw new Error(`group ${this.groupId} has members; cannot die`);
    this.#transition("Dead", nowMs);
  }

  // ---- Describe, persistence ----

  describe(): DescribedGroup {
    const stable = this.#state === "Stable";
    return {
      groupId: this.groupId,
      state: this.#state,
      protocolType: this.#protocolType ?? "",
      protocolData: stable ? this.#protocolName ?? "" : "",
      members: [...this.#members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable
          ? m.protocols.find((p) => p.name === this.#protocolName)?.metadata ?? EMPTY_BYTES
          : EMPTY_BYTES,
        // Kafka answers a member's current assignment in every state (tools show it mid-rebalance);
        // only the subscription metadata is withheld outside Stable.
        assignment: m.assignment,
      })),
    };
  }

  snapshot(): GroupSnapshot {
    return {
      protocolType: this.#protocolType,
      generationId: this.#generationId,
      protocolName: this.#protocolName,
      leaderId: this.#leaderId,
      stateTimestampMs: this.#stateTimestampMs,
      members: [...this.#members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        subscription: m.protocols.find((p) => p.name === this.#protocolName)?.metadata ??
          EMPTY_BYTES,
        assignment: m.assignment,
      })),
    };
  }

  /**
   * Loads persisted metadata (coordinator start or failover). Members come back Stable with
   * fresh session deadlines: they keep heartbeating as if nothing happened.
   */
  restore(s: GroupSnapshot, nowMs: number): void {
    this.#members.clear();
    this.#staticMembers.clear();
    this.#protocolType = s.protocolType;
    this.#generationId = s.generationId;
    this.#protocolName = s.protocolName;
    this.#stateTimestampMs = s.stateTimestampMs;
    for (const m of s.members) {
      this.#members.set(m.memberId, {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        protocols: [{ name: s.protocolName ?? "", metadata: m.subscription }],
        assignment: m.assignment,
        joinTicket: undefined,
        syncTicket: undefined,
        sessionDeadlineMs: nowMs + m.sessionTimeoutMs,
      });
      if (m.groupInstanceId !== null) this.#staticMembers.set(m.groupInstanceId, m.memberId);
    }
    const hasMembers = this.#members.size > 0;
    this.#leaderId = hasMembers ? s.leaderId ?? s.members[0]!.memberId : null;
    this.#state = hasMembers ? "Stable" : "Empty";
  }
}

/** group.min/max.session.timeout.ms bound the session a JoinGroup may ask for. */
export function sessionTimeoutAllowed(limits: GroupLimits, sessionTimeoutMs: number): boolean {
  return sessionTimeoutMs >= limits.minSessionTimeoutMs &&
    sessionTimeoutMs <= limits.maxSessionTimeoutMs;
}

function syncError(errorCode: number): Outcome<SyncResponse> {
  return {
    kind: "reply",
    response: { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES },
  };
}

function sameProtocols(a: readonly Protocol[], b: readonly Protocol[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => p.name === b[i]!.name && bytesEqual(p.metadata, b[i]!.metadata));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
