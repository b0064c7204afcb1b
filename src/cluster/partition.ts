/**
 * A partition as the Kafka handlers see it: produce, read, offsets, and waiting for new data.
 * The standalone implementation is {@link LocalPartition} (`local_partition.ts`); a replicated one
 * will put Raft between `produce` and the high watermark behind the same interface.
 *
 * Offsets are plain numbers (exact up to 2^53, far beyond any log); the codec's bigints are
 * converted at the handler boundary.
 *
 * @module
 */

import type { BufferPool } from "../buffer_pool.ts";
import type { ProducerSnapshotEntry } from "../log/mod.ts";

export interface PartitionId {
  readonly topic: string;
  readonly topicId: string;
  readonly index: number;
}

/** Outcome of one produce to one partition; `errorCode` 0 on success (Kafka error codes). */
export interface ProduceResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly baseOffset: number;
  /** -1 unless the topic stamps LogAppendTime. */
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
  /** Per-batch failures (KIP-467) when the error concerns specific batches. */
  readonly recordErrors: readonly { batchIndex: number; message: string | null }[];
}

export interface ReadResult {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** Whole record batches, concatenated; empty when nothing is readable. */
  readonly records: Uint8Array;
  /**
   * With `ReadOptions.buffers`: the pooled buffer `records` is a view of, which the caller gives
   * back to that pool once it is done with `records` (absent: nothing to give back).
   */
  readonly buffer?: Uint8Array;
}

export interface ReadOptions {
  /** Byte budget for this partition. */
  readonly maxBytes: number;
  /** Return the first batch even when it is larger than `maxBytes` (Kafka's progress rule). */
  readonly minOneBatch: boolean;
  /** 0 read_uncommitted, 1 read_committed (no transactions yet: both stop at the HW). */
  readonly isolationLevel: number;
  /** Read into a buffer from this pool (see `ReadResult.buffer`); default a new array. */
  readonly buffers?: BufferPool;
}

export interface OffsetAndTimestamp {
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch: number;
}

export interface Partition extends PartitionId {
  readonly leaderEpoch: number;
  logStartOffset(): number;
  highWatermark(): number;
  logEndOffset(): number;
  /** Bytes on disk, for metrics and DescribeLogDirs. */
  sizeBytes(): number;
  /**
   * Appends the request's batches. `records` is borrowed: the server reads its next request into
   * the same memory once this settles, so an implementation that keeps batches past that (a
   * replication queue, a cache) copies them.
   */
  produce(records: Uint8Array, acks: number): Promise<ProduceResult>;
  read(fetchOffset: number, options: ReadOptions): Promise<ReadResult>;
  /**
   * Resolves once the high watermark moves past `offset` or `signal` aborts (never rejects).
   * Fetch long-polls on this instead of polling the log.
   */
  waitForData(offset: number, signal: AbortSignal): Promise<void>;
  /**
   * ListOffsets: -2 earliest (and -4, earliest local), -1 latest, -3 max timestamp, else the first
   * offset with a timestamp >= it; null when there is none (and for -5, latest tiered, and -6,
   * earliest pending upload: there is no tiered storage).
   */
  listOffset(timestamp: number, isolationLevel: number): Promise<OffsetAndTimestamp | null>;
  /** DeleteRecords: moves the log start offset; -1 means the high watermark. */
  deleteRecordsBefore(offset: number): Promise<{ errorCode: number; lowWatermark: number }>;
  /** OffsetForLeaderEpoch: the end offset of `epoch` (the start of the next higher epoch). */
  endOffsetForEpoch(epoch: number): { leaderEpoch: number; endOffset: number };
  /** DescribeProducers: the idempotent producers whose state the log keeps. */
  activeProducers(): readonly ProducerSnapshotEntry[];
}

/** Who leads a partition, as this node knows from its own state (never guessed). */
export interface Leadership {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
}

/** The partitions this node hosts. */
export interface PartitionRegistry {
  /** The local partition if this node leads it; undefined otherwise. */
  get(topic: string, index: number): Partition | undefined;
  /** Leadership of any partition in the tables; undefined while no leader is known. */
  leadership(topic: string, index: number): Leadership | undefined;
  /** Resolves when the local partitions match the metadata tables (after a create). */
  settled(): Promise<void>;
  /** Every partition whose log is on this node, led here or not (metrics, DescribeLogDirs). */
  all(): Iterable<Partition>;
}
