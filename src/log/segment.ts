/**
 * One segment: `<20-digit base offset>.log` with its sparse `.index` (relative offset → byte
 * position) and `.timeindex` (timestamp → relative offset). Indexes live in arrays while the
 * segment is active and are written out when it is sealed or the log closes. A sealed segment
 * keeps its index as the files' bytes, in an {@link IndexCache} that may drop it; the next
 * lookup reads it back.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { BatchView } from "../kafka/records/mod.ts";
import { type Disk, type DiskFile, joinPath } from "./disk.ts";
import {
  type IndexCache,
  type IndexHolder,
  type IndexView,
  lastWhere,
  OFFSET_ENTRY_BYTES,
  SealedIndex,
  TIME_ENTRY_BYTES,
} from "./_index.ts";
import { scanBatches, type ScannedBatch, type ScanOptions, type ScanResult } from "./_scan.ts";

const logger = getLogger(["chronik", "log"]);

export function segmentName(baseOffset: number, ext: "log" | "index" | "timeindex"): string {
  return `${String(baseOffset).padStart(20, "0")}.${ext}`;
}

export const SEGMENT_NAME = /^(\d{20})\.(log|index|timeindex)$/;

export class Segment implements IndexView, IndexHolder {
  /** Bytes in the `.log` file that belong to the log (the file is never longer after recovery). */
  sizeBytes = 0;
  /** Offset after the last batch; `baseOffset` while empty. */
  nextOffset: number;
  /** Largest batch maxTimestamp, -1 while empty. */
  maxTimestamp = -1;
  /** Last offset of the first batch holding `maxTimestamp`; -1 while empty or unknown. */
  maxTimestampOffset = -1;
  /**
   * The live index, while the segment is active: ascending absolute offsets, their byte
   * positions, and stamps. Entry i also says every batch before `#offsets[i]` has a
   * maxTimestamp of at most `#stamps[i]`; stamps ascend too. Empty once sealed.
   */
  #offsets: number[] = [];
  #positions: number[] = [];
  #stamps: number[] = [];
  #bytesSinceIndex = 0;
  #isSealed = false;
  /** The sealed index while in memory; null while active, or once the cache dropped it. */
  #sealed: SealedIndex | null = null;
  #loading: Promise<SealedIndex> | null = null;
  /** In-flight readers; a removed segment closes when the last one leaves. */
  #pins = 0;
  #removed = false;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    readonly file: DiskFile,
    readonly createdMs: number,
    readonly indexIntervalBytes: number,
    readonly indexCache: IndexCache,
  ) {
    this.nextOffset = baseOffset;
  }

  get name(): string {
    return segmentName(this.baseOffset, "log");
  }

  get isEmpty(): boolean {
    return this.sizeBytes === 0;
  }

  static async open(
    disk: Disk,
    dir: string,
    baseOffset: number,
    o: { create: boolean; nowMs: number; indexIntervalBytes: number; indexCache: IndexCache },
  ): Promise<Segment> {
    const file = await disk.open(joinPath(dir, segmentName(baseOffset, "log")), {
      create: o.create,
    });
    return new Segment(dir, baseOffset, file, o.nowMs, o.indexIntervalBytes, o.indexCache);
  }

  get isSealed(): boolean {
    return this.#isSealed;
  }

  /** Notes a batch just written at `position` (offsets already final). */
  noteBatch(view: BatchView, position: number, sizeBytes: number): void {
    if (position !== this.sizeBytes) {
      throw new Error(`segment ${this.name}: batch at ${position}, expected ${this.sizeBytes}`);
    }
    if (position > 0 && this.#bytesSinceIndex >= this.indexIntervalBytes) {
      this.#offsets.push(view.baseOffset);
      this.#positions.push(position);
      this.#stamps.push(this.maxTimestamp);
      this.#bytesSinceIndex = 0;
    }
    this.#bytesSinceIndex += sizeBytes;
    this.sizeBytes = position + sizeBytes;
    this.nextOffset = view.nextOffset;
    if (view.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = view.maxTimestamp;
      this.maxTimestampOffset = view.lastOffset;
    }
  }

  /** The last entry at or before `offset` as (offset, position) (live index only). */
  floor(offset: number): readonly [number, number] {
    const i = lastWhere(this.#offsets.length, (j) => this.#offsets[j]! <= offset);
    return i < 0 ? [this.baseOffset, 0] : [this.#offsets[i]!, this.#positions[i]!];
  }

  /** An offset to start scanning from for the first batch with maxTimestamp >= `ts` (live). */
  timeLookup(ts: number): number {
    // Largest entry whose stamp is below ts: all batches before it are too old.
    const found = lastWhere(this.#stamps.length, (j) => this.#stamps[j]! < ts);
    return found < 0 ? this.baseOffset : this.#offsets[found]!;
  }

  /**
   * The index to search: the live one while active; once sealed, the cached one, read back from
   * the index files if the cache dropped it. Index files that cannot be read, or do not fit the
   * segment, are rebuilt from it and rewritten (a warning); if that fails too, an empty index
   * (lookups then scan from the segment's start).
   */
  index(disk: Disk): IndexView | Promise<IndexView> {
    return this.#isSealed ? this.#sealedIndex(disk) : this;
  }

  #sealedIndex(disk: Disk): SealedIndex | Promise<SealedIndex> {
    if (this.#sealed !== null) {
      this.indexCache.touch(this);
      return this.#sealed;
    }
    return this.#loadSealed(disk, false);
  }

  /** Reads the sealed index back from its files, or with `rebuild` from the batch headers. */
  #loadSealed(disk: Disk, rebuild: boolean): Promise<SealedIndex> {
    this.#loading ??= this.#load(disk, rebuild).finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  async #load(disk: Disk, rebuild: boolean): Promise<SealedIndex> {
    let ix = rebuild ? null : await readIndexFiles(disk, this.dir, this.baseOffset);
    if (ix === null || !ix.fits(this.sizeBytes)) {
      if (!rebuild) {
        logger.warn("{dir}/{segment}: index files unreadable or unsound; rebuilding them", {
          dir: this.dir,
          segment: this.name,
        });
      }
      ix = await this.#reindex(disk);
    }
    if (this.#isSealed && !this.#removed) {
      this.#sealed = ix;
      this.indexCache.add(this, ix.bytes, true);
    }
    return ix;
  }

  /**
   * A sealed segment's index built again from its batch headers and written to its files (as
   * recovery does for a segment it scans). The segment itself is not touched: readers may be
   * using it. Empty if the scan fails.
   */
  async #reindex(disk: Disk): Promise<SealedIndex> {
    const fresh = await this.#scanIndex(this.sizeBytes);
    if (fresh === null) {
      return new SealedIndex(this.baseOffset, new Uint8Array(0), new Uint8Array(0));
    }
    const [idx, tix] = fresh.#encode();
    if (!this.#removed) await this.#writeFiles(disk, idx, tix);
    return new SealedIndex(this.baseOffset, idx, tix);
  }

  /**
   * A scratch segment holding the live index appends would have built for the batches in the
   * first `size` bytes, read from their headers; null, with a warning, if the scan fails.
   */
  async #scanIndex(size: number): Promise<Segment | null> {
    const fresh = new Segment(
      this.dir,
      this.baseOffset,
      this.file,
      this.createdMs,
      this.indexIntervalBytes,
      this.indexCache,
    );
    // No batch can be longer than the segment; only headers are read.
    const scan = { chunkBytes: 1024 * 1024, maxBatchBytes: size, verifyCrc: false };
    const r = await scanBatches(this.file, 0, size, scan, (b) => {
      fresh.noteBatch(b.view, b.position, b.sizeBytes);
    });
    if (r.error === null) return fresh;
    logger.warn("{dir}/{segment}: index not rebuilt ({error}); reads scan it from its start", {
      dir: this.dir,
      segment: this.name,
      error: r.error,
    });
    return null;
  }

  /**
   * Scans batches as {@link scanBatches} does, from the indexed batch at or before the offset `at`
   * gives (`at` may compute it from the index). The batch at an index entry's position must
   * begin at the entry's offset. If it does not, or cannot be read, the entry is wrong (index
   * files damaged in a way `fits` cannot see): the index is rebuilt from the batch headers, with a
   * warning, and the scan starts over on the new one. What the second scan finds is returned as
   * it is, so a batch that is bad itself is still reported as corrupt.
   */
  async scanFrom(
    disk: Disk,
    at: number | ((index: IndexView) => number),
    scan: ScanOptions,
    onBatch: (b: ScannedBatch) => boolean | void,
  ): Promise<ScanResult> {
    for (let rebuilt = false;; rebuilt = true) {
      // From the segment's first batch no entry is needed (a sealed index is not read for it).
      const index = typeof at === "number" && at <= this.baseOffset ? null : await this.index(disk);
      const [offset, position] = index === null
        ? [this.baseOffset, 0]
        : index.floor(typeof at === "number" ? at : at(index));
      let named = true;
      const r = await scanBatches(this.file, position, this.sizeBytes, scan, (b) => {
        if (b.position === position && b.view.baseOffset !== offset) {
          named = false;
          return false;
        }
        return onBatch(b);
      });
      if (named && (r.error === null || r.endPosition > position)) return r;
      const error = r.error ?? `batch at ${position} does not begin at offset ${offset}`;
      // At position 0 no entry was used: the segment itself is bad.
      if (rebuilt || index === null || position === 0) return { endPosition: position, error };
      logger.warn(
        "{dir}/{segment}: index entry for offset {offset} is wrong ({error}); rebuilding",
        {
          dir: this.dir,
          segment: this.name,
          offset,
          error,
        },
      );
      await this.#rebuildIndex(disk, index);
    }
  }

  /**
   * Replaces `wrong`, the segment's index, by one built from the batch headers; nothing to do if
   * another caller has replaced it already.
   */
  async #rebuildIndex(disk: Disk, wrong: IndexView): Promise<void> {
    if (this.#isSealed) {
      await this.#loading; // a read of the files in flight ends first
      // (`wrong` is this segment when its live entries were found wrong before it was sealed.)
      if (wrong !== this && this.#sealed !== wrong && this.#sealed !== null) return;
      this.indexCache.delete(this);
      this.#sealed = null;
      await this.#loadSealed(disk, true);
      return;
    }
    const size = this.sizeBytes;
    const fresh = await this.#scanIndex(size);
    // Sealed meanwhile, its files came from the wrong entries; cut meanwhile, `fresh` may hold
    // entries past the cut. Either way, again.
    if (this.#isSealed || this.sizeBytes < size) return await this.#rebuildIndex(disk, wrong);
    // Entries appends added meanwhile lie at `size` or after, and were built from the batches.
    const kept = this.#positions.findIndex((p) => p >= size);
    const from = kept < 0 ? this.#positions.length : kept;
    // A failed scan leaves no entries below `size`: lookups there scan from the start.
    this.#offsets = [...(fresh === null ? [] : fresh.#offsets), ...this.#offsets.slice(from)];
    this.#positions = [...(fresh === null ? [] : fresh.#positions), ...this.#positions.slice(from)];
    this.#stamps = [...(fresh === null ? [] : fresh.#stamps), ...this.#stamps.slice(from)];
    if (size === this.sizeBytes && fresh !== null) this.#bytesSinceIndex = fresh.#bytesSinceIndex;
  }

  /** Seals the segment: writes its index files, then keeps their bytes as its index. */
  async seal(disk: Disk): Promise<void> {
    if (this.#isSealed) return;
    const [idx, tix] = this.#encode();
    await this.#writeFiles(disk, idx, tix);
    this.#sealAs(new SealedIndex(this.baseOffset, idx, tix));
  }

  #sealAs(ix: SealedIndex): void {
    this.#sealed = ix;
    this.#isSealed = true;
    this.#offsets = [];
    this.#positions = [];
    this.#stamps = [];
    this.indexCache.add(this, ix.bytes, false);
  }

  /** Makes a sealed segment active again (a suffix truncation reached it): a live index. */
  async unseal(disk: Disk): Promise<void> {
    if (!this.#isSealed) return;
    const ix = await this.#sealedIndex(disk);
    this.indexCache.delete(this);
    this.#isSealed = false;
    this.#sealed = null;
    for (let i = 0; i < ix.entries; i++) {
      const [offset, position, stamp] = ix.entry(i);
      this.#offsets.push(offset);
      this.#positions.push(position);
      this.#stamps.push(stamp);
    }
    this.#bytesSinceIndex = this.sizeBytes - (this.#positions.at(-1) ?? 0);
  }

  /** Called by the cache: forget the sealed index until the next lookup. */
  dropIndex(): void {
    this.#sealed = null;
  }

  /**
   * Rebuilds everything from the file by scanning from the start; with `verifyCrc` it stops at
   * the first bad batch and cuts the file there. `onBatch` sees each batch kept, in order (so a
   * caller can replay them without reading the file again).
   */
  async rebuild(scan: ScanOptions, onBatch?: (view: BatchView) => void): Promise<ScanResult> {
    this.#reset();
    const fileBytes = await this.file.size();
    // Offsets are contiguous (no compaction yet), which also catches a damaged baseOffset,
    // a field the CRC does not cover.
    let expected = this.baseOffset;
    const result = await scanBatches(this.file, 0, fileBytes, scan, (b) => {
      if (b.view.baseOffset !== expected) return false;
      expected = b.view.nextOffset;
      this.noteBatch(b.view, b.position, b.sizeBytes);
      onBatch?.(b.view);
    });
    const error = result.error ??
      (result.endPosition < fileBytes ? `offset out of sequence at ${result.endPosition}` : null);
    if (this.sizeBytes < fileBytes) await this.file.truncate(this.sizeBytes);
    return { endPosition: this.sizeBytes, error };
  }

  /**
   * Loads the index files written at seal time, then scans the tail after the last entry for
   * the segment's end and max timestamp. False when they are missing or do not fit the file.
   * `lazily` (a sealed segment) reads only their last entry and leaves the rest on disk until a
   * lookup needs it (checked then), so opening a log reads a few bytes per segment.
   */
  async loadIndexes(disk: Disk, scan: ScanOptions, lazily = false): Promise<boolean> {
    this.#reset();
    const fileBytes = await this.file.size();
    const ix = await readIndexFiles(disk, this.dir, this.baseOffset, lazily);
    if (ix === null || !ix.fits(fileBytes)) return false;
    const last = ix.entries > 0 ? ix.entry(ix.entries - 1) : null;
    if (!(await this.#scanTail(scan, fileBytes, last))) return false;
    if (lazily) this.#isSealed = true;
    else this.#sealAs(ix);
    return true;
  }

  /**
   * Scans from the last index entry (`last`: offset, position, stamp; null for none) to
   * `fileBytes` for the segment's end and max timestamp. False if the batch there is not the
   * entry's, or the scan stops short.
   */
  async #scanTail(
    scan: ScanOptions,
    fileBytes: number,
    last: readonly [number, number, number] | null,
  ): Promise<boolean> {
    const from = last?.[1] ?? 0;
    this.sizeBytes = from;
    this.maxTimestamp = last?.[2] ?? -1;
    this.maxTimestampOffset = -1;
    let ok = true;
    const r = await scanBatches(this.file, from, fileBytes, scan, (b) => {
      if (last !== null && b.position === from && b.view.baseOffset !== last[0]) {
        ok = false;
        return false;
      }
      this.#bytesSinceIndex = 0;
      this.sizeBytes = b.position;
      this.#noteTail(b.view, b.position + b.sizeBytes);
    });
    return ok && r.error === null && r.endPosition === fileBytes;
  }

  #noteTail(view: BatchView, end: number): void {
    this.sizeBytes = end;
    this.nextOffset = view.nextOffset;
    // Strictly greater: on a tie with an index stamp the earlier holder's offset stays unknown.
    if (view.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = view.maxTimestamp;
      this.maxTimestampOffset = view.lastOffset;
    }
  }

  /** Cuts the segment before the first batch whose last offset is >= `offset`. */
  async truncateTo(disk: Disk, offset: number, scan: ScanOptions): Promise<void> {
    let cut = this.sizeBytes;
    const found = await this.scanFrom(disk, offset, scan, (b) => {
      if (b.view.lastOffset >= offset) {
        cut = b.position;
        return false;
      }
    });
    // Cutting at a bad batch would keep bytes that cannot be read: fail instead.
    if (found.error !== null) {
      throw new Error(`segment ${this.name}: cannot truncate at ${offset}: ${found.error}`);
    }
    await this.file.truncate(cut);
    await this.file.sync();
    // Drop index entries at or past the cut, then re-derive the end and max timestamp.
    while (this.#positions.length && this.#positions.at(-1)! >= cut) {
      this.#positions.pop();
      this.#offsets.pop();
      this.#stamps.pop();
    }
    this.nextOffset = this.baseOffset;
    this.maxTimestampOffset = -1;
    const n = this.#positions.length;
    const last = n > 0
      ? [this.#offsets[n - 1]!, this.#positions[n - 1]!, this.#stamps[n - 1]!] as const
      : null;
    if (!(await this.#scanTail(scan, cut, last))) {
      throw new Error(`segment ${this.name}: tail unreadable after truncation at ${cut}`);
    }
    if (this.sizeBytes === 0) {
      this.maxTimestamp = -1;
      this.nextOffset = this.baseOffset;
    }
    this.#bytesSinceIndex = this.sizeBytes - (this.#positions.at(-1) ?? 0);
  }

  /** Writes both index files of the live index (whole) and syncs them. */
  async writeIndexes(disk: Disk): Promise<void> {
    if (this.#isSealed) return;
    const [idx, tix] = this.#encode();
    await this.#writeFiles(disk, idx, tix);
  }

  /** The live index as the bytes of its `.index` and `.timeindex` files. */
  #encode(): [Uint8Array, Uint8Array] {
    const n = this.#offsets.length;
    const idx = new Uint8Array(n * OFFSET_ENTRY_BYTES);
    const tix = new Uint8Array(n * TIME_ENTRY_BYTES);
    const idv = new DataView(idx.buffer);
    const tdv = new DataView(tix.buffer);
    for (let i = 0; i < n; i++) {
      const rel = this.#offsets[i]! - this.baseOffset;
      idv.setUint32(i * OFFSET_ENTRY_BYTES, rel);
      idv.setUint32(i * OFFSET_ENTRY_BYTES + 4, this.#positions[i]!);
      tdv.setBigInt64(i * TIME_ENTRY_BYTES, BigInt(this.#stamps[i]!));
      tdv.setUint32(i * TIME_ENTRY_BYTES + 8, rel);
    }
    return [idx, tix];
  }

  async #writeFiles(disk: Disk, idx: Uint8Array, tix: Uint8Array): Promise<void> {
    for (const [ext, bytes] of [["index", idx], ["timeindex", tix]] as const) {
      const f = await disk.open(joinPath(this.dir, segmentName(this.baseOffset, ext)), {
        create: true,
      });
      try {
        await f.truncate(0);
        await f.write(0, bytes);
        await f.sync();
      } finally {
        f.close();
      }
    }
  }

  /** Deletes the segment's files; the handle closes once no reader holds it. */
  async remove(disk: Disk): Promise<void> {
    this.#removed = true;
    this.indexCache.delete(this);
    this.#sealed = null;
    for (const ext of ["index", "timeindex", "log"] as const) {
      await disk.remove(joinPath(this.dir, segmentName(this.baseOffset, ext)));
    }
    if (this.#pins === 0) this.file.close();
  }

  /**
   * Marks a reader in flight: the file stays open, and readable even if retention removes it,
   * until {@link unpin}. Throws, pinning nothing, if the file cannot be held.
   */
  async pin(): Promise<void> {
    this.#pins++;
    try {
      await this.file.hold();
    } catch (e) {
      this.#leave();
      throw e;
    }
  }

  unpin(): void {
    this.file.release();
    this.#leave();
  }

  #leave(): void {
    this.#pins--;
    if (this.#pins === 0 && this.#removed) this.file.close();
  }

  close(): void {
    this.indexCache.delete(this);
    this.#sealed = null;
    if (this.#pins === 0) this.file.close();
    else this.#removed = true;
  }

  #reset(): void {
    this.indexCache.delete(this);
    this.#isSealed = false;
    this.#sealed = null;
    this.sizeBytes = 0;
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.maxTimestampOffset = -1;
    this.#offsets = [];
    this.#positions = [];
    this.#stamps = [];
    this.#bytesSinceIndex = 0;
  }
}

/**
 * A segment's index files as a {@link SealedIndex}, or with `lastOnly` their last entry alone (a
 * one-entry index; empty when the files are); null if either is missing or misshapen.
 */
async function readIndexFiles(
  disk: Disk,
  dir: string,
  baseOffset: number,
  lastOnly = false,
): Promise<SealedIndex | null> {
  const path = (ext: "index" | "timeindex") => joinPath(dir, segmentName(baseOffset, ext));
  const idx = await readEntries(disk, path("index"), OFFSET_ENTRY_BYTES, lastOnly);
  const tix = await readEntries(disk, path("timeindex"), TIME_ENTRY_BYTES, lastOnly);
  if (!idx || !tix || idx.entries !== tix.entries) return null;
  return new SealedIndex(baseOffset, idx.bytes, tix.bytes);
}

/** A file of whole `entryBytes` entries (or its last one) and their count; null if not so. */
async function readEntries(
  disk: Disk,
  path: string,
  entryBytes: number,
  lastOnly: boolean,
): Promise<{ bytes: Uint8Array; entries: number } | null> {
  let f: DiskFile;
  try {
    f = await disk.open(path);
  } catch {
    return null;
  }
  try {
    const size = await f.size();
    if (size % entryBytes !== 0) return null;
    const from = lastOnly ? Math.max(0, size - entryBytes) : 0;
    const bytes = await f.read(from, size - from);
    return bytes.length === size - from ? { bytes, entries: size / entryBytes } : null;
  } finally {
    f.close();
  }
}
