/**
 * Records inside a v2 batch (varint-encoded, with headers): decode a batch's records, and build
 * whole batches from records, and walk a produced batch's records to validate them. The produce
 * path stores batches as sent, after that walk (and a corrected max timestamp).
 *
 * @module
 */

import {
  BATCH_HEADER_BYTES,
  type BatchView,
  type Codec,
  encodeAttributes,
  Field,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  sealCrc,
  type TimestampType,
} from "./batch.ts";
import { compress, decompress, DEFAULT_MAX_DECOMPRESSED_BYTES } from "./compression.ts";
import { RecordBatchError, type RecordError, RecordTimestampError } from "./errors.ts";
import { ByteSink, ByteSource } from "./_varint.ts";

export interface RecordHeader {
  readonly key: string;
  readonly value: Uint8Array | null;
}

/** One record as a client sees it (offsets and timestamps absolute). */
export interface KafkaRecord {
  readonly offset: number;
  readonly timestampMs: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
}

/** A record to put into a new batch. */
export interface RecordInput {
  readonly key?: Uint8Array | null;
  readonly value?: Uint8Array | null;
  readonly headers?: readonly RecordHeader[];
  /** Defaults to the batch's base timestamp. */
  readonly timestampMs?: number;
}

export interface BuildBatchOptions {
  readonly baseOffset?: number;
  readonly partitionLeaderEpoch?: number;
  readonly codec?: Codec;
  readonly timestampType?: TimestampType;
  readonly transactional?: boolean;
  readonly control?: boolean;
  /** Base timestamp; defaults to the first record's timestamp or 0. */
  readonly baseTimestampMs?: number;
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function encodeRecord(sink: ByteSink, r: RecordInput, offsetDelta: number, tsDelta: number) {
  const body = new ByteSink(64);
  body.byte(0); // record attributes: unused
  body.varint(tsDelta);
  body.varint(offsetDelta);
  writeNullable(body, r.key ?? null);
  writeNullable(body, r.value ?? null);
  const headers = r.headers ?? [];
  body.varint(headers.length);
  for (const h of headers) {
    const k = textEncoder.encode(h.key);
    body.varint(k.length);
    body.bytes(k);
    writeNullable(body, h.value);
  }
  const bytes = body.result();
  sink.varint(bytes.length);
  sink.bytes(bytes);
}

function writeNullable(sink: ByteSink, b: Uint8Array | null): void {
  if (b === null) {
    sink.varint(-1);
  } else {
    sink.varint(b.length);
    sink.bytes(b);
  }
}

/** Builds a complete, CRC-sealed v2 batch. At least one record. */
export function buildBatch(records: readonly RecordInput[], o: BuildBatchOptions = {}): Uint8Array {
  if (records.length === 0) throw new RangeError("a batch holds at least one record");
  const baseTs = o.baseTimestampMs ?? records[0]!.timestampMs ?? 0;
  let maxTs = -Infinity;
  const body = new ByteSink(256);
  records.forEach((r, i) => {
    const ts = r.timestampMs ?? baseTs;
    if (ts > maxTs) maxTs = ts;
    encodeRecord(body, r, i, ts - baseTs);
  });
  const codec = o.codec ?? "none";
  const payload = compress(codec, body.result());
  const out = new Uint8Array(BATCH_HEADER_BYTES + payload.length);
  const dv = new DataView(out.buffer);
  dv.setBigInt64(Field.baseOffset, BigInt(o.baseOffset ?? 0));
  dv.setInt32(Field.batchLength, out.length - 12);
  dv.setInt32(Field.partitionLeaderEpoch, o.partitionLeaderEpoch ?? -1);
  dv.setInt8(Field.magic, 2);
  dv.setInt16(
    Field.attributes,
    encodeAttributes({
      codec,
      timestampType: o.timestampType ?? "createTime",
      transactional: o.transactional ?? false,
      control: o.control ?? false,
    }),
  );
  dv.setInt32(Field.lastOffsetDelta, records.length - 1);
  dv.setBigInt64(Field.baseTimestamp, BigInt(baseTs));
  dv.setBigInt64(Field.maxTimestamp, BigInt(maxTs));
  dv.setBigInt64(Field.producerId, o.producerId ?? NO_PRODUCER_ID);
  dv.setInt16(Field.producerEpoch, o.producerEpoch ?? -1);
  dv.setInt32(Field.baseSequence, o.baseSequence ?? NO_SEQUENCE);
  dv.setInt32(Field.recordCount, records.length);
  out.set(payload, BATCH_HEADER_BYTES);
  sealCrc(out);
  return out;
}

/**
 * Decodes every record of a batch (decompressing if needed, bounded by `maxDecompressedBytes`).
 * Strict: the record count, offset deltas and lengths must agree with the header. Under
 * LogAppendTime every record carries the batch's `maxTimestamp`, as Kafka clients report it.
 */
export function readRecords(
  batch: BatchView,
  maxDecompressedBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
): KafkaRecord[] {
  const data = decompress(batch.codec, batch.recordsBytes, maxDecompressedBytes);
  const src = new ByteSource(data);
  const count = batch.recordCount;
  const base = batch.baseOffset;
  const baseTs = batch.baseTimestamp;
  const appendTime = batch.timestampType === "logAppendTime" ? batch.maxTimestamp : null;
  const out: KafkaRecord[] = [];
  for (let i = 0; i < count; i++) {
    const len = src.varint();
    if (len <= 0 || src.pos + len > data.length) {
      throw new RecordBatchError("badRecord", `record ${i} length ${len}`);
    }
    const rec = new ByteSource(data, src.pos + len);
    rec.pos = src.pos;
    rec.byte(); // attributes
    const tsDelta = rec.varint();
    const offsetDelta = rec.varint();
    if (offsetDelta < 0 || offsetDelta > batch.lastOffsetDelta) {
      throw new RecordBatchError("badRecord", `record ${i} offsetDelta ${offsetDelta}`);
    }
    const key = readNullable(rec);
    const value = readNullable(rec);
    const headerCount = rec.varint();
    if (headerCount < 0 || headerCount > len) {
      throw new RecordBatchError("badRecord", `record ${i} header count ${headerCount}`);
    }
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const kLen = rec.varint();
      const k = textDecoder.decode(rec.bytes(kLen));
      headers.push({ key: k, value: readNullable(rec) });
    }
    if (rec.pos !== rec.end) {
      throw new RecordBatchError("badRecord", `record ${i} has ${rec.end - rec.pos} extra bytes`);
    }
    src.pos = rec.end;
    out.push({
      offset: base + offsetDelta,
      timestampMs: appendTime ?? baseTs + tsDelta,
      key,
      value,
      headers,
    });
  }
  if (src.pos !== data.length) {
    throw new RecordBatchError("badRecord", `${data.length - src.pos} bytes after the last record`);
  }
  return out;
}

export interface RecordWalkOptions {
  /** Bound on a compressed batch's records once decompressed. */
  readonly maxDecompressedBytes?: number;
  /** Accepted CreateTime record timestamps, inclusive (ms); records stamped -1 are not checked. */
  readonly timestamps?: { readonly min: number; readonly max: number };
  /** Records outside `timestamps` named in the error at most (default 1,000). */
  readonly maxRecordErrors?: number;
}

/**
 * Walks every record of a batch a client produced, decompressing it if needed, as Kafka's
 * validator does before a batch is stored: each record's length, varints, key, value and
 * headers must fit, offset deltas run 0..count-1, and no bytes follow the last record. So no
 * consumer is ever served a batch it cannot read. Allocates nothing per record.
 *
 * Returns the largest record timestamp (base timestamp + delta), -1 when every record has -1.
 * Throws {@link RecordBatchError} (INVALID_RECORD, or CORRUPT_MESSAGE for a stream that does not
 * decompress) and {@link RecordTimestampError} naming the records outside `timestamps`.
 */
export function walkRecords(batch: BatchView, o: RecordWalkOptions = {}): number {
  const data = decompress(
    batch.codec,
    batch.recordsBytes,
    o.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
  );
  return walkDecoded(batch, data, o);
}

/**
 * {@link walkRecords} within a budget of main-thread work: undefined, having done at most
 * `budgetBytes` of decompression and no walking, when the batch's records are larger than
 * `budgetBytes` stored or decompressed. A stream that does not decompress within the budget is
 * undefined too: only the whole bound tells an oversized batch from a corrupt one, so the caller
 * hands both to a worker ({@link RecordWalkPool}), which answers with the same errors.
 */
export function walkRecordsWithin(
  batch: BatchView,
  budgetBytes: number,
  o: RecordWalkOptions = {},
): number | undefined {
  const bound = o.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (batch.recordsBytes.length > budgetBytes) return undefined;
  if (batch.codec === "none" || budgetBytes >= bound) return walkRecords(batch, o);
  let data;
  try {
    data = decompress(batch.codec, batch.recordsBytes, budgetBytes);
  } catch (e) {
    if (e instanceof RecordBatchError) return undefined;
    throw e;
  }
  return walkDecoded(batch, data, o);
}

function walkDecoded(batch: BatchView, data: Uint8Array, o: RecordWalkOptions): number {
  const src = new ByteSource(data);
  const count = batch.recordCount;
  const baseTs = batch.baseTimestamp;
  const window = o.timestamps;
  const maxErrors = o.maxRecordErrors ?? 1_000;
  let maxTs = -1;
  let refused: RecordError[] | undefined;
  for (let i = 0; i < count; i++) {
    src.end = data.length;
    const len = src.varint();
    if (len <= 0 || src.pos + len > data.length) {
      throw new RecordBatchError("badRecord", `record ${i} length ${len}`);
    }
    src.end = src.pos + len;
    src.byte(); // attributes: none defined for v2 records
    const ts = baseTs + src.varint();
    const offsetDelta = src.varint();
    if (offsetDelta !== i) {
      throw new RecordBatchError("badRecord", `record ${i} has offset delta ${offsetDelta}`);
    }
    skipNullable(src); // key
    skipNullable(src); // value
    const headers = src.varint();
    if (headers < 0) throw new RecordBatchError("badRecord", `record ${i} header count ${headers}`);
    for (let h = 0; h < headers; h++) {
      src.bytes(src.varint()); // key: never null
      skipNullable(src);
    }
    if (src.pos !== src.end) {
      throw new RecordBatchError("badRecord", `record ${i} has ${src.end - src.pos} extra bytes`);
    }
    if (ts > maxTs) maxTs = ts;
    if (window !== undefined && ts !== -1 && (ts < window.min || ts > window.max)) {
      refused ??= [];
      if (refused.length < maxErrors) {
        refused.push({
          batchIndex: i,
          message: `timestamp ${ts} of record ${i} is outside [${window.min}, ${window.max}]`,
        });
      }
    }
  }
  if (src.pos !== data.length) {
    throw new RecordBatchError("badRecord", `${data.length - src.pos} bytes after the last record`);
  }
  if (refused !== undefined) throw new RecordTimestampError(refused);
  return maxTs;
}

function skipNullable(src: ByteSource): void {
  const n = src.varint();
  if (n !== -1) src.bytes(n);
}

function readNullable(src: ByteSource): Uint8Array | null {
  const n = src.varint();
  if (n === -1) return null;
  return src.bytes(n);
}
