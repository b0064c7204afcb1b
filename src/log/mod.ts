/**
 * The partition log: segment files of record batches, stored exactly as produced. It is both the
 * Kafka log and (in a cluster) the Raft log of the partition.
 *
 * ```ts
 * const log = await PartitionLog.open("/data/orders-0", { segmentBytes: 256 << 20 });
 * const views = splitBatches(blob);                        // validated by the caller
 * const r = await log.append(views, { partitionLeaderEpoch: term });
 * // r.baseOffset, r.lastOffset, r.logAppendTimeMs (-1 under CreateTime); durable on resolve
 * const f = await log.read(offset, { maxBytes: 1 << 20, maxOffset: highWatermark });
 * // f.records: whole batches (zero-copy view), f.nextOffset
 * await log.truncateSuffix(offset);  // Raft conflict: drop batches with lastOffset >= offset
 * await log.truncatePrefix(offset);  // DeleteRecords / snapshot: move the log start
 * await log.enforceRetention();      // retentionMs / retentionBytes, whole sealed segments
 * await log.offsetForTimestamp(ts); await log.maxTimestamp();   // ListOffsets
 * log.logStartOffset; log.logEndOffset; log.sizeBytes;
 * log.producers.check(view);        // idempotence: inSequence | duplicate | outOfOrder | fenced
 * await log.removeExpiredProducers(); // producerIdExpirationMs since a producer's last batch
 * await log.close();
 * ```
 *
 * Appends: one at a time per log (a queue), offsets assigned from the log end (or kept, with
 * `assignOffsets: false`, for a follower, which must continue the log). `append` resolves after
 * fdatasync; concurrent appends share syncs (group commit: one sync in flight, the appends
 * written meanwhile wait for the next). `ackBeforeSync: true` resolves after the write alone
 * (faster; acknowledged data can be lost on power failure). Bytes accepted but not yet durable
 * are bounded by `maxPendingBytes` (then {@link LogFullError}). An I/O error fails the log
 * ({@link LogFailedError}) until it is reopened, which recovers.
 *
 * Reads: whole batches from the batch holding `fromOffset`, up to `maxBytes` (at least one batch
 * unless `minOneBatch: false`) and strictly below `maxOffset`. Every batch read back has its CRC
 * checked; a bad one is logged and raised as {@link CorruptBatchError}, never served. Offsets
 * outside [logStartOffset, logEndOffset] raise {@link OffsetOutOfRangeError}.
 *
 * Recovery on open: segments below the checkpoint's recovery point (advanced at every roll,
 * `flush` and clean close) check their index files' last entry and read the rest when a lookup
 * first needs it; later segments are scanned, verifying framing, CRC and offset order; the
 * first torn or corrupt batch and everything after it are cut. Producer
 * state comes from the newest producer snapshot (written at every roll and clean close) and the
 * batch headers after it, so an open reads what was written since the last roll, not the log.
 * A producer whose last batch is `producerIdExpirationMs` old is dropped at open and by
 * `removeExpiredProducers` (Kafka's `producer.id.expiration.ms`).
 *
 * Storage goes through {@link Disk}: {@link DenoDisk} in production, {@link MemoryDisk} in tests
 * (crash loses unsynced bytes; tear, cut and corrupt helpers; injected call failures).
 * On-disk layout: `docs/log-format.md`.
 *
 * `volumeSpace(dir)` gives the total and usable bytes of the volume a directory is on
 * (DescribeLogDirs), `null` without `--allow-sys=statfs`.
 *
 * @module
 */

export { DenoDisk, type DenoDiskOptions, type HandleEvent } from "./deno_disk.ts";
export { type Disk, DiskFaultError, type DiskFile } from "./disk.ts";
export { IndexCache } from "./_index.ts";
export {
  CorruptBatchError,
  InvalidOffsetError,
  LogClosedError,
  LogFailedError,
  LogFullError,
  OffsetOutOfRangeError,
  ProducerSequenceError,
} from "./errors.ts";
export { type DiskOp, MemoryDisk, type MemoryDiskOptions } from "./memory_disk.ts";
export {
  type AppendOptions,
  type AppendResult,
  DEFAULT_INDEX_CACHE_BYTES,
  PartitionLog,
  type PartitionLogOptions,
  PRODUCER_EXPIRY_SLICE,
  type ReadOptions,
  type ReadResult,
  type ReconfigurableOptions,
  type TimestampLookup,
} from "./partition_log.ts";
export {
  BATCHES_PER_PRODUCER,
  lastSequence,
  type ProducerBatch,
  type ProducerCheck,
  type ProducerSnapshotEntry,
  ProducerStateTable,
  type SequenceRange,
} from "./producer_state.ts";
export { segmentName } from "./segment.ts";
export { type VolumeSpace, volumeSpace } from "./volume_space.ts";
export { BufferPool, type BufferPoolOptions } from "../buffer_pool.ts";
