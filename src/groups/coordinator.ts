/**
 * The group coordinator's I/O shell around the pure {@link Group} state machine: finds the
 * `__consumer_offsets` partition of a group, loads it, runs group calls, persists what they ask
 * to persist before answering, parks JoinGroup/SyncGroup answers until their effects arrive, and
 * arms one timer per group (session expiry, rebalance and sync deadlines) on the injected clock.
 *
 * A group's coordinator is the leader of partition `javaHash(groupId) mod N` of
 * `__consumer_offsets` (Kafka's rule, so tools that compute it agree). The topic is created on
 * first use through the metadata log; N is `offsets.topic.num.partitions`.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { MetaStore } from "../cluster/meta/store.ts";
import type { Partition, PartitionRegistry } from "../cluster/partition.ts";
import { TopicAdmin } from "../cluster/topic_admin.ts";
import { ErrorCode } from "../kafka/protocol/errors.ts";
import {
  OffsetsPartitionState,
  type PartitionStateOptions,
  WriteQueueFullError,
} from "./_offsets_partition.ts";
import type { OffsetsRecord } from "./_records.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import {
  type Group,
  type GroupEffect,
  type MemberIdFactory,
  type Outcome,
  sessionTimeoutAllowed,
} from "./group.ts";
import { subscribedTopics } from "./consumer_protocol.ts";
import {
  type CommitRequest,
  type CommittedOffset,
  DEFAULT_GROUP_LIMITS,
  type DescribedGroup,
  type GroupLimits,
  type GroupState,
  type HeartbeatRequest,
  type JoinRequest,
  type JoinResponse,
  type LeaveResult,
  type LeavingMember,
  type SyncRequest,
  type SyncResponse,
} from "./types.ts";

const log = getLogger(["chronik", "groups"]);

/** Name of the internal topic holding committed offsets and group metadata. */
export const OFFSETS_TOPIC = "__consumer_offsets";

/** Java's `String.hashCode` (UTF-16 code units), so the group → partition map matches Kafka's. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's `Utils.abs(groupId.hashCode) % partitions`. */
export function offsetsPartitionFor(groupId: string, partitions: number): number {
  return (javaStringHash(groupId) & 0x7fffffff) % partitions;
}

export interface CoordinatorOptions {
  readonly nodeId: number;
  readonly clock: Clock;
  /** offsets.topic.num.partitions: used when the topic is created. */
  readonly offsetsTopicPartitions: number;
  /** Replication factor of the offsets topic, capped to the brokers present at creation. */
  readonly offsetsTopicReplicationFactor: number;
  /** offsets.retention.minutes, in ms. */
  readonly offsetsRetentionMs: number;
  /** How often offsets of empty groups are checked for expiry; 0 = only on request (tests). */
  readonly retentionCheckIntervalMs: number;
  readonly limits: GroupLimits;
  /** Bound on groups this coordinator holds across its partitions. */
  readonly maxGroups: number;
  readonly checkpointEveryRecords: number;
  readonly maxQueuedWritesPerPartition: number;
  readonly newMemberId: MemberIdFactory;
}

export const DEFAULT_COORDINATOR_OPTIONS: Omit<CoordinatorOptions, "nodeId" | "clock"> = {
  offsetsTopicPartitions: 10,
  offsetsTopicReplicationFactor: 3,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
  retentionCheckIntervalMs: 600_000,
  limits: DEFAULT_GROUP_LIMITS,
  maxGroups: 100_000,
  checkpointEveryRecords: 20_000,
  maxQueuedWritesPerPartition: 10_000,
  newMemberId: (prefix) => `${prefix}-${crypto.randomUUID()}`,
};

/** Where a group's coordinator lives, as FindCoordinator reports it. */
export interface CoordinatorLocation {
  readonly errorCode: number;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export interface PartitionOffset {
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly errorCode: number;
}

export interface FetchedOffsets {
  readonly errorCode: number;
  readonly topics: readonly { name: string; partitions: readonly PartitionOffset[] }[];
}

export interface TopicPartitionError {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

type Waiter = (response: JoinResponse | SyncResponse) => void;

interface Slot {
  readonly waiters: Map<number, Waiter>;
  timer: TimerHandle | undefined;
}

type Located =
  | { readonly ok: true; readonly state: OffsetsPartitionState }
  | { readonly ok: false; readonly errorCode: number };

const LOAD_CHUNK_BYTES = 1 << 20;

/**
 * The offset expiry pass pauses (a macrotask) after looking at about this many groups and offsets.
 */
export const OFFSET_EXPIRY_SLICE = 1_000;

export class GroupCoordinator {
  readonly #options: CoordinatorOptions;
  readonly #states = new Map<number, { partition: Partition; loaded: Promise<Located> }>();
  readonly #slots = new WeakMap<Group, Slot>();
  /** Offset writes of each group not yet applied (awaited by `requireStable` fetches). */
  readonly #offsetWrites = new WeakMap<Group, Set<Promise<boolean>>>();
  #creating: Promise<void> | undefined;
  #sweepTimer: TimerHandle | undefined;
  #closed = false;

  constructor(
    readonly meta: MetaStore,
    readonly partitions: PartitionRegistry,
    options: Partial<CoordinatorOptions> & Pick<CoordinatorOptions, "nodeId" | "clock">,
  ) {
    this.#options = { ...DEFAULT_COORDINATOR_OPTIONS, ...options };
    meta.onApply((cmd, result) => {
      if (cmd.type === "deleteTopic" && result.ok) this.#onTopicDeleted(cmd.name);
    });
    this.#armSweep();
  }

  get options(): CoordinatorOptions {
    return this.#options;
  }

  #now(): number {
    return this.#options.clock.nowMs();
  }

  // ---- Locating and loading ----

  /** Partition count of the offsets topic: the topic's own once it exists. */
  #partitionCount(): number {
    return this.meta.tables.topic(OFFSETS_TOPIC)?.partitions.length ??
      this.#options.offsetsTopicPartitions;
  }

  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.#partitionCount());
  }

  /** Creates `__consumer_offsets` if missing (once, however many callers race). */
  async ensureOffsetsTopic(): Promise<void> {
    if (this.meta.tables.topic(OFFSETS_TOPIC) !== undefined) return;
    this.#creating ??= this.#createTopic().finally(() => this.#creating = undefined);
    await this.#creating;
  }

  async #createTopic(): Promise<void> {
    const brokers = [...this.meta.tables.brokers()].length;
    const factor = Math.max(1, Math.min(this.#options.offsetsTopicReplicationFactor, brokers));
    const admin = new TopicAdmin(this.meta, { numPartitions: 1, replicationFactor: 1 });
    const created = await admin.createTopic({
      name: OFFSETS_TOPIC,
      numPartitions: this.#options.offsetsTopicPartitions,
      replicationFactor: factor,
      assignments: [],
      configs: [
        // Never expire by time or size: only checkpoints move the log start.
        { name: "retention.ms", value: "-1" },
        { name: "retention.bytes", value: "-1" },
        // Small segments, so a checkpoint's deleteRecordsBefore frees disk soon.
        { name: "segment.bytes", value: String(16 * 1024 * 1024) },
        { name: "max.message.bytes", value: String(8 * 1024 * 1024) },
      ],
    }, false);
    if (
      created.errorCode !== ErrorCode.NONE && created.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS
    ) {
      log.error("cannot create {topic}: {message}", {
        topic: OFFSETS_TOPIC,
        message: created.errorMessage,
      });
    }
    await this.partitions.settled();
  }

  /** Where FindCoordinator should send a group's requests. */
  async locate(groupId: string): Promise<CoordinatorLocation> {
    const none = { nodeId: -1, host: "", port: -1 };
    if (this.#closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, ...none };
    await this.ensureOffsetsTopic();
    const leadership = this.partitions.leadership(OFFSETS_TOPIC, this.partitionFor(groupId));
    const broker = leadership === undefined
      ? undefined
      : this.meta.tables.broker(leadership.leaderId);
    if (broker === undefined) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, ...none };
    return {
      errorCode: ErrorCode.NONE,
      nodeId: broker.nodeId,
      host: broker.host,
      port: broker.port,
    };
  }

  async #locate(groupId: string): Promise<Located> {
    if (this.#closed) return { ok: false, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    await this.ensureOffsetsTopic();
    return await this.#loadPartition(this.partitionFor(groupId));
  }

  #loadPartition(index: number): Promise<Located> {
    const partition = this.partitions.get(OFFSETS_TOPIC, index);
    if (partition === undefined) {
      this.#forget(index);
      const leads = this.partitions.leadership(OFFSETS_TOPIC, index) !== undefined;
      const errorCode = leads ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE;
      return Promise.resolve({ ok: false, errorCode });
    }
    const cached = this.#states.get(index);
    if (cached !== undefined && cached.partition === partition) return cached.loaded;
    this.#forget(index);
    const state = new OffsetsPartitionState(partition, this.#stateOptions(), () => this.#now());
    const stale = (topic: string, o: CommittedOffset) =>
      isStale(o, this.meta.tables.topic(topic)?.topicId);
    const loaded = state.load(stale).then(
      async ({ records, groups, staleTopics }): Promise<Located> => {
        log.info("loaded {topic}-{index}: {records} records, {groups} groups", {
          topic: OFFSETS_TOPIC,
          index,
          records,
          groups,
        });
        if (!this.#closed) this.#loaded.add(state);
        for (const g of state.groups.values()) this.#arm(state, g);
        await this.#purgeStaleTopics(state, staleTopics);
        return { ok: true, state };
      },
      (e): Located => {
        log.error("cannot load {topic}-{index}: {error}", {
          topic: OFFSETS_TOPIC,
          index,
          error: e instanceof Error ? e.message : String(e),
        });
        this.#states.delete(index);
        return { ok: false, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
      },
    );
    this.#states.set(index, { partition, loaded });
    return loaded;
  }

  #stateOptions(): PartitionStateOptions {
    return {
      limits: this.#options.limits,
      newMemberId: this.#options.newMemberId,
      checkpointEveryRecords: this.#options.checkpointEveryRecords,
      maxQueuedWrites: this.#options.maxQueuedWritesPerPartition,
      maxRecordsPerBatch: 1_000,
      maxBatchBytes: 4 * 1024 * 1024,
      loadChunkBytes: LOAD_CHUNK_BYTES,
    };
  }

  /** Drops a partition this node no longer leads: waiting members are told to look again. */
  #forget(index: number): void {
    const cached = this.#states.get(index);
    if (cached === undefined) return;
    this.#states.delete(index);
    void cached.loaded.then((located) => {
      if (!located.ok) return;
      this.#loaded.delete(located.state);
      for (const g of located.state.groups.values()) this.#release(g, ErrorCode.NOT_COORDINATOR);
      void located.state.close();
    });
  }

  /** Loads every partition of the offsets topic led here (start-up, ListGroups). */
  async loadAll(): Promise<OffsetsPartitionState[]> {
    if (this.meta.tables.topic(OFFSETS_TOPIC) === undefined) return [];
    const out: OffsetsPartitionState[] = [];
    for (let i = 0; i < this.#partitionCount(); i++) {
      const located = await this.#loadPartition(i);
      if (located.ok) out.push(located.state);
    }
    return out;
  }

  #groupTotal(): number {
    let total = 0;
    for (const s of this.#loaded) total += s.groups.size;
    return total;
  }

  /** Partition states loaded and led here; kept in step with #states. */
  readonly #loaded = new Set<OffsetsPartitionState>();

  #getOrCreateGroup(state: OffsetsPartitionState, groupId: string): Group | undefined {
    const existing = state.groups.get(groupId);
    if (existing !== undefined) return existing;
    if (this.#groupTotal() >= this.#options.maxGroups) {
      log.warning("refusing group {group}: {max} groups held", {
        group: groupId,
        max: this.#options.maxGroups,
      });
      return undefined;
    }
    return state.newGroup(groupId);
  }

  // ---- Effects, timers ----

  #slot(group: Group): Slot {
    let slot = this.#slots.get(group);
    if (slot === undefined) this.#slots.set(group, slot = { waiters: new Map(), timer: undefined });
    return slot;
  }

  #wait<T extends JoinResponse | SyncResponse>(group: Group, ticket: number): Promise<T> {
    return new Promise<T>((resolve) => this.#slot(group).waiters.set(ticket, resolve as Waiter));
  }

  /**
   * Acts on a group's effects: persists first (when asked), then answers waiting requests.
   * Returns false when a requested persist failed.
   */
  async #flush(state: OffsetsPartitionState, group: Group): Promise<boolean> {
    const effects = group.takeEffects();
    this.#arm(state, group);
    if (effects.length === 0) return true;
    let persisted = true;
    if (effects.some((e) => e.type === "persist")) {
      persisted = await this.#persistGroup(state, group);
    }
    const slot = this.#slot(group);
    for (const e of effects) {
      if (e.type === "persist") continue;
      const waiter = slot.waiters.get(e.ticket);
      slot.waiters.delete(e.ticket);
      waiter?.(persisted ? e.response : failedEffect(e));
    }
    return persisted;
  }

  async #persistGroup(state: OffsetsPartitionState, group: Group): Promise<boolean> {
    try {
      return await state.write((): OffsetsRecord[] => [{
        kind: "group",
        groupId: group.groupId,
        value: group.state === "Dead" ? null : group.snapshot(),
      }]);
    } catch (e) {
      if (e instanceof WriteQueueFullError) return false;
      throw e;
    }
  }

  /** (Re)arms the group's one timer at its next deadline. */
  #arm(state: OffsetsPartitionState, group: Group): void {
    const slot = this.#slot(group);
    slot.timer?.cancel();
    slot.timer = undefined;
    const deadline = group.nextDeadlineMs();
    if (deadline === undefined || this.#closed) return;
    slot.timer = this.#options.clock.setTimer(deadline - this.#now(), () => {
      slot.timer = undefined;
      if (this.#closed || state.groups.get(group.groupId) !== group) return;
      group.tick(this.#now());
      void this.#flush(state, group);
    });
  }

  /** Answers every waiting request of `group` with `errorCode` and stops its timer. */
  #release(group: Group, errorCode: number): void {
    const slot = this.#slot(group);
    slot.timer?.cancel();
    slot.timer = undefined;
    for (const waiter of slot.waiters.values()) {
      // Both answer shapes in one object: each waiter reads the fields of its own kind.
      waiter({ ...joinError("", errorCode), ...syncError(errorCode) });
    }
    slot.waiters.clear();
  }

  #armSweep(): void {
    const interval = this.#options.retentionCheckIntervalMs;
    if (interval <= 0 || this.#closed) return;
    this.#sweepTimer = this.#options.clock.setTimer(interval, () => {
      void this.expireOffsets().finally(() => this.#armSweep());
    });
  }

  // ---- Membership APIs ----

  async join(req: JoinRequest): Promise<JoinResponse> {
    if (req.groupId === "") return joinError(req.memberId, ErrorCode.INVALID_GROUP_ID);
    // Kafka checks this before reaching the group, so a refused join creates none.
    if (!sessionTimeoutAllowed(this.#options.limits, req.sessionTimeoutMs)) {
      return joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const located = await this.#locate(req.groupId);
    if (!located.ok) return joinError(req.memberId, located.errorCode);
    const state = located.state;
    let group = state.groups.get(req.groupId);
    if (group === undefined) {
      if (req.memberId !== "") return joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
      group = this.#getOrCreateGroup(state, req.groupId);
      if (group === undefined) return joinError("", ErrorCode.GROUP_MAX_SIZE_REACHED);
    }
    const outcome = group.join(req, this.#now());
    const waiting = outcome.kind === "wait"
      ? this.#wait<JoinResponse>(group, outcome.ticket)
      : null;
    await this.#flush(state, group);
    return outcome.kind === "reply" ? outcome.response : await waiting!;
  }

  async sync(req: SyncRequest): Promise<SyncResponse> {
    if (req.groupId === "") return syncError(ErrorCode.INVALID_GROUP_ID);
    const found = await this.#group(req.groupId);
    if (!found.ok) return syncError(found.errorCode);
    const { state, group } = found;
    const outcome: Outcome<SyncResponse> = group.sync(req, this.#now());
    const waiting = outcome.kind === "wait"
      ? this.#wait<SyncResponse>(group, outcome.ticket)
      : null;
    const persisted = await this.#flush(state, group);
    if (outcome.kind === "wait") return await waiting!;
    if (!persisted && outcome.response.errorCode === ErrorCode.NONE) {
      return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    return outcome.response;
  }

  async heartbeat(req: HeartbeatRequest): Promise<number> {
    if (req.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const found = await this.#group(req.groupId);
    if (!found.ok) return found.errorCode;
    const errorCode = found.group.heartbeat(req, this.#now());
    await this.#flush(found.state, found.group);
    return errorCode;
  }

  async leave(
    groupId: string,
    members: readonly LeavingMember[],
  ): Promise<{ errorCode: number; members: LeaveResult[] }> {
    if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const found = await this.#group(groupId);
    if (!found.ok && found.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
      // No such group: Kafka answers each member UNKNOWN_MEMBER_ID under a top-level NONE.
      const unknown = members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
      return { errorCode: ErrorCode.NONE, members: unknown };
    }
    if (!found.ok) return { errorCode: found.errorCode, members: [] };
    const results = found.group.leave(members, this.#now());
    await this.#flush(found.state, found.group);
    return { errorCode: ErrorCode.NONE, members: results };
  }

  /** The live group, or UNKNOWN_MEMBER_ID when there is none (Kafka's answer to members). */
  async #group(
    groupId: string,
  ): Promise<
    | { ok: true; state: OffsetsPartitionState; group: Group }
    | { ok: false; errorCode: number }
  > {
    const located = await this.#locate(groupId);
    if (!located.ok) return located;
    const group = located.state.groups.get(groupId);
    if (group === undefined) return { ok: false, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    return { ok: true, state: located.state, group };
  }

  // ---- Offsets ----

  /**
   * OffsetCommit, durable before it resolves. As Kafka: unknown topics and partitions are
   * answered first, and a request left with none never reaches the group (so cannot create one);
   * the rest is validated against the group, then each partition's metadata size.
   */
  async commit(req: CommitRequest): Promise<TopicPartitionError[]> {
    const topicIds = new Map<string, string>();
    const known = req.partitions.map((p) => {
      if (this.meta.tables.partition(p.topic, p.partition) === undefined) return false;
      topicIds.set(p.topic, this.meta.tables.topic(p.topic)!.topicId);
      return true;
    });
    const valid = req.partitions.filter((_, i) => known[i]);
    const results = valid.length === 0
      ? []
      : await this.#commitKnown({ ...req, partitions: valid }, topicIds);
    let next = 0;
    return req.partitions.map((p, i) =>
      known[i] ? results[next++]! : {
        topic: p.topic,
        partition: p.partition,
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      }
    );
  }

  /** A commit of partitions that existed (as `topicIds`) when the request arrived. */
  async #commitKnown(
    req: CommitRequest,
    topicIds: ReadonlyMap<string, string>,
  ): Promise<TopicPartitionError[]> {
    const all = (errorCode: number) =>
      req.partitions.map((p) => ({ topic: p.topic, partition: p.partition, errorCode }));
    const located = await this.#locate(req.groupId);
    if (!located.ok) return all(located.errorCode);
    const state = located.state;
    let group = state.groups.get(req.groupId);
    const created = group === undefined;
    if (group === undefined) {
      // Only a client outside group management (generation -1) may start a group by committing.
      // Kafka: GROUP_ID_NOT_FOUND (the handler answers ILLEGAL_GENERATION before v9).
      if (req.generationId >= 0) return all(ErrorCode.GROUP_ID_NOT_FOUND);
      group = this.#getOrCreateGroup(state, req.groupId);
      if (group === undefined) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    // A group created here is Empty, where generation -1 may always commit (whatever the member id).
    const refused = group.acceptCommit(req, this.#now());
    this.#arm(state, group);
    if (refused !== ErrorCode.NONE) return all(refused);
    const now = this.#now();
    const expireTimestampMs = expireTimestampFor(now, req.retentionTimeMs);
    const maxChars = this.#options.limits.maxOffsetMetadataChars;
    const errors = req.partitions.map((p) => {
      if (p.metadata !== null && p.metadata.length > maxChars) {
        return ErrorCode.OFFSET_METADATA_TOO_LARGE;
      }
      // Deleted (or recreated) while the group was loading: its tombstones may already be queued.
      return this.meta.tables.topic(p.topic)?.topicId === topicIds.get(p.topic)
        ? ErrorCode.NONE
        : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    });
    const accepted = req.partitions.filter((_, i) => errors[i] === ErrorCode.NONE);
    const records: OffsetsRecord[] = accepted.map((p) => ({
      kind: "offset",
      groupId: req.groupId,
      topic: p.topic,
      partition: p.partition,
      value: {
        offset: p.offset,
        leaderEpoch: p.leaderEpoch,
        metadata: p.metadata ?? "",
        commitTimestampMs: now,
        expireTimestampMs,
        topicId: topicIds.get(p.topic) ?? null,
      },
    }));
    const ok = await this.#writeOffsets(state, group, records);
    // Nothing written: a group this commit created goes again (only memory held it), unless
    // another request has used it meanwhile.
    const wroteNothing = !ok || records.length === 0;
    if (created && wroteNothing && state.groups.get(req.groupId) === group && group.untouched) {
      state.groups.delete(req.groupId);
    }
    return req.partitions.map((p, i) => ({
      topic: p.topic,
      partition: p.partition,
      errorCode: errors[i] !== ErrorCode.NONE
        ? errors[i]!
        : ok
        ? ErrorCode.NONE
        : ErrorCode.COORDINATOR_NOT_AVAILABLE,
    }));
  }

  /**
   * Writes offset records (commits or tombstones), then applies them to the group. Tracked
   * until applied, so a `requireStable` fetch can wait for it.
   */
  #writeOffsets(
    state: OffsetsPartitionState,
    group: Group,
    records: readonly OffsetsRecord[],
  ): Promise<boolean> {
    if (records.length === 0) return Promise.resolve(true);
    const pending = this.#offsetWrites.get(group) ?? new Set();
    this.#offsetWrites.set(group, pending);
    const written = this.#writeAndApply(state, group, records);
    pending.add(written);
    void written.finally(() => pending.delete(written)).catch(() => undefined);
    return written;
  }

  async #writeAndApply(
    state: OffsetsPartitionState,
    group: Group,
    records: readonly OffsetsRecord[],
  ): Promise<boolean> {
    const keys = records.flatMap((r) => r.kind === "offset" ? [r] : []);
    group.beginCommit(keys);
    let ok: boolean;
    try {
      ok = await state.write(() => [...records]);
    } catch (e) {
      if (!(e instanceof WriteQueueFullError)) throw e;
      ok = false;
    } finally {
      group.endCommit(keys);
    }
    if (ok) { for (const r of keys) group.setOffset(r.topic, r.partition, r.value); }
    return ok;
  }

  /**
   * OffsetFetch for one group: `topics` null means every committed offset. Partitions without a
   * commit answer offset -1. `requireStable`: answered once the group's offset writes under way
   * are applied, as Kafka does; its UNSTABLE_OFFSET_COMMIT is for pending transactional offsets,
   * which do not exist here.
   */
  async fetchOffsets(
    groupId: string,
    topics: readonly { name: string; partitions: readonly number[] }[] | null,
    requireStable: boolean,
  ): Promise<FetchedOffsets> {
    const located = await this.#locate(groupId);
    if (!located.ok) return { errorCode: located.errorCode, topics: [] };
    const writing = located.state.groups.get(groupId);
    if (requireStable && writing !== undefined) {
      // Settled, not fulfilled: a failed write leaves the offset as it was, which is stable.
      await Promise.allSettled(this.#offsetWrites.get(writing) ?? []);
    }
    const group = located.state.groups.get(groupId);
    const wanted = topics ??
      [...(group?.offsets() ?? new Map())].map(([name, byPartition]) => ({
        name,
        partitions: [...byPartition.keys()].sort((a, b) => a - b),
      }));
    return {
      errorCode: ErrorCode.NONE,
      topics: wanted.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((partition): PartitionOffset => {
          const o = group?.offset(t.name, partition);
          if (o === undefined) return noOffset(partition, ErrorCode.NONE);
          return {
            partition,
            offset: o.offset,
            leaderEpoch: o.leaderEpoch,
            metadata: o.metadata,
            errorCode: ErrorCode.NONE,
          };
        }),
      })),
    };
  }

  /** OffsetDelete: only offsets of topics the group does not consume (KIP-496). */
  async deleteOffsets(
    groupId: string,
    topics: readonly { name: string; partitions: readonly number[] }[],
  ): Promise<{ errorCode: number; results: TopicPartitionError[] }> {
    if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, results: [] };
    const found = await this.#group(groupId);
    if (!found.ok) {
      const errorCode = found.errorCode === ErrorCode.UNKNOWN_MEMBER_ID
        ? ErrorCode.GROUP_ID_NOT_FOUND
        : found.errorCode;
      return { errorCode, results: [] };
    }
    const { state, group } = found;
    if (group.state === "Dead") return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, results: [] };
    if (group.state !== "Empty" && group.protocolType !== "consumer") {
      return { errorCode: ErrorCode.NON_EMPTY_GROUP, results: [] };
    }
    const results: TopicPartitionError[] = [];
    const records: OffsetsRecord[] = [];
    for (const t of topics) {
      const subscribed = group.isSubscribedTo(t.name, subscribedTopics);
      for (const partition of t.partitions) {
        let errorCode: number = ErrorCode.NONE;
        if (this.meta.tables.partition(t.name, partition) === undefined) {
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        } else if (subscribed) errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        else if (group.offset(t.name, partition) !== undefined) {
          records.push({ kind: "offset", groupId, topic: t.name, partition, value: null });
        }
        results.push({ topic: t.name, partition, errorCode });
      }
    }
    const ok = await this.#writeOffsets(state, group, records);
    if (!ok) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, results: [] };
    return { errorCode: ErrorCode.NONE, results };
  }

  /**
   * Kafka drops every group's offsets of a deleted topic's partitions: otherwise a consumer of a
   * topic recreated under the same name would resume at a stale offset and skip records. Runs on
   * each partition loaded or loading here, after its load, through its write queue.
   */
  #onTopicDeleted(topic: string): void {
    if (this.#closed || topic === OFFSETS_TOPIC) return;
    for (const { loaded } of this.#states.values()) {
      // Runs detached from the metadata apply: a failure is logged, never an unhandled rejection.
      void loaded
        .then((located) => located.ok ? this.#purgeTopic(located.state, topic) : false)
        .catch((e) =>
          log.error("dropping offsets of deleted topic {topic} failed: {error}", {
            topic,
            error: String(e),
          })
        );
    }
  }

  /**
   * Drops the offsets of topics the metadata no longer has, and those committed to an earlier
   * topic of the same name (their stored topic id is not the current one's; records from before
   * ids were stored cannot tell). A topic's deletion is durable in the metadata before its
   * tombstones are in the offsets log, so a crash between the two leaves offsets that only this
   * check (at each load, before any request sees them) removes. Offsets are committed only for
   * existing topics, so a missing topic was deleted. The metadata must be at least as new as the
   * offsets log: true standalone, where both are local and loaded first. `stale` holds the topics
   * of which loading replayed such a commit.
   */
  async #purgeStaleTopics(state: OffsetsPartitionState, stale: Set<string>): Promise<void> {
    for (const topic of stale) {
      try {
        // Built at the write's turn, against the metadata of then.
        await this.#purgeTopic(state, topic, () => {
          const current = this.meta.tables.topic(topic)?.topicId;
          return current === undefined
            ? topicTombstones(state, topic)
            : staleTombstones(state, topic, current);
        });
      } catch (e) {
        log.error("dropping offsets of deleted topic {topic} failed: {error}", {
          topic,
          error: String(e),
        });
      }
    }
  }

  /**
   * Writes the tombstones `build` returns for `topic` (every group's offsets of it, by default),
   * then applies them.
   */
  async #purgeTopic(
    state: OffsetsPartitionState,
    topic: string,
    build: () => OffsetsRecord[] = () => topicTombstones(state, topic),
  ): Promise<boolean> {
    let records: OffsetsRecord[] = [];
    let ok = false;
    try {
      // Built at the write's turn: commits queued before it are durable and applied by then.
      ok = await state.write(() => records = build());
    } catch (e) {
      if (!(e instanceof WriteQueueFullError)) throw e;
    }
    if (!ok) {
      log.error("cannot drop offsets of deleted topic {topic} in {offsets}-{index}", {
        topic,
        offsets: OFFSETS_TOPIC,
        index: state.index,
      });
      return false;
    }
    for (const r of records) {
      if (r.kind === "offset") state.groups.get(r.groupId)?.setOffset(r.topic, r.partition, null);
    }
    if (records.length > 0) {
      log.info("dropped {n} offsets of deleted topic {topic}", { n: records.length, topic });
    }
    return true;
  }

  /**
   * Expires offsets older than `offsets.retention.minutes` by Kafka's rules (`Group.expiredOffsets`),
   * and removes empty groups left without offsets. Runs on the sweep timer; callable directly (tests).
   */
  async expireOffsets(): Promise<{ offsets: number; groups: number }> {
    let offsets = 0;
    let groups = 0;
    let looked = 0;
    const now = this.#now();
    for (const state of [...this.#loaded]) {
      for (const group of [...state.groups.values()]) {
        // Groups with nothing to write settle in microtasks only: pause for other work now and
        // then, or 100,000 of them would hold the event loop for one pass.
        looked += 1 + group.offsetCount;
        if (looked >= OFFSET_EXPIRY_SLICE) {
          looked = 0;
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        if (group.hasInflightCommits) continue;
        const expired = group.expiredOffsets(
          now,
          this.#options.offsetsRetentionMs,
          subscribedTopics,
        );
        if (expired.length > 0) {
          const records: OffsetsRecord[] = expired.map((k) => ({
            kind: "offset",
            groupId: group.groupId,
            topic: k.topic,
            partition: k.partition,
            value: null,
          }));
          if (!(await this.#writeOffsets(state, group, records))) continue;
        }
        offsets += expired.length;
        if (group.offsetCount === 0 && group.state === "Empty" && !group.hasInflightCommits) {
          if (await this.#removeGroup(state, group)) groups++;
        }
      }
    }
    if (offsets + groups > 0) {
      log.info("expired {offsets} offsets, {groups} groups", { offsets, groups });
    }
    return { offsets, groups };
  }

  /** Dead at once (later requests see no group), then the tombstone is written. */
  async #removeGroup(state: OffsetsPartitionState, group: Group): Promise<boolean> {
    group.markDead(this.#now());
    state.groups.delete(group.groupId);
    this.#release(group, ErrorCode.UNKNOWN_MEMBER_ID);
    return await this.#persistGroup(state, group);
  }

  // ---- Administration ----

  /** DescribeGroups for one group; `group` undefined when it does not exist. */
  async describe(
    groupId: string,
  ): Promise<{ errorCode: number; group: DescribedGroup | undefined }> {
    const located = await this.#locate(groupId);
    if (!located.ok) return { errorCode: located.errorCode, group: undefined };
    const group = located.state.groups.get(groupId);
    return { errorCode: ErrorCode.NONE, group: group?.describe() };
  }

  /** Every live group this node coordinates, optionally only those in `states`. */
  async list(
    states: readonly GroupState[] | null,
  ): Promise<{ groupId: string; protocolType: string; state: GroupState }[]> {
    const out: { groupId: string; protocolType: string; state: GroupState }[] = [];
    for (const state of await this.loadAll()) {
      for (const g of state.groups.values()) {
        if (g.state === "Dead" || (states !== null && !states.includes(g.state))) continue;
        out.push({ groupId: g.groupId, protocolType: g.protocolType ?? "", state: g.state });
      }
    }
    return out;
  }

  /** DeleteGroups for one group: only an empty group; its offsets go with it. */
  async deleteGroup(groupId: string): Promise<number> {
    const found = await this.#group(groupId);
    if (!found.ok) {
      return found.errorCode === ErrorCode.UNKNOWN_MEMBER_ID
        ? ErrorCode.GROUP_ID_NOT_FOUND
        : found.errorCode;
    }
    const { state, group } = found;
    if (group.state === "Dead") return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== "Empty") return ErrorCode.NON_EMPTY_GROUP;
    const records: OffsetsRecord[] = [];
    for (const [topic, byPartition] of group.offsets()) {
      for (const partition of byPartition.keys()) {
        records.push({ kind: "offset", groupId, topic, partition, value: null });
      }
    }
    if (!(await this.#writeOffsets(state, group, records))) {
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    if (state.groups.get(groupId) !== group || group.state !== "Empty") {
      return ErrorCode.NON_EMPTY_GROUP;
    }
    const ok = await this.#removeGroup(state, group);
    return ok ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  /** Checkpoints every loaded partition now (tests, benches). */
  async checkpointAll(): Promise<void> {
    for (const state of [...this.#loaded]) await state.checkpointNow();
  }

  /** Stops timers, tells waiting members to find the coordinator again, drains writes. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#sweepTimer?.cancel();
    for (const state of [...this.#loaded]) {
      for (const g of state.groups.values()) this.#release(g, ErrorCode.NOT_COORDINATOR);
      await state.close();
    }
    this.#loaded.clear();
    this.#states.clear();
  }
}

function joinError(memberId: string, errorCode: number): JoinResponse {
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

function syncError(errorCode: number): SyncResponse {
  return { errorCode, protocolType: null, protocolName: null, assignment: new Uint8Array(0) };
}

/** Tombstones for every offset of `topic` held, or being committed, by a group of `state`. */
function topicTombstones(state: OffsetsPartitionState, topic: string): OffsetsRecord[] {
  const records: OffsetsRecord[] = [];
  for (const group of state.groups.values()) {
    for (const partition of group.offsetPartitions(topic)) {
      records.push({ kind: "offset", groupId: group.groupId, topic, partition, value: null });
    }
  }
  return records;
}

/** Whether `o` was committed to an earlier topic than the one named so now (id `current`). */
function isStale(o: CommittedOffset, current: string | undefined): boolean {
  return current === undefined || (o.topicId !== null && o.topicId !== current);
}

/** Tombstones for the offsets of `topic` committed, by a group of `state`, to an earlier topic. */
function staleTombstones(
  state: OffsetsPartitionState,
  topic: string,
  current: string,
): OffsetsRecord[] {
  const records: OffsetsRecord[] = [];
  for (const group of state.groups.values()) {
    for (const [partition, o] of group.offsets().get(topic) ?? []) {
      if (isStale(o, current)) {
        records.push({ kind: "offset", groupId: group.groupId, topic, partition, value: null });
      }
    }
  }
  return records;
}

/**
 * Kafka's expire time of a commit: `retentionTimeMs` after it (in Java's wrapping int64
 * arithmetic, as Kafka adds them), or none for -1. Kept within safe integers so it round-trips.
 */
function expireTimestampFor(nowMs: number, retentionTimeMs: number): number | null {
  if (retentionTimeMs === -1) return null;
  const sum = Number(BigInt.asIntN(64, BigInt(nowMs) + BigInt(retentionTimeMs)));
  return Math.min(Math.max(sum, -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
}

function noOffset(partition: number, errorCode: number): PartitionOffset {
  return { partition, offset: -1, leaderEpoch: -1, metadata: "", errorCode };
}

/** A reply whose group could not be persisted: sync answers become retriable errors. */
function failedEffect(e: GroupEffect & { type: "join" | "sync" }): JoinResponse | SyncResponse {
  if (e.type === "sync" && e.response.errorCode === ErrorCode.NONE) {
    return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }
  return e.response;
}
