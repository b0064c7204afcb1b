/**
 * Record batch v2 (magic 2): header layout, zero-copy header views, strict splitting of a produce
 * `records` blob, and in-place rewrites of the fields the broker owns.
 *
 * @module
 */

import { crc32c } from "./crc32c.ts";
import { RecordBatchError } from "./errors.ts";

/** Byte offsets of the v2 batch header fields (Kafka protocol guide, "Record Batch"). */
export const Field = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;

/** Size of the v2 header; records start here. */
export const BATCH_HEADER_BYTES = 61;
/** `baseOffset` and `batchLength` precede the length-counted part. */
export const BATCH_LENGTH_PREFIX_BYTES = 12;
/** The CRC covers from `attributes` to the end of the batch. */
export const CRC_START = Field.attributes;

export type Codec = "none" | "gzip" | "snappy" | "lz4" | "zstd";
export const CODECS: readonly Codec[] = ["none", "gzip", "snappy", "lz4", "zstd"];
export type TimestampType = "createTime" | "logAppendTime";

const CODEC_MASK = 0x07;
const TIMESTAMP_TYPE_BIT = 0x08;
const TRANSACTIONAL_BIT = 0x10;
const CONTROL_BIT = 0x20;
const DELETE_HORIZON_BIT = 0x40;

/** `producerId` of a batch sent without idempotence. */
export const NO_PRODUCER_ID = -1n;
export const NO_SEQUENCE = -1;

/**
 * A read-only view over one batch's bytes; getters decode on demand, nothing is copied. `bytes`
 * is exactly the batch (a subarray of the buffer it came from).
 */
export class BatchView {
  readonly #dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    if (bytes.length < BATCH_HEADER_BYTES) {
      throw new RecordBatchError("truncated", `batch of ${bytes.length} bytes is below the header`);
    }
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get baseOffset(): number {
    return Number(this.#dv.getBigInt64(Field.baseOffset));
  }
  get batchLength(): number {
    return this.#dv.getInt32(Field.batchLength);
  }
  /** Total bytes of the batch (= `batchLength` + 12). */
  get sizeBytes(): number {
    return this.bytes.length;
  }
  get partitionLeaderEpoch(): number {
    return this.#dv.getInt32(Field.partitionLeaderEpoch);
  }
  get magic(): number {
    return this.#dv.getInt8(Field.magic);
  }
  get crc(): number {
    return this.#dv.getUint32(Field.crc);
  }
  get attributes(): number {
    return this.#dv.getInt16(Field.attributes);
  }
  get codec(): Codec {
    const id = this.attributes & CODEC_MASK;
    const codec = CODECS[id];
    if (codec === undefined) throw new RecordBatchError("badCodec", `unknown codec id ${id}`);
    return codec;
  }
  get timestampType(): TimestampType {
    return this.attributes & TIMESTAMP_TYPE_BIT ? "logAppendTime" : "createTime";
  }
  get isTransactional(): boolean {
    return (this.attributes & TRANSACTIONAL_BIT) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & CONTROL_BIT) !== 0;
  }
  get hasDeleteHorizon(): boolean {
    return (this.attributes & DELETE_HORIZON_BIT) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.#dv.getInt32(Field.lastOffsetDelta);
  }
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  /** Offset after this batch. */
  get nextOffset(): number {
    return this.lastOffset + 1;
  }
  get baseTimestamp(): number {
    return Number(this.#dv.getBigInt64(Field.baseTimestamp));
  }
  get maxTimestamp(): number {
    return Number(this.#dv.getBigInt64(Field.maxTimestamp));
  }
  get producerId(): bigint {
    return this.#dv.getBigInt64(Field.producerId);
  }
  get producerEpoch(): number {
    return this.#dv.getInt16(Field.producerEpoch);
  }
  get baseSequence(): number {
    return this.#dv.getInt32(Field.baseSequence);
  }
  get recordCount(): number {
    return this.#dv.getInt32(Field.recordCount);
  }
  /** The (possibly compressed) records section. */
  get recordsBytes(): Uint8Array {
    return this.bytes.subarray(BATCH_HEADER_BYTES);
  }
  /** CRC32C over attributes..end, as it should be stored. */
  computeCrc(): number {
    return crc32c(this.bytes.subarray(CRC_START));
  }
  crcValid(): boolean {
    return this.computeCrc() === this.crc;
  }
}

/** Limits for {@link splitBatches}; every bound is the caller's to set. */
export interface SplitOptions {
  /** Largest single batch accepted (Kafka `max.message.bytes`). Default 1 MiB + header. */
  readonly maxBatchBytes?: number;
  /** Most batches accepted in one blob (Kafka produce v3+ allows exactly 1). Default 1. */
  readonly maxBatches?: number;
  /** Verify each batch's CRC32C. Default true. */
  readonly verifyCrc?: boolean;
}

export const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024 + BATCH_HEADER_BYTES;

/**
 * Splits a produce `records` blob into batches, validating framing, magic, counts, codec id and
 * CRC. Returns zero-copy views into `blob`. Throws {@link RecordBatchError} on the first problem.
 */
export function splitBatches(blob: Uint8Array, options: SplitOptions = {}): BatchView[] {
  const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const maxBatches = options.maxBatches ?? 1;
  const verify = options.verifyCrc ?? true;
  const out: BatchView[] = [];
  let pos = 0;
  do {
    if (!checkProducedFraming(blob, pos)) break;
    // A whole batch beyond the bound is refused as one too many, whatever it holds (Kafka's order).
    if (out.length >= maxBatches) {
      throw new RecordBatchError("tooManyBatches", `more than ${maxBatches} batches`);
    }
    const batch = checkFraming(blob, pos, maxBatchBytes);
    validateBatch(batch, verify);
    out.push(batch);
    pos += batch.sizeBytes;
  } while (pos < blob.length);
  return out;
}

/** Kafka's batch length below which no batch of any magic fits (its v0 record overhead). */
const MIN_LENGTH_ANY_MAGIC = 14;
/** Bytes up to and including the magic byte. */
const BYTES_TO_MAGIC = Field.magic + 1;

/**
 * The checks Kafka makes, in its order, when it reads a batch out of a produced blob (its log
 * input stream, then Produce's one-batch rule), so each problem gets Kafka's code: a length below
 * any batch's or a magic no version has is a corrupt message; fewer bytes than a length and a
 * magic, or than the length claims, is no batch: an invalid record at the start of the blob, and
 * after a whole batch the end of the blob (false), whose bytes Kafka drops unread, and so does this.
 */
function checkProducedFraming(blob: Uint8Array, pos: number): boolean {
  const left = blob.length - pos;
  const noBatch = (why: string) => {
    if (pos > 0) return false;
    throw new RecordBatchError("incomplete", `no record batch: ${why}`);
  };
  if (left < BATCH_LENGTH_PREFIX_BYTES) return noBatch(`${left} bytes`);
  // Read by hand: this runs on every produced batch, and a DataView is an allocation.
  const at = pos + Field.batchLength;
  const batchLength = (blob[at]! << 24) | (blob[at + 1]! << 16) | (blob[at + 2]! << 8) |
    blob[at + 3]!;
  if (batchLength < MIN_LENGTH_ANY_MAGIC) {
    throw new RecordBatchError("badLength", `batchLength ${batchLength} at ${pos}`);
  }
  if (left < BYTES_TO_MAGIC) return noBatch(`${left} bytes`);
  const magic = (blob[pos + Field.magic]! << 24) >> 24;
  if (magic < 0 || magic > 2) {
    throw new RecordBatchError("unknownMagic", `magic ${magic} at ${pos}`);
  }
  if (batchLength + BATCH_LENGTH_PREFIX_BYTES > left) {
    return noBatch(`a batch of ${batchLength + BATCH_LENGTH_PREFIX_BYTES} bytes, ${left} left`);
  }
  return true;
}

/**
 * Frames one batch at `pos`: enough bytes for the header, a sane length, magic 2. Returns the view
 * (not yet CRC-checked).
 */
export function checkFraming(buf: Uint8Array, pos: number, maxBatchBytes: number): BatchView {
  const left = buf.length - pos;
  if (left < BATCH_HEADER_BYTES) {
    throw new RecordBatchError("truncated", `${left} bytes left at ${pos}, header needs 61`);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset + pos, BATCH_LENGTH_PREFIX_BYTES + 5);
  const batchLength = dv.getInt32(Field.batchLength);
  const magic = dv.getInt8(Field.magic);
  if (magic !== 2) throw new RecordBatchError("badMagic", `magic ${magic} at ${pos}, only 2`);
  const total = batchLength + BATCH_LENGTH_PREFIX_BYTES;
  if (total < BATCH_HEADER_BYTES) {
    throw new RecordBatchError("badLength", `batchLength ${batchLength} at ${pos}`);
  }
  if (total > maxBatchBytes) {
    throw new RecordBatchError("tooLarge", `batch of ${total} bytes > ${maxBatchBytes}`);
  }
  if (total > left) {
    throw new RecordBatchError("truncated", `batch of ${total} bytes, ${left} left at ${pos}`);
  }
  return new BatchView(buf.subarray(pos, pos + total));
}

/** Header-level rules every stored batch obeys; CRC when `verifyCrc`. */
export function validateBatch(batch: BatchView, verifyCrc = true): void {
  if (verifyCrc && !batch.crcValid()) {
    throw new RecordBatchError(
      "badCrc",
      `crc ${batch.crc.toString(16)} != computed ${batch.computeCrc().toString(16)}`,
    );
  }
  batch.codec; // throws on an unknown codec id
  const count = batch.recordCount;
  if (count <= 0 || batch.lastOffsetDelta !== count - 1) {
    throw new RecordBatchError(
      "badCount",
      `recordCount ${count} with lastOffsetDelta ${batch.lastOffsetDelta}`,
    );
  }
  if (batch.codec === "none" && batch.recordsBytes.length < count * 7) {
    // The smallest record (empty key/value, no headers) takes 7 bytes.
    throw new RecordBatchError("badCount", `${count} records cannot fit in the batch`);
  }
}

/**
 * What Kafka refuses in a batch a client produced, beyond {@link validateBatch}: control batches
 * (only the broker writes those) and a producer id without a base sequence.
 */
export function checkClientBatch(batch: BatchView): void {
  if (batch.isControl) {
    throw new RecordBatchError("badRecord", "clients may not write control batches");
  }
  if (batch.producerId >= 0n && batch.baseSequence < 0) {
    throw new RecordBatchError(
      "badRecord",
      `producer id ${batch.producerId} with base sequence ${batch.baseSequence}`,
    );
  }
}

/**
 * Whether any v2 batch in a produce `records` blob is marked transactional. Walks the headers
 * only, so it is cheap on the produce path; a malformed tail is left to validation.
 */
export function hasTransactionalBatch(records: Uint8Array): boolean {
  const dv = writable(records);
  for (let at = 0; at + Field.attributes + 2 <= records.length;) {
    const isV2 = records[at + Field.magic] === 2;
    if (isV2 && (dv.getInt16(at + Field.attributes) & TRANSACTIONAL_BIT) !== 0) return true;
    const length = dv.getInt32(at + Field.batchLength);
    if (length <= 0) return false;
    at += BATCH_LENGTH_PREFIX_BYTES + length;
  }
  return false;
}

function writable(batch: Uint8Array): DataView {
  return new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
}

/** Sets `baseOffset` in place (not covered by the CRC). */
export function setBaseOffset(batch: Uint8Array, baseOffset: number): void {
  writable(batch).setBigInt64(Field.baseOffset, BigInt(baseOffset));
}

/** Sets `partitionLeaderEpoch` in place (not covered by the CRC). */
export function setPartitionLeaderEpoch(batch: Uint8Array, epoch: number): void {
  writable(batch).setInt32(Field.partitionLeaderEpoch, epoch);
}

/**
 * Marks the batch LogAppendTime with `maxTimestamp = timestampMs` and recomputes the CRC, as a
 * broker does for topics with `message.timestamp.type=LogAppendTime`.
 */
export function setLogAppendTime(batch: Uint8Array, timestampMs: number): void {
  const dv = writable(batch);
  dv.setInt16(Field.attributes, dv.getInt16(Field.attributes) | TIMESTAMP_TYPE_BIT);
  dv.setBigInt64(Field.maxTimestamp, BigInt(timestampMs));
  dv.setUint32(Field.crc, crc32c(batch.subarray(CRC_START)));
}

/**
 * Marks the batch CreateTime with `maxTimestamp` and recomputes the CRC, when either differs: the
 * header then agrees with its records whatever the client wrote there, as Kafka makes it.
 */
export function setCreateTime(batch: Uint8Array, maxTimestampMs: number): void {
  const dv = writable(batch);
  const attributes = dv.getInt16(Field.attributes);
  const max = BigInt(maxTimestampMs);
  if ((attributes & TIMESTAMP_TYPE_BIT) === 0 && dv.getBigInt64(Field.maxTimestamp) === max) return;
  dv.setInt16(Field.attributes, attributes & ~TIMESTAMP_TYPE_BIT);
  dv.setBigInt64(Field.maxTimestamp, max);
  dv.setUint32(Field.crc, crc32c(batch.subarray(CRC_START)));
}

/** Recomputes and stores the CRC (used by builders). */
export function sealCrc(batch: Uint8Array): void {
  writable(batch).setUint32(Field.crc, crc32c(batch.subarray(CRC_START)));
}

/** Attribute bits for a header, from its parts. */
export function encodeAttributes(parts: {
  codec?: Codec;
  timestampType?: TimestampType;
  transactional?: boolean;
  control?: boolean;
}): number {
  let a = CODECS.indexOf(parts.codec ?? "none");
  if (parts.timestampType === "logAppendTime") a |= TIMESTAMP_TYPE_BIT;
  if (parts.transactional) a |= TRANSACTIONAL_BIT;
  if (parts.control) a |= CONTROL_BIT;
  return a;
}
