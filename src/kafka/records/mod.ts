/**
 * Record batch v2 (magic 2), the unit Chronik stores, replicates and serves.
 *
 * Produce path (no decompression):
 * ```ts
 * const batches = splitBatches(recordsBlob, { maxBatchBytes, maxBatches: 1 }); // RecordBatchError
 * const b = batches[0]!;            // BatchView: zero-copy getters over b.bytes
 * b.producerId; b.baseSequence; b.recordCount; b.maxTimestamp; b.codec;
 * setBaseOffset(b.bytes, 42);       // in place, outside the CRC
 * setPartitionLeaderEpoch(b.bytes, term);
 * setLogAppendTime(b.bytes, nowMs); // LogAppendTime topics: sets the type bit, re-seals the CRC
 * ```
 * A {@link RecordBatchError} has `kind` (for logs) and `code`, the Kafka error code to answer with
 * (CORRUPT_MESSAGE 2, MESSAGE_TOO_LARGE 10, UNSUPPORTED_COMPRESSION_TYPE 76, INVALID_RECORD 87).
 * `checkClientBatch` adds the rules for a batch a client produced (no control batches, a producer id
 * only with a sequence).
 *
 * Records: `readRecords(view)` decodes (and decompresses, bounded) a batch's records;
 * `buildBatch(records, options)` builds a sealed batch with any codec. `compress`/`decompress`
 * expose the codecs (gzip, snappy in xerial framing, lz4 frame, zstd). `crc32c(bytes)` is the
 * checksum (big-endian uint32 at byte 17, over attributes..end). Produce walks every record of a
 * batch before storing it (`walkRecords`); a `RecordWalkPool` does that in a worker for a batch
 * whose records are too large to walk without holding the event loop.
 *
 * @module
 */

export {
  BATCH_HEADER_BYTES,
  BatchView,
  checkClientBatch,
  checkFraming,
  type Codec,
  CODECS,
  DEFAULT_MAX_BATCH_BYTES,
  Field,
  hasTransactionalBatch,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  sealCrc,
  setBaseOffset,
  setCreateTime,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  splitBatches,
  type SplitOptions,
  type TimestampType,
  validateBatch,
} from "./batch.ts";
export { crc32c } from "./crc32c.ts";
export { compress, decompress, DEFAULT_MAX_DECOMPRESSED_BYTES } from "./compression.ts";
export {
  KafkaCode,
  RecordBatchError,
  type RecordError,
  type RecordErrorKind,
  RecordTimestampError,
} from "./errors.ts";
export {
  buildBatch,
  type BuildBatchOptions,
  type KafkaRecord,
  readRecords,
  type RecordHeader,
  type RecordInput,
  type RecordWalkOptions,
  walkRecords,
  walkRecordsWithin,
} from "./records.ts";
export {
  inlineWalker,
  type RecordWalker,
  RecordWalkPool,
  type RecordWalkPoolOptions,
  WalkQueueFullError,
} from "./walk_pool.ts";
