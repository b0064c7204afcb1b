/**
 * An in-memory `LogStorage` for tests and benchmarks, with the write side a driver would have
 * (persisting a Ready per the contract in `types.ts`) and fault switches: a range of entries that
 * answers `unavailable`, and a snapshot that is `unavailable` while "being prepared".
 */

import type {
  ConfState,
  Entry,
  HardState,
  LogStorage,
  Ready,
  Snapshot,
  StorageResult,
} from "../../src/raft/mod.ts";

const EMPTY = new Uint8Array(0);

export class MemoryStorage implements LogStorage {
  hardState: HardState = { term: 0, vote: 0, commit: 0 };
  snap: Snapshot;
  /** Entries after the snapshot: `ents[i].index === snap.meta.index + 1 + i`. */
  ents: Entry[] = [];
  /** Entries in [lo, hi) answer `unavailable` (term lookups too when `terms`). */
  unavailableRange: { lo: number; hi: number; terms: boolean } | undefined = undefined;
  snapshotUnavailable = false;
  /** Counts entries() calls that answered unavailable (a test can see the retries). */
  unavailableAnswers = 0;

  constructor(confState: ConfState, snapshotIndex = 0, snapshotTerm = 0, data: Uint8Array = EMPTY) {
    this.snap = { meta: { index: snapshotIndex, term: snapshotTerm, confState }, data };
    this.hardState = { term: snapshotTerm, vote: 0, commit: snapshotIndex };
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.meta.confState };
  }

  firstIndex(): number {
    return this.snap.meta.index + 1;
  }

  lastIndex(): number {
    return this.snap.meta.index + this.ents.length;
  }

  #inUnavailable(lo: number, hi: number): boolean {
    const u = this.unavailableRange;
    return u !== undefined && lo < u.hi && hi > u.lo;
  }

  term(index: number): StorageResult<number> {
    if (index < this.snap.meta.index) return { ok: false, error: "compacted" };
    if (index === this.snap.meta.index) return { ok: true, value: this.snap.meta.term };
    const u = this.unavailableRange;
    if (u?.terms && this.#inUnavailable(index, index + 1) && index !== this.lastIndex()) {
      return { ok: false, error: "unavailable" };
    }
    const e = this.ents[index - this.snap.meta.index - 1];
    return { ok: true, value: e === undefined ? 0 : e.term };
  }

  entries(lo: number, hi: number, maxBytes: number): StorageResult<readonly Entry[]> {
    if (lo <= this.snap.meta.index) return { ok: false, error: "compacted" };
    if (hi > this.lastIndex() + 1) {
      throw new Error(`entries(${lo}, ${hi}) past ${this.lastIndex()}`);
    }
    if (this.#inUnavailable(lo, hi)) {
      this.unavailableAnswers++;
      return { ok: false, error: "unavailable" };
    }
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - this.snap.meta.index - 1] as Entry;
      if (out.length > 0 && bytes + e.data.length > maxBytes) break;
      out.push(e);
      bytes += e.data.length;
    }
    return { ok: true, value: out };
  }

  snapshot(): StorageResult<Snapshot> {
    if (this.snapshotUnavailable) return { ok: false, error: "unavailable" };
    return { ok: true, value: this.snap };
  }

  // ---- write side ----

  /** Steps 1-2 of the Ready contract: snapshot, then truncate-and-append, then hard state. */
  persist(rd: Ready): void {
    if (rd.snapshot) this.applySnapshot(rd.snapshot);
    this.append(rd.entries);
    if (rd.hardState) this.hardState = rd.hardState;
  }

  applySnapshot(s: Snapshot): void {
    this.snap = s;
    this.ents = [];
    this.hardState = { ...this.hardState, commit: Math.max(this.hardState.commit, s.meta.index) };
  }

  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index <= this.snap.meta.index) {
      throw new Error(`append at ${first.index} inside snapshot ${this.snap.meta.index}`);
    }
    if (first.index > this.lastIndex() + 1) {
      throw new Error(`append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    }
    this.ents.length = first.index - this.snap.meta.index - 1; // truncate the suffix
    for (const e of entries) this.ents.push(e);
  }

  /** Replaces entries up to `index` by a snapshot with `data` and `confState`. */
  compact(index: number, data: Uint8Array, confState: ConfState): void {
    if (index <= this.snap.meta.index) return;
    if (index > this.lastIndex()) throw new Error(`compact ${index} past ${this.lastIndex()}`);
    const term = (this.term(index) as { ok: true; value: number }).value;
    this.ents = this.ents.slice(index - this.snap.meta.index);
    this.snap = { meta: { index, term, confState }, data };
  }
}
