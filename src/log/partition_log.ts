/**
 * The partition log: an ordered list of segments holding record batches exactly as produced,
 * with offsets assigned by the log. See `mod.ts` for the manual.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import {
  BatchView,
  checkFraming,
  readRecords,
  RecordBatchError,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  validateBatch,
} from "../kafka/records/mod.ts";
import { readCheckpoint, writeCheckpoint } from "./_checkpoint.ts";
import { GroupSync } from "./_group_sync.ts";
import type { ScanOptions, ScanResult } from "./_scan.ts";
import { DenoDisk } from "./deno_disk.ts";
import { type Disk, type DiskFile, joinPath } from "./disk.ts";
import {
  CorruptBatchError,
  InvalidOffsetError,
  LogClosedError,
  LogFailedError,
  LogFullError,
  OffsetOutOfRangeError,
  ProducerSequenceError,
} from "./errors.ts";
import { ProducerStateTable } from "./producer_state.ts";
import { Segment, SEGMENT_NAME } from "./segment.ts";
import { IndexCache, type IndexView, lastWhere } from "./_index.ts";
import {
  maxSnapshotBytes,
  readSnapshot,
  SNAPSHOT_NAME,
  snapshotName,
  writeSnapshot,
} from "./_producer_snapshot.ts";
import { BufferPool, MAX_POOLED_BUFFER_BYTES } from "../buffer_pool.ts";

const logger = getLogger(["chronik", "log"]);

export interface PartitionLogOptions {
  /** Storage; default the real file system. */
  readonly disk?: Disk;
  /** Wall clock in ms (roll by time, retention, LogAppendTime); default `Date.now`. */
  readonly nowMs?: () => number;
  /** Roll when the active segment would exceed this. Default 1 GiB, at most 2 GiB - 1. */
  readonly segmentBytes?: number;
  /** Roll when the active segment is older than this. Default 7 days. */
  readonly segmentMs?: number;
  /** Bytes between sparse index entries. Default 4096. */
  readonly indexIntervalBytes?: number;
  /** Delete sealed segments whose newest timestamp is older. -1 = keep. Default 7 days. */
  readonly retentionMs?: number;
  /** Delete the oldest sealed segments while the log is larger. -1 = no limit (default). */
  readonly retentionBytes?: number;
  /** Largest batch the log stores or believes when scanning. Default 16 MiB. */
  readonly maxBatchBytes?: number;
  /** Bound on bytes accepted but not yet durable; above it `append` throws LogFullError. Default 64 MiB. */
  readonly maxPendingBytes?: number;
  /**
   * Resolve `append` after the write, before fdatasync (a sync still follows at once). Faster,
   * but an acknowledged batch can be lost on power failure. Default false.
   */
  readonly ackBeforeSync?: boolean;
  /** Verify the CRC of every batch read back (never serve a corrupt batch). Default true. */
  readonly verifyCrcOnRead?: boolean;
  /** Read size for scans (recovery, lookups). Default 1 MiB. */
  readonly scanChunkBytes?: number;
  /** Bound on producers tracked for idempotence. Default 100,000. */
  readonly maxProducers?: number;
  /**
   * A producer's state is forgotten once its last batch's max timestamp is this old by `nowMs`
   * (Kafka's `producer.id.expiration.ms`): at open, and by {@link PartitionLog.removeExpiredProducers}.
   * Default 1 day.
   */
  readonly producerIdExpirationMs?: number;
  /** Told the duration of every completed append fdatasync (the fsync latency metric). */
  readonly onSync?: ((seconds: number) => void) | undefined;
  /** Scratch buffers for coalesced writes, shared by a node's logs. Default: a process-wide one. */
  readonly writeBuffers?: BufferPool;
  /**
   * Where sealed segments' indexes are kept, shared by the logs of a node so the bound is
   * node-wide. Default: a cache of this log's own, of {@link DEFAULT_INDEX_CACHE_BYTES}.
   */
  readonly indexCache?: IndexCache;
}

/** The options that may change while the log is open (topic config changes). */
export type ReconfigurableOptions = Pick<
  PartitionLogOptions,
  "segmentBytes" | "segmentMs" | "retentionMs" | "retentionBytes" | "maxBatchBytes"
>;

export interface AppendOptions {
  /**
   * Leader path (default true): the log sets each batch's baseOffset from the log end. False
   * for a follower: batches keep their offsets, which must continue the log.
   */
  readonly assignOffsets?: boolean;
  /** Written into each batch's partitionLeaderEpoch (the Raft term), when given. */
  readonly partitionLeaderEpoch?: number;
  /** Stamp LogAppendTime (topic `message.timestamp.type=LogAppendTime`). */
  readonly logAppendTime?: boolean;
  /** Verify framing and CRC of raw byte batches first. Default false (callers validate). */
  readonly verifyCrc?: boolean;
  /**
   * Idempotent produce: check the (single) batch's producer sequence inside the serialized write,
   * so pipelined batches of one producer are judged in order. A duplicate is not written again:
   * the result names its original offsets (after a sync, so it is durable too). Out-of-order and
   * fenced batches throw {@link ProducerSequenceError}.
   */
  readonly checkProducers?: boolean;
}

export interface AppendResult {
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** The LogAppendTime stamped, or -1 under CreateTime (as Produce responses report it). */
  readonly logAppendTimeMs: number;
  /** True when `checkProducers` found the batch already in the log (offsets are the original's). */
  readonly duplicate: boolean;
}

export interface ReadOptions {
  /** Byte budget; whole batches only. */
  readonly maxBytes: number;
  /** Exclusive upper bound (the high watermark); default the log end. */
  readonly maxOffset?: number;
  /** Return the first batch even if it exceeds `maxBytes` (KIP-74). Default true. */
  readonly minOneBatch?: boolean;
  /**
   * Read into a buffer taken from this pool instead of a new array (fetch reads at the rate
   * consumers read, and fresh arrays would set off full GCs, as produce frames did). The result's
   * `buffer` is then the caller's to give back once it is done with `records`.
   */
  readonly buffers?: BufferPool;
}

export interface ReadResult {
  /** Whole batches, contiguous; a view into the read buffer (no copy). */
  readonly records: Uint8Array;
  readonly batchCount: number;
  /** Offset to read from next. */
  readonly nextOffset: number;
  /** With `buffers`: the pooled buffer `records` is a view of, to give back (absent: none held). */
  readonly buffer?: Uint8Array;
}

export interface TimestampLookup {
  readonly offset: number;
  readonly timestampMs: number;
}

const DAY_MS = 86_400_000;

/**
 * Producers looked at per slice of {@link PartitionLog.removeExpiredProducers}. One pass over
 * 100,000 took 1.9-9.8 ms when none expired and 20-33 ms when all did (deletes dominate); a
 * slice of 1,000 took 0.02-0.2 ms (median; 99th percentile under 0.7 ms).
 */
export const PRODUCER_EXPIRY_SLICE = 1_000;

/**
 * Bound on bytes coalesced into one write (the first append is taken whatever its size): one
 * pooled write buffer.
 */
const MAX_COALESCED_WRITE_BYTES = MAX_POOLED_BUFFER_BYTES;

interface PendingAppend extends PromiseWithResolvers<AppendResult> {
  readonly views: BatchView[];
  readonly total: number;
  readonly options: AppendOptions;
}

/**
 * Producer snapshots kept: the newest, and one before it in case the newest cannot be read (then
 * the replay is one segment longer instead of the whole log).
 */
const SNAPSHOTS_KEPT = 2;

/** Used by logs opened without a pool of their own (tests, tools). */
const defaultWriteBuffers = new BufferPool();

/** Default bound on a log's sealed-segment indexes in memory when no cache is given. */
export const DEFAULT_INDEX_CACHE_BYTES = 128 * 1024 * 1024;

/** Writes `views` back to back at `position`: one view as it is, several through a pooled buffer. */
async function writeViews(
  pool: BufferPool,
  file: DiskFile,
  position: number,
  views: readonly BatchView[],
): Promise<void> {
  if (views.length === 1) return file.write(position, views[0]!.bytes);
  let total = 0;
  for (const v of views) total += v.sizeBytes;
  const buffer = pool.take(total);
  let at = 0;
  for (const v of views) {
    buffer.set(v.bytes, at);
    at += v.sizeBytes;
  }
  try {
    await file.write(position, buffer.subarray(0, total));
  } finally {
    pool.give(buffer);
  }
}

interface Resolved {
  readonly disk: Disk;
  readonly nowMs: () => number;
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly indexIntervalBytes: number;
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly maxBatchBytes: number;
  readonly maxPendingBytes: number;
  readonly ackBeforeSync: boolean;
  readonly verifyCrcOnRead: boolean;
  readonly scanChunkBytes: number;
  readonly maxProducers: number;
  readonly producerIdExpirationMs: number;
  readonly onSync: ((seconds: number) => void) | undefined;
  readonly writeBuffers: BufferPool;
  readonly indexCache: IndexCache;
}

function resolve(o: PartitionLogOptions): Resolved {
  const r: Resolved = {
    disk: o.disk ?? new DenoDisk(),
    nowMs: o.nowMs ?? Date.now,
    segmentBytes: o.segmentBytes ?? 1024 ** 3,
    segmentMs: o.segmentMs ?? 7 * DAY_MS,
    indexIntervalBytes: o.indexIntervalBytes ?? 4096,
    retentionMs: o.retentionMs ?? 7 * DAY_MS,
    retentionBytes: o.retentionBytes ?? -1,
    maxBatchBytes: o.maxBatchBytes ?? 16 * 1024 * 1024,
    maxPendingBytes: o.maxPendingBytes ?? 64 * 1024 * 1024,
    ackBeforeSync: o.ackBeforeSync ?? false,
    verifyCrcOnRead: o.verifyCrcOnRead ?? true,
    scanChunkBytes: o.scanChunkBytes ?? 1024 * 1024,
    maxProducers: o.maxProducers ?? 100_000,
    producerIdExpirationMs: o.producerIdExpirationMs ?? DAY_MS,
    onSync: o.onSync,
    writeBuffers: o.writeBuffers ?? defaultWriteBuffers,
    indexCache: o.indexCache ?? new IndexCache(DEFAULT_INDEX_CACHE_BYTES),
  };
  // Index entries hold positions as uint32.
  if (!(r.segmentBytes > 0 && r.segmentBytes < 2 ** 31)) {
    throw new RangeError(`segmentBytes ${r.segmentBytes} must be in (0, 2^31)`);
  }
  if (!(r.indexIntervalBytes > 0 && r.scanChunkBytes >= 4096 && r.maxPendingBytes > 0)) {
    throw new RangeError("indexIntervalBytes, scanChunkBytes and maxPendingBytes must be positive");
  }
  if (!(r.producerIdExpirationMs > 0)) {
    throw new RangeError(`producerIdExpirationMs ${r.producerIdExpirationMs} must be positive`);
  }
  return r;
}

export class PartitionLog {
  #o: Resolved;
  /** Ascending by baseOffset; never empty; the last one is active. */
  #segments: Segment[] = [];
  #logStartOffset = 0;
  /** All bytes below this offset are synced and were verified (written to the checkpoint). */
  #recoveryPoint = 0;
  #pendingBytes = 0;
  #queue: Promise<unknown> = Promise.resolve();
  /** Appends waiting for the writer; drained in arrival order, many per write. */
  #appends: PendingAppend[] = [];
  /** True while a drain of `#appends` is queued or running. */
  #draining = false;
  #failed: Error | null = null;
  #closed = false;
  /** Offsets of the producer snapshots on disk, ascending; none above the log end. */
  #snapshots: number[] = [];
  readonly #group: GroupSync;
  /** Idempotent-producer state, kept current by every append. */
  readonly producers: ProducerStateTable;

  private constructor(readonly dir: string, o: Resolved) {
    this.#o = o;
    this.#group = new GroupSync(() => this.#active.file, o.onSync);
    this.producers = new ProducerStateTable(o.maxProducers);
  }

  /**
   * Opens (creating if needed) the log in `dir` and recovers it: segments below the checkpoint's
   * recovery point check their index files' last entry (the rest is read on first use); later
   * ones are scanned with CRC checks and cut at the first torn or corrupt batch (later segments
   * are dropped). Producer state is replayed from the newest producer snapshot.
   */
  static async open(dir: string, options: PartitionLogOptions = {}): Promise<PartitionLog> {
    const log = new PartitionLog(dir, resolve(options));
    await log.#recover();
    return log;
  }

  /** Applies changed topic configs; they take effect from the next append, roll or retention. */
  reconfigure(changes: ReconfigurableOptions): void {
    this.#o = resolve({ ...this.#o, ...changes });
  }

  get logStartOffset(): number {
    return this.#logStartOffset;
  }

  get logEndOffset(): number {
    return this.#active.nextOffset;
  }

  /** Bytes in all segments. */
  get sizeBytes(): number {
    let n = 0;
    for (const s of this.#segments) n += s.sizeBytes;
    return n;
  }

  get segmentCount(): number {
    return this.#segments.length;
  }

  /** Completed fdatasyncs of appends (group commit shares them). */
  get syncCount(): number {
    return this.#group.syncs;
  }

  get #active(): Segment {
    return this.#segments[this.#segments.length - 1]!;
  }

  get #scan(): ScanOptions {
    return {
      chunkBytes: this.#o.scanChunkBytes,
      maxBatchBytes: this.#o.maxBatchBytes,
      verifyCrc: false,
    };
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) throw new LogClosedError(`log ${this.dir} is closed`);
      return fn();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #fail(e: unknown): never {
    const err = e instanceof Error ? e : new Error(String(e));
    if (!this.#failed) {
      this.#failed = err;
      logger.error("partition log {dir} failed: {error}", { dir: this.dir, error: err.message });
    }
    throw new LogFailedError(`log ${this.dir} failed: ${err.message}`, { cause: err });
  }

  /** The log's clock (ms): what it stamps LogAppendTime and ages segments by. */
  nowMs(): number {
    return this.#o.nowMs();
  }

  /**
   * Appends whole batches (as one unit) and resolves once they are durable (or written, under
   * `ackBeforeSync`). Batches are modified in place (baseOffset, epoch, LogAppendTime).
   * Throws LogFullError when pending bytes are at their bound, InvalidOffsetError when a
   * follower's batches do not continue the log.
   */
  async append(
    batches: readonly (BatchView | Uint8Array)[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (this.#closed) throw new LogClosedError(`log ${this.dir} is closed`);
    if (this.#failed) throw new LogFailedError(`log ${this.dir} failed: ${this.#failed.message}`);
    const views = batches.map((b) => {
      if (b instanceof BatchView) return b;
      const v = checkFraming(b, 0, this.#o.maxBatchBytes);
      if (v.sizeBytes !== b.length) {
        throw new RecordBatchError("badLength", "one Uint8Array must hold exactly one batch");
      }
      validateBatch(v, options.verifyCrc ?? false);
      return v;
    });
    if (views.length === 0) throw new RangeError("append needs at least one batch");
    let total = 0;
    for (const v of views) {
      if (v.sizeBytes > this.#o.maxBatchBytes) {
        throw new RecordBatchError("tooLarge", `batch of ${v.sizeBytes} bytes`);
      }
      total += v.sizeBytes;
    }
    if (this.#pendingBytes + total > this.#o.maxPendingBytes) {
      throw new LogFullError(
        `log ${this.dir}: ${this.#pendingBytes} bytes pending, bound ${this.#o.maxPendingBytes}`,
      );
    }
    this.#pendingBytes += total;
    try {
      const result = await this.#enqueueAppend(views, total, options);
      if (this.#o.ackBeforeSync) {
        this.#group.request().catch((e) => {
          try {
            this.#fail(e);
          } catch { /* recorded; later appends see it */ }
        });
      } else {
        try {
          await this.#group.request();
        } catch (e) {
          this.#fail(e);
        }
      }
      return result;
    } finally {
      this.#pendingBytes -= total;
    }
  }

  #enqueueAppend(views: BatchView[], total: number, options: AppendOptions): Promise<AppendResult> {
    const pending: PendingAppend = { views, total, options, ...Promise.withResolvers() };
    this.#appends.push(pending);
    if (!this.#draining) {
      this.#draining = true;
      this.#serial(() => this.#drainAppends()).catch(() => {});
    }
    return pending.promise;
  }

  /**
   * Writes the appends queued so far (up to {@link MAX_COALESCED_WRITE_BYTES}) with one write:
   * under load, requests that arrived during the previous write share the next one. Runs as one
   * serialized operation; if more are waiting afterwards it queues itself again, so truncations
   * and closes are not starved.
   */
  async #drainAppends(): Promise<void> {
    let bytes = 0;
    let count = 0;
    while (count < this.#appends.length) {
      const next = this.#appends[count]!.total;
      if (count > 0 && bytes + next > MAX_COALESCED_WRITE_BYTES) break;
      bytes += next;
      count++;
    }
    const group = this.#appends.splice(0, count);
    try {
      await this.#writeGroup(group, bytes);
    } catch (e) {
      for (const p of group) p.reject(e);
    } finally {
      if (this.#appends.length > 0) {
        this.#serial(() => this.#drainAppends()).catch(() => {});
      } else {
        this.#draining = false;
      }
    }
  }

  async #writeGroup(group: PendingAppend[], bytes: number): Promise<void> {
    if (this.#failed) throw new LogFailedError(`log ${this.dir} failed: ${this.#failed.message}`);
    const now = this.#o.nowMs();
    let span = 0;
    for (const p of group) for (const v of p.views) span += v.lastOffsetDelta + 1;
    await this.#maybeRoll(bytes, span, now);
    // Decide each append in order; later ones see earlier ones' offsets and producer state.
    const outcomes: (AppendResult | Error)[] = [];
    const toWrite: BatchView[] = [];
    for (const p of group) {
      try {
        outcomes.push(this.#prepare(p, now, toWrite));
      } catch (e) {
        outcomes.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
    if (toWrite.length > 0) {
      const seg = this.#active;
      const position = seg.sizeBytes;
      try {
        await writeViews(this.#o.writeBuffers, seg.file, position, toWrite);
      } catch (e) {
        this.#fail(e);
      }
      let at = position;
      for (const v of toWrite) {
        seg.noteBatch(v, at, v.sizeBytes);
        at += v.sizeBytes;
      }
    }
    group.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof Error) p.reject(outcome);
      else p.resolve(outcome);
    });
  }

  /**
   * Assigns one append its offsets (or checks a follower's), stamps epoch and time, records
   * producer state, and adds its batches to `toWrite`. A write failure after this fails the whole
   * log, so recording producer state before the write cannot leave it ahead of a live log.
   */
  #prepare(p: PendingAppend, now: number, toWrite: BatchView[]): AppendResult {
    const o = p.options;
    if (o.checkProducers) {
      const duplicate = this.#checkProducer(p.views, o.logAppendTime === true);
      if (duplicate !== undefined) return duplicate;
    }
    let next = this.#nextOffset(toWrite);
    const baseOffset = o.assignOffsets === false ? p.views[0]!.baseOffset : next;
    if (o.assignOffsets === false) {
      // Check the whole append before changing anything.
      let expect = next;
      for (const v of p.views) {
        if (v.baseOffset !== expect) {
          throw new InvalidOffsetError(`batch at ${v.baseOffset}, log end is ${expect}`);
        }
        expect = v.nextOffset;
      }
    }
    for (const v of p.views) {
      if (o.assignOffsets !== false) setBaseOffset(v.bytes, next);
      if (o.partitionLeaderEpoch !== undefined) {
        setPartitionLeaderEpoch(v.bytes, o.partitionLeaderEpoch);
      }
      if (o.logAppendTime) setLogAppendTime(v.bytes, now);
      next = v.nextOffset;
      this.producers.record(v, v.baseOffset);
      toWrite.push(v);
    }
    return {
      baseOffset,
      lastOffset: next - 1,
      logAppendTimeMs: o.logAppendTime ? now : -1,
      duplicate: false,
    };
  }

  /** The log end counting batches prepared for the write in progress. */
  #nextOffset(toWrite: BatchView[]): number {
    const last = toWrite[toWrite.length - 1];
    return last === undefined ? this.logEndOffset : last.nextOffset;
  }

  /**
   * A duplicate's original offsets and LogAppendTime (Kafka answers a retry with the original's),
   * undefined for a batch to write; throws for a bad sequence.
   */
  #checkProducer(views: BatchView[], logAppendTime: boolean): AppendResult | undefined {
    if (views.length !== 1) throw new RangeError("checkProducers takes exactly one batch");
    const check = this.producers.check(views[0]!);
    switch (check.kind) {
      case "notIdempotent":
      case "inSequence":
        return undefined;
      case "duplicate":
        return {
          baseOffset: check.firstOffset,
          lastOffset: check.lastOffset,
          logAppendTimeMs: logAppendTime ? check.maxTimestamp : -1,
          duplicate: true,
        };
      case "outOfOrder":
        throw new ProducerSequenceError(
          check.code,
          `out of order sequence ${views[0]!.baseSequence}, expected ${check.expectedSeq}`,
        );
      case "fenced":
        throw new ProducerSequenceError(
          check.code,
          `producer epoch ${views[0]!.producerEpoch} is older than ${check.currentEpoch}`,
        );
    }
  }

  async #maybeRoll(bytes: number, offsetSpan: number, now: number): Promise<void> {
    const seg = this.#active;
    if (seg.isEmpty) return;
    const full = seg.sizeBytes + bytes > this.#o.segmentBytes;
    const old = now - seg.createdMs >= this.#o.segmentMs;
    // Relative offsets in the index are uint32.
    const wide = seg.nextOffset + offsetSpan - seg.baseOffset >= 2 ** 32;
    if (full || old || wide) await this.#roll(seg.nextOffset, now);
  }

  /** Seals the active segment (synced, indexes written, checkpoint advanced) and starts one at `base`. */
  async #roll(base: number, now: number): Promise<void> {
    const old = this.#active;
    try {
      await this.#group.idle();
      await old.file.sync();
      await old.seal(this.#o.disk);
      const seg = await Segment.open(this.#o.disk, this.dir, base, {
        create: true,
        nowMs: now,
        indexIntervalBytes: this.#o.indexIntervalBytes,
        indexCache: this.#o.indexCache,
      });
      // Every batch below `base` is in the table (appends are prepared after the roll).
      await this.#snapshot(base);
      await this.#o.disk.syncDir(this.dir);
      this.#segments.push(seg);
      this.#recoveryPoint = base;
      await this.#checkpoint();
      await this.#pruneSnapshots();
    } catch (e) {
      this.#fail(e);
    }
  }

  /** Keeps the newest {@link SNAPSHOTS_KEPT} snapshots. */
  #pruneSnapshots(): Promise<void> {
    const oldestKept = this.#snapshots.at(-SNAPSHOTS_KEPT) ?? 0;
    return this.#dropSnapshots((at) => at >= oldestKept);
  }

  /** Writes a producer snapshot at `offset`; every byte below it must be synced already. */
  async #snapshot(offset: number): Promise<void> {
    await writeSnapshot(this.#o.disk, this.dir, offset, this.producers.entries());
    this.#snapshots = [...this.#snapshots.filter((at) => at !== offset), offset];
  }

  /**
   * Removes the snapshots `keep` refuses. Removals are made durable by the directory sync of the
   * next checkpoint, which every caller that moves the log end back writes before an append.
   */
  async #dropSnapshots(keep: (offset: number) => boolean): Promise<void> {
    const all = this.#snapshots;
    const kept = all.filter(keep);
    for (const at of all) {
      if (!kept.includes(at)) await this.#o.disk.remove(joinPath(this.dir, snapshotName(at)));
    }
    this.#snapshots = kept;
  }

  #checkpoint(): Promise<void> {
    return writeCheckpoint(this.#o.disk, this.dir, {
      recoveryPoint: this.#recoveryPoint,
      logStartOffset: this.#logStartOffset,
    });
  }

  /**
   * Reads whole batches from `fromOffset` (which may fall inside a batch: that batch is
   * included) up to `maxBytes` and below `maxOffset`. Every returned batch's CRC is verified;
   * a bad one throws CorruptBatchError and is never served.
   */
  async read(fromOffset: number, options: ReadOptions): Promise<ReadResult> {
    if (this.#closed) throw new LogClosedError(`log ${this.dir} is closed`);
    const end = this.logEndOffset;
    if (fromOffset < this.#logStartOffset || fromOffset > end) {
      throw new OffsetOutOfRangeError(fromOffset, this.#logStartOffset, end);
    }
    const maxOffset = Math.min(options.maxOffset ?? end, end);
    const empty = { records: new Uint8Array(0), batchCount: 0, nextOffset: fromOffset };
    let i = this.#segmentIndex(fromOffset);
    while (i < this.#segments.length - 1 && this.#segments[i]!.nextOffset <= fromOffset) i++;
    const seg = this.#segments[i];
    if (!seg || fromOffset >= maxOffset || seg.nextOffset <= fromOffset) return empty;
    await seg.pin();
    try {
      return await this.#readSegment(seg, fromOffset, maxOffset, options) ?? empty;
    } finally {
      seg.unpin();
    }
  }

  async #readSegment(
    seg: Segment,
    from: number,
    maxOffset: number,
    o: ReadOptions,
  ): Promise<ReadResult | null> {
    const limit = seg.sizeBytes;
    let start = -1;
    const pool = o.buffers;
    const chunkBytes = Math.min(this.#o.scanChunkBytes, this.#o.indexIntervalBytes * 4);
    const chunk = pool?.take(chunkBytes);
    let located: ScanResult;
    try {
      located = await seg.scanFrom(
        this.#o.disk,
        from,
        { ...this.#scan, chunkBytes, ...(chunk === undefined ? {} : { buffer: chunk }) },
        (b) => {
          if (b.view.lastOffset >= from) {
            start = b.position;
            return false;
          }
        },
      );
    } finally {
      if (chunk !== undefined) pool?.give(chunk);
    }
    if (located.error) this.#corrupt(seg, located.endPosition, located.error);
    if (start < 0) return null;
    // The buffer taken from `pool` for the read in progress; given back unless it is returned.
    let taken: Uint8Array | undefined;
    const readAt = async (position: number, length: number): Promise<Uint8Array> => {
      if (pool === undefined) return await seg.file.read(position, length);
      if (taken !== undefined) pool.give(taken);
      taken = pool.take(length);
      return await seg.file.read(position, length, taken);
    };
    try {
      const result = await this.#batchesAt(seg, from, start, limit, maxOffset, o, readAt);
      if (result !== null && taken !== undefined) {
        const buffer = taken;
        taken = undefined;
        return { ...result, buffer };
      }
      return result;
    } finally {
      if (taken !== undefined) pool?.give(taken);
    }
  }

  /** The whole batches at `start` (the position of the batch holding `from`) within `o`. */
  async #batchesAt(
    seg: Segment,
    from: number,
    start: number,
    limit: number,
    maxOffset: number,
    o: ReadOptions,
    readAt: (position: number, length: number) => Promise<Uint8Array>,
  ): Promise<ReadResult | null> {
    let buf = await readAt(start, Math.min(limit - start, Math.max(o.maxBytes, 0)));
    let used = 0;
    let count = 0;
    let next = from;
    for (;;) {
      if (buf.length - used < 12) break;
      const total = new DataView(buf.buffer, buf.byteOffset + used, 12).getInt32(8) + 12;
      if (buf.length - used < total) break;
      const v = this.#checked(seg, start + used, buf.subarray(used, used + total));
      if (v.lastOffset >= maxOffset) break;
      used += total;
      count++;
      next = v.nextOffset;
    }
    if (count === 0 && (o.minOneBatch ?? true)) {
      const head = await seg.file.read(start, 12);
      if (head.length < 12) this.#corrupt(seg, start, "torn header");
      const total = new DataView(head.buffer, head.byteOffset, 12).getInt32(8) + 12;
      if (total < 61 || total > this.#o.maxBatchBytes || start + total > limit) {
        this.#corrupt(seg, start, `batch length ${total}`);
      }
      buf = await readAt(start, total);
      if (buf.length < total) this.#corrupt(seg, start, "torn batch");
      const v = this.#checked(seg, start, buf);
      if (v.lastOffset >= maxOffset) return null;
      return { records: buf, batchCount: 1, nextOffset: v.nextOffset };
    }
    if (count === 0) return null;
    return { records: buf.subarray(0, used), batchCount: count, nextOffset: next };
  }

  #checked(seg: Segment, position: number, bytes: Uint8Array): BatchView {
    try {
      const v = checkFraming(bytes, 0, this.#o.maxBatchBytes);
      validateBatch(v, this.#o.verifyCrcOnRead);
      return v;
    } catch (e) {
      if (e instanceof RecordBatchError) this.#corrupt(seg, position, e.message);
      throw e;
    }
  }

  #corrupt(seg: Segment, position: number, reason: string): never {
    logger.error("corrupt batch in {dir}/{segment} at {position}: {reason}", {
      dir: this.dir,
      segment: seg.name,
      position,
      reason,
    });
    throw new CorruptBatchError(joinPath(this.dir, seg.name), position, reason);
  }

  /** Index of the last segment with baseOffset <= offset (0 if none). */
  #segmentIndex(offset: number): number {
    const segs = this.#segments;
    return Math.max(0, lastWhere(segs.length, (i) => segs[i]!.baseOffset <= offset));
  }

  /**
   * Removes every batch whose last offset is >= `offset` (a Raft conflict): afterwards the log
   * ends at `offset`, or earlier when `offset` falls inside a batch. Returns the new log end.
   */
  truncateSuffix(offset: number): Promise<number> {
    return this.#serial(async () => {
      if (offset < this.#logStartOffset) {
        throw new OffsetOutOfRangeError(offset, this.#logStartOffset, this.logEndOffset);
      }
      if (offset >= this.logEndOffset) return this.logEndOffset;
      await this.#group.idle();
      try {
        // Offsets from here on may be written again: no snapshot may describe the old ones. (A
        // snapshot lies on a batch boundary, so none falls between the new end and `offset`.)
        await this.#dropSnapshots((at) => at <= offset);
        while (this.#segments.length > 1 && this.#active.baseOffset >= offset) {
          await this.#segments.pop()!.remove(this.#o.disk);
        }
        await this.#active.unseal(this.#o.disk);
        await this.#active.truncateTo(this.#o.disk, offset, this.#scan);
        // A cut inside a batch that straddles the log start leaves the log end below it.
        this.#logStartOffset = Math.min(this.#logStartOffset, this.logEndOffset);
        this.#recoveryPoint = Math.min(this.#recoveryPoint, this.#active.baseOffset);
        await this.#checkpoint();
        await this.#rebuildProducers();
      } catch (e) {
        this.#fail(e);
      }
      return this.logEndOffset;
    });
  }

  /**
   * Moves the log start to `offset` (DeleteRecords, a Raft snapshot) and deletes segments wholly
   * below it. Past the log end, the log restarts empty at `offset`.
   */
  truncatePrefix(offset: number): Promise<void> {
    return this.#serial(async () => {
      if (offset <= this.#logStartOffset) return;
      await this.#group.idle();
      try {
        if (offset >= this.logEndOffset) {
          await this.#restartAt(offset);
        } else {
          this.#logStartOffset = offset;
          await this.#dropSegmentsBelow(offset);
          await this.#checkpoint();
        }
        this.producers.removeBefore(offset);
      } catch (e) {
        this.#fail(e);
      }
    });
  }

  async #restartAt(offset: number): Promise<void> {
    const old = this.#segments;
    const seg = await Segment.open(this.#o.disk, this.dir, offset, {
      create: true,
      nowMs: this.#o.nowMs(),
      indexIntervalBytes: this.#o.indexIntervalBytes,
      indexCache: this.#o.indexCache,
    });
    this.#segments = [seg];
    this.#logStartOffset = offset;
    this.#recoveryPoint = offset;
    await this.#dropSnapshots(() => false);
    await this.#checkpoint();
    for (const s of old) {
      if (s.baseOffset !== offset) await s.remove(this.#o.disk);
      else s.close();
    }
    await this.#o.disk.syncDir(this.dir);
  }

  async #dropSegmentsBelow(offset: number): Promise<number> {
    let dropped = 0;
    while (this.#segments.length > 1 && this.#segments[1]!.baseOffset <= offset) {
      await this.#segments.shift()!.remove(this.#o.disk);
      dropped++;
    }
    // A replay from below the first segment is no longer possible.
    const first = this.#segments[0]!.baseOffset;
    await this.#dropSnapshots((at) => at >= first);
    return dropped;
  }

  /**
   * Applies retention: deletes the oldest sealed segments whose newest timestamp is older than
   * `retentionMs`, or while the log exceeds `retentionBytes`. The active segment is kept.
   * Returns how many segments were deleted.
   */
  enforceRetention(): Promise<number> {
    return this.#serial(async () => {
      const now = this.#o.nowMs();
      let size = this.sizeBytes;
      let cut = -1;
      for (let i = 0; i < this.#segments.length - 1; i++) {
        const s = this.#segments[i]!;
        const expired = this.#o.retentionMs >= 0 && s.maxTimestamp < now - this.#o.retentionMs;
        const over = this.#o.retentionBytes >= 0 && size - s.sizeBytes >= this.#o.retentionBytes;
        if (!expired && !over) break;
        size -= s.sizeBytes;
        cut = this.#segments[i + 1]!.baseOffset;
      }
      if (cut < 0) return 0;
      try {
        this.#logStartOffset = Math.max(this.#logStartOffset, cut);
        await this.#checkpoint();
        const n = await this.#dropSegmentsBelow(cut);
        this.producers.removeBefore(this.#logStartOffset);
        return n;
      } catch (e) {
        this.#fail(e);
      }
    });
  }

  /**
   * Forgets the producers whose last batch is `producerIdExpirationMs` old or older by the log's
   * clock (Kafka's periodic producer-id expiration; an open or truncation does it after loading
   * the state, as Kafka drops expired producers when it loads); their next batches are those of
   * unknown producers, and snapshots written afterwards leave them out. Returns how many.
   * Runs beside appends, {@link PRODUCER_EXPIRY_SLICE} producers at a time with a macrotask
   * between slices, so a full table does not hold the event loop; a close stops it.
   */
  async removeExpiredProducers(): Promise<number> {
    const pass = this.producers.removeExpiredInSlices(
      this.#o.nowMs(),
      this.#o.producerIdExpirationMs,
      PRODUCER_EXPIRY_SLICE,
    );
    for (;;) {
      const step = pass.next();
      if (step.done || this.#closed) return step.value;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /**
   * ListOffsets by timestamp: the first offset at or after the log start whose record timestamp
   * is >= `timestampMs`, with that timestamp; null when none is.
   */
  async offsetForTimestamp(timestampMs: number): Promise<TimestampLookup | null> {
    for (const seg of [...this.#segments]) {
      if (seg.maxTimestamp < timestampMs || seg.nextOffset <= this.#logStartOffset) continue;
      // Batches before the time index's entry are older than `timestampMs`: none matches.
      const found = await this.#findRecord(
        seg,
        (index) => Math.max(index.timeLookup(timestampMs), this.#logStartOffset),
        (v) => v.maxTimestamp >= timestampMs,
        (r) => r.timestampMs >= timestampMs,
      );
      if (found) return found;
    }
    return null;
  }

  /** ListOffsets MAX_TIMESTAMP (KIP-734): the record with the largest timestamp, first if tied. */
  async maxTimestamp(): Promise<TimestampLookup | null> {
    let best: Segment | null = null;
    for (const s of this.#segments) {
      if (s.nextOffset > this.#logStartOffset && s.maxTimestamp > (best?.maxTimestamp ?? -1)) {
        best = s;
      }
    }
    if (!best) return null;
    const ts = best.maxTimestamp;
    const from = Math.max(best.baseOffset, this.#logStartOffset);
    return await this.#findRecord(
      best,
      from,
      (v) => v.maxTimestamp === ts,
      (r) => r.timestampMs === ts,
    );
  }

  /**
   * The first record at or after the log start, and at or after `at` (an offset, or one the
   * segment's index gives), that `recordMatch` picks, among the batches `batchMatch` picks. A
   * picked batch may hold no such record (its match lies below the log start, or its header max
   * is not a record's): the scan goes on through the segment's later batches.
   */
  async #findRecord(
    seg: Segment,
    at: number | ((index: IndexView) => number),
    batchMatch: (v: BatchView) => boolean,
    recordMatch: (r: { offset: number; timestampMs: number }) => boolean,
  ): Promise<TimestampLookup | null> {
    await seg.pin();
    try {
      let found: TimestampLookup | null = null;
      const from = Math.max(typeof at === "number" ? at : 0, this.#logStartOffset);
      const r = await seg.scanFrom(
        this.#o.disk,
        at,
        { ...this.#scan, verifyCrc: true },
        (b) => {
          if (b.view.lastOffset < from || !batchMatch(b.view)) return;
          const hit = readRecords(b.view).find((rec) => rec.offset >= from && recordMatch(rec));
          if (hit === undefined) return;
          found = { offset: hit.offset, timestampMs: hit.timestampMs };
          return false;
        },
      );
      if (r.error) this.#corrupt(seg, r.endPosition, r.error);
      return found;
    } finally {
      seg.unpin();
    }
  }

  /** Syncs everything and advances the recovery point to the log end. */
  flush(): Promise<void> {
    return this.#serial(async () => {
      await this.#group.idle();
      try {
        await this.#active.file.sync();
        this.#recoveryPoint = this.#active.baseOffset;
        await this.#checkpoint();
      } catch (e) {
        this.#fail(e);
      }
    });
  }

  /**
   * Clean close: waits for queued work, syncs, writes the active segment's indexes and a
   * checkpoint (so the next open scans nothing), and closes every file.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue;
    await this.#group.idle();
    this.#closed = true;
    try {
      if (!this.#failed) {
        await this.#active.file.sync();
        await this.#active.writeIndexes(this.#o.disk);
        await this.#snapshot(this.logEndOffset);
        this.#recoveryPoint = this.logEndOffset;
        await this.#checkpoint();
        await this.#pruneSnapshots();
      }
    } finally {
      for (const s of this.#segments) s.close();
    }
  }

  async #recover(): Promise<void> {
    const o = this.#o;
    await o.disk.mkdirp(this.dir);
    const names = await o.disk.list(this.dir);
    const bases = new Set<number>();
    const snapshots: number[] = [];
    for (const n of names) {
      const m = SEGMENT_NAME.exec(n);
      if (m && m[2] === "log") bases.add(Number(m[1]));
      const s = SNAPSHOT_NAME.exec(n);
      if (s) snapshots.push(Number(s[1]));
    }
    this.#snapshots = snapshots.sort((a, b) => a - b);
    for (const n of names) {
      const m = SEGMENT_NAME.exec(n);
      // Index files without their log are leftovers of a deletion cut short.
      if ((m && !bases.has(Number(m[1]))) || n.endsWith(".tmp")) {
        await o.disk.remove(joinPath(this.dir, n));
      }
    }
    const sorted = [...bases].sort((a, b) => a - b);
    const cp = await readCheckpoint(o.disk, this.dir);
    const recoveryPoint = cp?.recoveryPoint ?? -1;
    const now = o.nowMs();
    const startAt = Math.max(cp?.logStartOffset ?? 0, sorted[0] ?? 0);
    // The first segment, kept or created, begins at or below `startAt`.
    this.#logStartOffset = startAt;
    // Producer state is replayed while the segments are opened, from the newest snapshot, so a
    // segment the recovery scans is read once. Checked against the log end once it is known.
    const from = sorted.length > 0 ? await this.#restoreSnapshot(sorted[0]!) : startAt;
    const replay = (v: BatchView) => this.#replayBatch(v, from);
    let expected = 0;
    for (let i = 0; i < sorted.length; i++) {
      const base = sorted[i]!;
      const seg = await Segment.open(o.disk, this.dir, base, {
        create: false,
        nowMs: now,
        indexIntervalBytes: o.indexIntervalBytes,
        indexCache: o.indexCache,
      });
      const nextBase = sorted[i + 1];
      if (this.#segments.length > 0 && base !== expected) {
        seg.close();
        await this.#dropFrom(sorted.slice(i), `segment ${base} does not continue ${expected}`);
        break;
      }
      // A sealed segment is clean below the recovery point; the last one only after a clean
      // close, which sets the recovery point to the log end.
      const end = nextBase ?? recoveryPoint;
      const clean = end <= recoveryPoint && end > base;
      // A sealed segment's index is read when first needed; the active one's now.
      const lazily = nextBase !== undefined;
      if (clean && (await seg.loadIndexes(o.disk, this.#scan, lazily)) && seg.nextOffset === end) {
        this.#segments.push(seg);
        expected = seg.nextOffset;
        await this.#replaySegment(seg, from);
        continue;
      }
      const r = await seg.rebuild({ ...this.#scan, verifyCrc: true }, replay);
      this.#segments.push(seg);
      expected = seg.nextOffset;
      // Sealed at once, so recovery holds one segment's live index at a time.
      if (!r.error && nextBase !== undefined) await seg.seal(o.disk);
      if (r.error) {
        logger.warn("recovered {dir}/{segment}: cut at byte {position}: {reason}", {
          dir: this.dir,
          segment: seg.name,
          position: r.endPosition,
          reason: r.error,
        });
        await seg.file.sync();
        await this.#dropFrom(sorted.slice(i + 1), "after a corrupt tail");
        break;
      }
    }
    if (this.#segments.length === 0) {
      this.#segments.push(
        await Segment.open(o.disk, this.dir, startAt, {
          create: true,
          nowMs: now,
          indexIntervalBytes: o.indexIntervalBytes,
          indexCache: o.indexCache,
        }),
      );
    }
    // The last segment left (recovery may have dropped those after it) is the active one.
    await this.#active.unseal(o.disk);
    if (this.#logStartOffset > this.logEndOffset) this.#logStartOffset = this.logEndOffset;
    this.#recoveryPoint = this.#active.baseOffset;
    // Snapshots above a cut tail describe batches that are gone; below the first segment, ones
    // that cannot be replayed from.
    const first = this.#segments[0]!.baseOffset;
    await this.#dropSnapshots((at) => at >= first && at <= this.logEndOffset);
    // A cut below the snapshot replayed from (only a disk that lost synced bytes does that).
    if (from > this.logEndOffset) await this.#rebuildProducers();
    else await this.removeExpiredProducers();
    await this.#checkpoint();
  }

  async #dropFrom(bases: number[], why: string): Promise<void> {
    for (const b of bases) {
      logger.warn("recovery of {dir} drops segment {base}: {why}", { dir: this.dir, base: b, why });
      const s = await Segment.open(this.#o.disk, this.dir, b, {
        create: false,
        nowMs: 0,
        indexIntervalBytes: this.#o.indexIntervalBytes,
        indexCache: this.#o.indexCache,
      });
      await s.remove(this.#o.disk);
    }
  }

  /**
   * Producer state from the latest usable snapshot and the batch headers after it; from the
   * whole log when there is none. Batches ending below the log start do not count, nor do
   * producers expired by now.
   */
  async #rebuildProducers(): Promise<void> {
    const from = await this.#restoreSnapshot(this.#segments[0]!.baseOffset);
    for (const seg of this.#segments) await this.#replaySegment(seg, from);
    await this.removeExpiredProducers();
  }

  /** Replays the batches of `seg` from offset `from` on into the producer table. */
  async #replaySegment(seg: Segment, from: number): Promise<void> {
    if (seg.nextOffset <= from) return;
    const at = Math.max(seg.baseOffset, from);
    const r = await seg.scanFrom(
      this.#o.disk,
      at,
      this.#scan,
      (b) => this.#replayBatch(b.view, from),
    );
    if (r.error) this.#corrupt(seg, r.endPosition, r.error);
  }

  #replayBatch(v: BatchView, from: number): void {
    if (v.baseOffset >= from && v.lastOffset >= this.#logStartOffset) {
      this.producers.record(v, v.baseOffset);
    }
  }

  /**
   * Empties the producer table and loads into it the newest readable snapshot at or above
   * `first` (the log's first offset); returns the offset to replay from.
   */
  async #restoreSnapshot(first: number): Promise<number> {
    this.producers.clear();
    const bound = maxSnapshotBytes(this.#o.maxProducers);
    for (const at of [...this.#snapshots].reverse()) {
      if (at < first) continue;
      // A producer an older snapshot gives no last timestamp is taken as active now.
      const now = this.#o.nowMs();
      const entries = await readSnapshot(this.#o.disk, this.dir, at, bound, now);
      if (typeof entries === "string") {
        logger.warn("producer snapshot {dir}/{name} not used: {why}", {
          dir: this.dir,
          name: snapshotName(at),
          why: entries,
        });
        continue;
      }
      for (const e of entries) this.producers.restore(e);
      this.producers.removeBefore(this.#logStartOffset);
      return at;
    }
    return first;
  }
}
