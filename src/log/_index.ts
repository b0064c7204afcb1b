/**
 * Sparse indexes of sealed segments and the cache that bounds their memory. A sealed segment's
 * index is kept as the bytes of its `.index` and `.timeindex` files and searched in place; the
 * least recently used are dropped past the cache's bound and read back from the files on next
 * use. An index only narrows where a scan starts, so a segment without one is still read
 * correctly, from its first byte.
 *
 * @module
 */

export const OFFSET_ENTRY_BYTES = 8;
export const TIME_ENTRY_BYTES = 12;

/**
 * The largest i in [0, n) for which `holds(i)`, or -1: a binary search, so `holds` must be true
 * on a prefix of the range and false after it.
 */
export function lastWhere(n: number, holds: (i: number) => boolean): number {
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (holds(mid)) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Lookups a segment's index answers (see `Segment.floor` and `Segment.timeLookup`). */
export interface IndexView {
  /**
   * The last entry at or before `offset`, as (its offset, its byte position): where a scan for
   * `offset` starts, and the offset the batch there must begin at. (base offset, 0) when none.
   */
  floor(offset: number): readonly [offset: number, position: number];
  /** An offset to start scanning from for the first batch with maxTimestamp >= `ts`. */
  timeLookup(ts: number): number;
}

/**
 * The index of a sealed segment: `.index` entries are (offset - base: u32, position: u32),
 * `.timeindex` entries (stamp: i64, offset - base: u32), both big-endian and ascending.
 */
export class SealedIndex implements IndexView {
  readonly #offsets: DataView;
  readonly #times: DataView;
  readonly entries: number;

  constructor(readonly baseOffset: number, idx: Uint8Array, tix: Uint8Array) {
    this.entries = Math.min(
      Math.floor(idx.length / OFFSET_ENTRY_BYTES),
      Math.floor(tix.length / TIME_ENTRY_BYTES),
    );
    this.#offsets = new DataView(idx.buffer, idx.byteOffset, idx.length);
    this.#times = new DataView(tix.buffer, tix.byteOffset, tix.length);
  }

  /** Memory the index holds. */
  get bytes(): number {
    return this.#offsets.byteLength + this.#times.byteLength;
  }

  floor(offset: number): readonly [number, number] {
    const rel = offset - this.baseOffset;
    const found = lastWhere(
      this.entries,
      (i) => this.#offsets.getUint32(i * OFFSET_ENTRY_BYTES) <= rel,
    );
    if (found < 0) return [this.baseOffset, 0];
    const at = found * OFFSET_ENTRY_BYTES;
    return [this.baseOffset + this.#offsets.getUint32(at), this.#offsets.getUint32(at + 4)];
  }

  timeLookup(ts: number): number {
    // Largest entry whose stamp is below ts: all batches before it are too old.
    const found = lastWhere(this.entries, (i) => this.#stamp(i) < ts);
    return found < 0
      ? this.baseOffset
      : this.baseOffset + this.#times.getUint32(found * TIME_ENTRY_BYTES + 8);
  }

  /** Entry i as (offset, position, stamp). */
  entry(i: number): [number, number, number] {
    return [
      this.baseOffset + this.#offsets.getUint32(i * OFFSET_ENTRY_BYTES),
      this.#offsets.getUint32(i * OFFSET_ENTRY_BYTES + 4),
      this.#stamp(i),
    ];
  }

  /**
   * Whether the entries can describe a segment of `fileBytes` bytes: offsets above the base and
   * positions inside the file, both ascending, stamps not descending, and the time index naming
   * the offset index's offsets. Whether each position holds the batch of its offset is checked
   * where a scan starts from it (`Segment.scanFrom`): that would take a read per entry here.
   */
  fits(fileBytes: number): boolean {
    // Runs when a fetch first needs the index (262,144 entries for 1 GiB): no allocation.
    let rel = 0;
    let position = 0;
    let stamp = -1;
    for (let i = 0; i < this.entries; i++) {
      const r = this.#offsets.getUint32(i * OFFSET_ENTRY_BYTES);
      const p = this.#offsets.getUint32(i * OFFSET_ENTRY_BYTES + 4);
      const s = this.#stamp(i);
      if (r <= rel || p <= position || p >= fileBytes) return false;
      if (this.#times.getUint32(i * TIME_ENTRY_BYTES + 8) !== r || s < stamp) return false;
      rel = r;
      position = p;
      stamp = s;
    }
    return true;
  }

  #stamp(i: number): number {
    const at = i * TIME_ENTRY_BYTES;
    return this.#times.getInt32(at) * 2 ** 32 + this.#times.getUint32(at + 4);
  }
}

/** What the cache can drop. */
export interface IndexHolder {
  /** Forgets the index; the next lookup reads it back from the files. */
  dropIndex(): void;
}

/** Sealed indexes in memory, least recently used first, within `maxBytes` in all. */
export class IndexCache {
  readonly #held = new Map<IndexHolder, number>();
  #bytes = 0;
  #loads = 0;

  /**
   * @param onChange told the bytes held after every change, and whether the change read an
   *   index back from its files (the metrics)
   */
  constructor(
    readonly maxBytes: number,
    readonly onChange?: (bytes: number, loaded: boolean) => void,
  ) {
    if (!(Number.isInteger(maxBytes) && maxBytes >= 0)) {
      throw new RangeError(`index cache bound must be an integer >= 0, got ${maxBytes}`);
    }
  }

  /** Bytes of the indexes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Indexes read back from files since start (each a miss). */
  get loads(): number {
    return this.#loads;
  }

  /** Counts `holder`'s index as most recently used, dropping the oldest past the bound. */
  add(holder: IndexHolder, bytes: number, loaded: boolean): void {
    if (loaded) this.#loads++;
    this.delete(holder);
    this.#held.set(holder, bytes);
    this.#bytes += bytes;
    for (const [h, b] of this.#held) {
      if (this.#bytes <= this.maxBytes) break;
      this.#held.delete(h);
      this.#bytes -= b;
      h.dropIndex();
    }
    this.onChange?.(this.#bytes, loaded);
  }

  touch(holder: IndexHolder): void {
    const b = this.#held.get(holder);
    if (b === undefined) return;
    this.#held.delete(holder);
    this.#held.set(holder, b);
  }

  delete(holder: IndexHolder): void {
    const b = this.#held.get(holder);
    if (b === undefined) return;
    this.#held.delete(holder);
    this.#bytes -= b;
    this.onChange?.(this.#bytes, false);
  }
}
