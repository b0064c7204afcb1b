// Walks the batches of a segment file between two byte positions, in bounded chunks.

import {
  BATCH_HEADER_BYTES,
  BatchView,
  checkFraming,
  RecordBatchError,
  validateBatch,
} from "../kafka/records/mod.ts";
import type { DiskFile } from "./disk.ts";

export interface ScanOptions {
  /** Bytes per read. */
  readonly chunkBytes: number;
  /** Largest batch considered sane; a bigger length field counts as corruption. */
  readonly maxBatchBytes: number;
  /** Check each batch's CRC (reads whole batches); otherwise only headers are needed. */
  readonly verifyCrc: boolean;
  /**
   * Chunks are read into this (at least `chunkBytes` long) instead of new arrays; a batch's
   * `view` is then valid only during its `onBatch` call.
   */
  readonly buffer?: Uint8Array;
}

export interface ScannedBatch {
  readonly position: number;
  readonly sizeBytes: number;
  /** Whole batch when `verifyCrc`, else at least the 61-byte header. */
  readonly view: BatchView;
}

export interface ScanResult {
  /** Position after the last good batch. */
  readonly endPosition: number;
  /** Why the scan stopped before `to`, if it did for a bad batch. */
  readonly error: string | null;
}

/**
 * Calls `onBatch` for each batch from `from` until `to` or until it returns false. Stops at the
 * first torn or corrupt batch and reports it.
 */
export async function scanBatches(
  file: DiskFile,
  from: number,
  to: number,
  o: ScanOptions,
  onBatch: (b: ScannedBatch) => boolean | void,
): Promise<ScanResult> {
  let pos = from;
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkStart = from;
  while (pos < to) {
    let rel = pos - chunkStart;
    if (chunk.length - rel < BATCH_HEADER_BYTES) {
      chunk = await file.read(pos, Math.min(o.chunkBytes, to - pos), o.buffer);
      chunkStart = pos;
      rel = 0;
      if (chunk.length < BATCH_HEADER_BYTES) {
        return { endPosition: pos, error: `torn header: ${chunk.length} bytes at ${pos}` };
      }
    }
    const dv = new DataView(chunk.buffer, chunk.byteOffset + rel, 12);
    const total = dv.getInt32(8) + 12;
    if (total < BATCH_HEADER_BYTES || total > o.maxBatchBytes || pos + total > to) {
      return { endPosition: pos, error: `bad or torn batch length ${total} at ${pos}` };
    }
    let bytes: Uint8Array;
    if (chunk.length - rel >= total) {
      bytes = chunk.subarray(rel, rel + total);
    } else if (o.verifyCrc) {
      bytes = await file.read(pos, total);
      if (bytes.length < total) return { endPosition: pos, error: `torn batch at ${pos}` };
    } else {
      bytes = chunk.subarray(rel, rel + BATCH_HEADER_BYTES);
    }
    let view: BatchView;
    try {
      if (bytes.length === total) {
        view = checkFraming(bytes, 0, o.maxBatchBytes);
        validateBatch(view, o.verifyCrc);
      } else {
        view = new BatchView(bytes);
        if (view.magic !== 2) throw new RecordBatchError("badMagic", `magic ${view.magic}`);
      }
    } catch (e) {
      if (!(e instanceof RecordBatchError)) throw e;
      return { endPosition: pos, error: `${e.message} at ${pos}` };
    }
    if (onBatch({ position: pos, sizeBytes: total, view }) === false) {
      return { endPosition: pos, error: null };
    }
    pos += total;
    if (pos - chunkStart >= chunk.length) {
      chunk = new Uint8Array(0);
      chunkStart = pos;
    }
  }
  return { endPosition: pos, error: null };
}
