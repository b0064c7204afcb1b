/**
 * One partition of `__consumer_offsets` as its coordinator holds it: the groups that hash to it,
 * loaded by replaying the partition from its start, and a serial write queue through which every
 * change becomes a record batch produced with acks=all (durable when `produce` resolves).
 *
 * Growth is bounded without compaction: after `checkpointEveryRecords` records, the whole live
 * state is written again (every group's metadata and offsets) and everything before the first
 * checkpoint batch is deleted with `deleteRecordsBefore`. A crash mid-checkpoint leaves the old
 * records in place, and replay (last write wins per key) gives the same state either way.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Partition } from "../cluster/partition.ts";
import { ErrorCode } from "../kafka/protocol/errors.ts";
import { buildBatch, readRecords, splitBatches } from "../kafka/records/mod.ts";
import { decodeRecord, encodeKey, encodeValue, type OffsetsRecord } from "./_records.ts";
import { Group, type MemberIdFactory } from "./group.ts";
import type { CommittedOffset, GroupLimits } from "./types.ts";

const log = getLogger(["chronik", "groups"]);

export interface PartitionStateOptions {
  readonly limits: GroupLimits;
  readonly newMemberId: MemberIdFactory;
  /** Records written since the last checkpoint that trigger the next one. */
  readonly checkpointEveryRecords: number;
  /** Bound on writes queued behind the one in flight; beyond it callers are refused. */
  readonly maxQueuedWrites: number;
  /** Bound on one record batch: records per batch and bytes per batch. */
  readonly maxRecordsPerBatch: number;
  readonly maxBatchBytes: number;
  /** Bytes read per step while loading (each step awaits, so the event loop keeps turning). */
  readonly loadChunkBytes: number;
}

/** The write queue is over its bound: the caller answers with a retriable error. */
export class WriteQueueFullError extends Error {
  override readonly name = "WriteQueueFullError";
}

export class OffsetsPartitionState {
  /** Groups of this partition; a Dead group is removed from here at once. */
  readonly groups = new Map<string, Group>();
  #queue: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #recordsSinceCheckpoint = 0;
  #closed = false;

  constructor(
    readonly partition: Partition,
    readonly options: PartitionStateOptions,
    readonly nowMs: () => number,
  ) {}

  get index(): number {
    return this.partition.index;
  }

  newGroup(groupId: string): Group {
    const group = new Group(groupId, this.options.limits, this.options.newMemberId, this.nowMs());
    this.groups.set(groupId, group);
    return group;
  }

  /**
   * Replays the partition from its log start: the coordinator's view after a start or failover.
   * `staleTopics` names the topics of which a replayed commit was `stale` (it may have been
   * replaced since): a cheap check per record here, so the caller need not scan every offset.
   */
  async load(
    stale: (topic: string, value: CommittedOffset) => boolean,
  ): Promise<{ records: number; groups: number; staleTopics: Set<string> }> {
    const p = this.partition;
    let offset = p.logStartOffset();
    const end = p.highWatermark();
    let records = 0;
    const snapshots = new Map<string, OffsetsRecord & { kind: "group" }>();
    const staleTopics = new Set<string>();
    while (offset < end) {
      const read = await p.read(offset, {
        maxBytes: this.options.loadChunkBytes,
        minOneBatch: true,
        isolationLevel: 0,
      });
      if (read.errorCode !== ErrorCode.NONE) {
        throw new Error(`loading ${p.topic}-${p.index} at ${offset}: error ${read.errorCode}`);
      }
      if (read.records.length === 0) break;
      for (const batch of splitBatches(read.records, { maxBatches: 100_000 })) {
        for (const r of readRecords(batch)) {
          if (r.offset < offset || r.key === null) continue;
          const record = decodeRecord(r.key, r.value);
          this.#replay(record, snapshots);
          if (
            record.kind === "offset" && record.value !== null && stale(record.topic, record.value)
          ) {
            staleTopics.add(record.topic);
          }
          records++;
        }
        offset = batch.baseOffset + batch.lastOffsetDelta + 1;
      }
    }
    const now = this.nowMs();
    for (const [groupId, s] of snapshots) {
      if (s.value !== null) {
        (this.groups.get(groupId) ?? this.newGroup(groupId)).restore(s.value, now);
      }
    }
    this.#recordsSinceCheckpoint = records;
    return { records, groups: this.groups.size, staleTopics };
  }

  /** Offsets apply in order; group metadata only as of its last record (restored after). */
  #replay(r: OffsetsRecord, snapshots: Map<string, OffsetsRecord & { kind: "group" }>): void {
    if (r.kind === "group") {
      snapshots.set(r.groupId, r);
      if (r.value === null) this.groups.delete(r.groupId);
      return;
    }
    const group = this.groups.get(r.groupId) ??
      (r.value === null ? undefined : this.newGroup(r.groupId));
    group?.setOffset(r.topic, r.partition, r.value);
  }

  /**
   * Appends the records `build` returns (built when the write's turn comes, so a snapshot is
   * never older than a write queued before it). Resolves true once durable.
   */
  write(build: () => OffsetsRecord[]): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#queued >= this.options.maxQueuedWrites) {
      return Promise.reject(new WriteQueueFullError(`${this.#queued} writes queued`));
    }
    this.#queued++;
    const done = this.#queue.then(async () => {
      this.#queued--;
      if (this.#closed) return false;
      const records = build();
      const ok = (await this.#produce(records)) !== undefined;
      if (ok) this.#recordsSinceCheckpoint += records.length;
      if (ok && this.#recordsSinceCheckpoint >= this.options.checkpointEveryRecords) {
        await this.#checkpoint();
      }
      return ok;
    });
    this.#queue = done.catch(() => undefined);
    return done;
  }

  /** Writes the records in bounded batches; the base offset of the first, or undefined. */
  async #produce(records: readonly OffsetsRecord[]): Promise<number | undefined> {
    let first: number | undefined;
    let batch: { key: Uint8Array; value: Uint8Array | null; timestampMs: number }[] = [];
    let bytes = 0;
    const flush = async (): Promise<boolean> => {
      if (batch.length === 0) return true;
      const result = await this.partition.produce(buildBatch(batch), -1);
      batch = [];
      bytes = 0;
      if (result.errorCode !== ErrorCode.NONE) {
        log.error("write to {topic}-{index} failed: {code} {message}", {
          topic: this.partition.topic,
          index: this.partition.index,
          code: result.errorCode,
          message: result.errorMessage,
        });
        return false;
      }
      first ??= result.baseOffset;
      return true;
    };
    const now = this.nowMs();
    for (const r of records) {
      const key = encodeKey(r);
      const value = encodeValue(r);
      const size = key.length + (value?.length ?? 0) + 32;
      if (
        batch.length >= this.options.maxRecordsPerBatch || bytes + size > this.options.maxBatchBytes
      ) {
        if (!(await flush())) return undefined;
      }
      batch.push({ key, value, timestampMs: now });
      bytes += size;
    }
    if (!(await flush())) return undefined;
    return first ?? this.partition.highWatermark();
  }

  /** Rewrites the live state, then drops the log before it. Runs inside the write queue. */
  async #checkpoint(): Promise<void> {
    const records: OffsetsRecord[] = [];
    for (const g of this.groups.values()) {
      if (g.state === "Dead") continue;
      records.push({ kind: "group", groupId: g.groupId, value: g.snapshot() });
      for (const [topic, byPartition] of g.offsets()) {
        for (const [partition, value] of byPartition) {
          records.push({ kind: "offset", groupId: g.groupId, topic, partition, value });
        }
      }
    }
    const start = await this.#produce(records);
    if (start === undefined) return;
    const deleted = await this.partition.deleteRecordsBefore(start);
    this.#recordsSinceCheckpoint = records.length;
    log.debug("checkpoint of {topic}-{index}: {n} records, log starts at {start}", {
      topic: this.partition.topic,
      index: this.partition.index,
      n: records.length,
      start: deleted.lowWatermark,
    });
  }

  /** Forces a checkpoint now (tests, benches); resolves when done. */
  checkpointNow(): Promise<void> {
    const done = this.#queue.then(() => this.#closed ? undefined : this.#checkpoint());
    this.#queue = done.catch(() => undefined);
    return done;
  }

  /** Stops accepting writes; resolves when the queue is idle. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
  }
}
