/**
 * Producer snapshots: `<offset>.snapshot` holds the idempotent-producer state after every batch
 * below `offset`, so opening a log replays batch headers from the latest snapshot instead of from
 * the log's first byte. The log writes one when it rolls a segment (offset = the new segment's
 * base) and at clean close (offset = the log end), each after the bytes below it are synced.
 *
 * A snapshot is derived data: a missing or damaged one only means a longer replay. The log keeps
 * it true by deleting every snapshot above the log end whenever the log end moves back (a cut
 * tail on open, a suffix truncation), before offsets there can be written again.
 *
 * Format, big-endian: magic `CHRNPSv3`, offset (i64), producer count (u32), then per producer,
 * least recently updated first: producer id (i64), epoch (i16), last offset (i64), last timestamp
 * (i64), batch count (u8, at most 5), and per batch first sequence (i32), last sequence (i32),
 * first offset (i64), last offset (i64), max timestamp (i64); last, a CRC32C (u32) of everything
 * before it. Older formats are read too: `CHRNPSv2` has no last timestamp per producer (it is
 * taken from the last batch when that batch ends at the last offset, else it is the reader's
 * `unstampedMs`); `CHRNPSv1` has neither that nor max timestamps (-1 for each batch's, and
 * `unstampedMs` for the producer's).
 *
 * @module
 */

import { crc32c } from "../kafka/records/mod.ts";
import { type Disk, joinPath } from "./disk.ts";
import {
  BATCHES_PER_PRODUCER,
  type ProducerSnapshotEntry,
  type SequenceRange,
} from "./producer_state.ts";

export const SNAPSHOT_NAME = /^(\d{20})\.snapshot$/;

const MAGIC = new TextEncoder().encode("CHRNPSv3");
const MAGIC_V2 = new TextEncoder().encode("CHRNPSv2");
const MAGIC_V1 = new TextEncoder().encode("CHRNPSv1");
const HEAD_BYTES = MAGIC.length + 8 + 4;
const PRODUCER_BYTES = 8 + 2 + 8 + 8 + 1;
const PRODUCER_BYTES_V2 = 8 + 2 + 8 + 1;
const RANGE_BYTES = 4 + 4 + 8 + 8 + 8;
const RANGE_BYTES_V1 = 4 + 4 + 8 + 8;

export function snapshotName(offset: number): string {
  return `${String(offset).padStart(20, "0")}.snapshot`;
}

/** The snapshot's bytes for `entries` (oldest first) at `offset`. */
export function encodeSnapshot(
  offset: number,
  entries: Iterable<ProducerSnapshotEntry>,
): Uint8Array {
  const list = [...entries];
  let size = HEAD_BYTES + 4;
  for (const e of list) size += PRODUCER_BYTES + e.batches.length * RANGE_BYTES;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  let at = MAGIC.length;
  dv.setBigInt64(at, BigInt(offset));
  dv.setUint32(at + 8, list.length);
  at = HEAD_BYTES;
  for (const e of list) {
    dv.setBigInt64(at, e.producerId);
    dv.setInt16(at + 8, e.epoch);
    dv.setBigInt64(at + 10, BigInt(e.lastOffset));
    dv.setBigInt64(at + 18, BigInt(e.lastTimestamp));
    dv.setUint8(at + 26, e.batches.length);
    at += PRODUCER_BYTES;
    for (const r of e.batches) {
      dv.setInt32(at, r.firstSeq);
      dv.setInt32(at + 4, r.lastSeq);
      dv.setBigInt64(at + 8, BigInt(r.firstOffset));
      dv.setBigInt64(at + 16, BigInt(r.lastOffset));
      dv.setBigInt64(at + 24, BigInt(r.maxTimestamp));
      at += RANGE_BYTES;
    }
  }
  dv.setUint32(at, crc32c(out.subarray(0, at)));
  return out;
}

/**
 * The producers a snapshot holds, oldest first, or why it cannot be used: wrong magic, offset or
 * CRC, or lengths that do not add up. `unstampedMs` stands in for a producer's last timestamp
 * that an older format does not give (the load time, so it expires one period after the upgrade).
 */
export function decodeSnapshot(
  offset: number,
  bytes: Uint8Array,
  unstampedMs: number,
): ProducerSnapshotEntry[] | string {
  if (bytes.length < HEAD_BYTES + 4) return `${bytes.length} bytes is too short`;
  const is = (magic: Uint8Array) => magic.every((b, i) => bytes[i] === b);
  const version = is(MAGIC) ? 3 : is(MAGIC_V2) ? 2 : is(MAGIC_V1) ? 1 : 0;
  if (version === 0) return "bad magic";
  const producerBytes = version === 3 ? PRODUCER_BYTES : PRODUCER_BYTES_V2;
  const countAt = producerBytes - 1;
  const rangeBytes = version === 1 ? RANGE_BYTES_V1 : RANGE_BYTES;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const body = bytes.length - 4;
  if (dv.getUint32(body) !== crc32c(bytes.subarray(0, body))) return "bad CRC";
  const at0 = Number(dv.getBigInt64(MAGIC.length));
  if (at0 !== offset) return `holds offset ${at0}, named ${offset}`;
  const count = dv.getUint32(MAGIC.length + 8);
  const entries: ProducerSnapshotEntry[] = [];
  let at = HEAD_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + producerBytes > body) return "truncated producer";
    const n = dv.getUint8(at + countAt);
    if (n > BATCHES_PER_PRODUCER || at + producerBytes + n * rangeBytes > body) {
      return `bad batch count ${n}`;
    }
    const batches: SequenceRange[] = [];
    for (let j = 0, r = at + producerBytes; j < n; j++, r += rangeBytes) {
      batches.push({
        firstSeq: dv.getInt32(r),
        lastSeq: dv.getInt32(r + 4),
        firstOffset: Number(dv.getBigInt64(r + 8)),
        lastOffset: Number(dv.getBigInt64(r + 16)),
        maxTimestamp: version === 1 ? -1 : Number(dv.getBigInt64(r + 24)),
      });
    }
    const lastOffset = Number(dv.getBigInt64(at + 10));
    const last = batches[batches.length - 1];
    const lastTimestamp = version === 3
      ? Number(dv.getBigInt64(at + 18))
      : version === 2 && last?.lastOffset === lastOffset
      ? last.maxTimestamp
      : unstampedMs;
    entries.push({
      producerId: dv.getBigInt64(at),
      epoch: dv.getInt16(at + 8),
      lastOffset,
      lastTimestamp,
      batches,
    });
    at += producerBytes + n * rangeBytes;
  }
  return at === body ? entries : `${body - at} bytes after the last producer`;
}

/**
 * Writes the snapshot at `offset` to a temp file, syncs it and renames it into place. The
 * caller syncs the directory (a roll does so once for the new segment and the snapshot).
 */
export async function writeSnapshot(
  disk: Disk,
  dir: string,
  offset: number,
  entries: Iterable<ProducerSnapshotEntry>,
): Promise<void> {
  const name = joinPath(dir, snapshotName(offset));
  const tmp = name + ".tmp";
  const f = await disk.open(tmp, { create: true });
  try {
    await f.truncate(0);
    await f.write(0, encodeSnapshot(offset, entries));
    await f.sync();
  } finally {
    f.close();
  }
  await disk.rename(tmp, name);
}

/**
 * The snapshot at `offset`, or why it cannot be used (a missing file included); `unstampedMs` as
 * {@link decodeSnapshot} takes it.
 */
export async function readSnapshot(
  disk: Disk,
  dir: string,
  offset: number,
  maxBytes: number,
  unstampedMs: number,
): Promise<ProducerSnapshotEntry[] | string> {
  let f;
  try {
    f = await disk.open(joinPath(dir, snapshotName(offset)));
  } catch (e) {
    return `cannot open: ${e instanceof Error ? e.message : e}`;
  }
  try {
    const size = await f.size();
    if (size > maxBytes) return `${size} bytes is over the bound of ${maxBytes}`;
    return decodeSnapshot(offset, await f.read(0, size), unstampedMs);
  } finally {
    f.close();
  }
}

/** Bytes of a snapshot of `producers` producers at most: the bound `readSnapshot` checks. */
export function maxSnapshotBytes(producers: number): number {
  return HEAD_BYTES + 4 + producers * (PRODUCER_BYTES + BATCHES_PER_PRODUCER * RANGE_BYTES);
}
