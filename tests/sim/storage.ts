/**
 * `LogStorage` over the simulated disk, with a bounded in-memory cache of entry pages. A page that
 * is not cached answers `unavailable` and starts a simulated disk read; once the read completes the
 * page is cached and the core's retry succeeds. Terms come from an always-resident index (like
 * Kafka's leader-epoch cache), so only entry payloads and snapshot data are ever cold.
 *
 * `answerEvictedWithEmpty` turns this into a deliberately broken storage that answers a cold range
 * with an empty list, the bug the simulator must catch (DESIGN decision 9).
 */

import type {
  ConfState,
  Entry,
  HardState,
  LogStorage,
  Snapshot,
  StorageResult,
} from "../../src/raft/types.ts";
import type { SimDisk } from "./disk.ts";

export interface StorageOptions {
  /** Entries per cache page (the unit of eviction and of a simulated read). */
  readonly pageEntries: number;
  /** Bound on cached pages; the oldest cached page is evicted first. */
  readonly maxCachedPages: number;
  /** Broken on purpose: an evicted range answers `[]` instead of `unavailable`. */
  readonly answerEvictedWithEmpty: boolean;
}

/** Page id used for the snapshot's data in read requests. */
export const SNAPSHOT_PAGE = -1;

/** A core read past the end of the log: the core broke the storage contract. */
export class StorageContractError extends Error {
  override name = "StorageContractError";
}

const UNAVAILABLE = { ok: false, error: "unavailable" } as const;
const COMPACTED = { ok: false, error: "compacted" } as const;

export class SimStorage implements LogStorage {
  readonly #disk: SimDisk;
  readonly #options: StorageOptions;
  /** Asks the simulator to read a page (or the snapshot) from disk; answered by {@link loaded}. */
  readonly #requestRead: (page: number) => void;
  /** Cached pages in insertion order (a Map iterates oldest first). */
  readonly #cached = new Map<number, true>();
  readonly #reading = new Set<number>();
  #snapshotCached = false;
  #misses = 0;

  constructor(disk: SimDisk, options: StorageOptions, requestRead: (page: number) => void) {
    if (options.pageEntries < 1 || options.maxCachedPages < 1) {
      throw new RangeError("storage: pageEntries and maxCachedPages must be >= 1");
    }
    this.#disk = disk;
    this.#options = options;
    this.#requestRead = requestRead;
  }

  /** Cache misses so far (each started or joined a simulated read). */
  get misses(): number {
    return this.#misses;
  }

  initialState(): { readonly hardState: HardState; readonly confState: ConfState } {
    const image = this.#disk.visible;
    return { hardState: image.hardState, confState: image.confState };
  }

  firstIndex(): number {
    return this.#disk.visible.firstIndex();
  }

  lastIndex(): number {
    return this.#disk.visible.lastIndex();
  }

  term(index: number): StorageResult<number> {
    const image = this.#disk.visible;
    if (index < image.snapshotIndex()) return COMPACTED;
    const term = image.termAt(index);
    return term === undefined ? UNAVAILABLE : { ok: true, value: term };
  }

  entries(lo: number, hi: number, maxBytes: number): StorageResult<readonly Entry[]> {
    const image = this.#disk.visible;
    if (lo <= image.snapshotIndex()) return COMPACTED;
    if (hi > image.lastIndex() + 1 || lo > hi) {
      throw new StorageContractError(
        `entries(${lo}, ${hi}) outside the log [${image.firstIndex()}, ${image.lastIndex()}]`,
      );
    }
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const page = this.#pageOf(i);
      if (!this.#cached.has(page)) {
        this.#miss(page);
        if (out.length === 0) {
          return this.#options.answerEvictedWithEmpty ? { ok: true, value: [] } : UNAVAILABLE;
        }
        break; // a short answer is allowed; the rest comes once the page is read
      }
      const e = image.entryAt(i) as Entry;
      if (out.length > 0 && bytes + e.data.length > maxBytes) break;
      bytes += e.data.length;
      out.push(e);
    }
    return { ok: true, value: out };
  }

  snapshot(): StorageResult<Snapshot> {
    const snap = this.#disk.visible.snapshot;
    if (snap === undefined) return UNAVAILABLE;
    if (!this.#snapshotCached) {
      this.#miss(SNAPSHOT_PAGE);
      return UNAVAILABLE;
    }
    return { ok: true, value: snap };
  }

  /** A simulated read finished: the page (or snapshot) is now cached. */
  loaded(page: number): void {
    this.#reading.delete(page);
    if (page === SNAPSHOT_PAGE) this.#snapshotCached = true;
    else this.#cache(page);
  }

  /** Entries just written go through the cache (write-through), as do local snapshots. */
  wrote(entries: readonly Entry[], snapshotWritten: boolean): void {
    if (snapshotWritten) this.#snapshotCached = true;
    let last = Number.NaN;
    for (const e of entries) {
      const page = this.#pageOf(e.index);
      if (page !== last) this.#cache(page);
      last = page;
    }
  }

  /** Drops up to `pages` cached pages, oldest first, and maybe the snapshot: a fault. */
  evict(pages: number, snapshotToo: boolean): number {
    let n = 0;
    for (const page of this.#cached.keys()) {
      if (n >= pages) break;
      this.#cached.delete(page);
      n++;
    }
    if (snapshotToo) this.#snapshotCached = false;
    return n;
  }

  #pageOf(index: number): number {
    return Math.floor(index / this.#options.pageEntries);
  }

  #cache(page: number): void {
    this.#cached.delete(page);
    this.#cached.set(page, true);
    while (this.#cached.size > this.#options.maxCachedPages) {
      const oldest = this.#cached.keys().next().value as number;
      this.#cached.delete(oldest);
    }
  }

  #miss(page: number): void {
    this.#misses++;
    if (this.#reading.has(page)) return;
    this.#reading.add(page);
    this.#requestRead(page);
  }
}
