/**
 * The Raft log as the core sees it: durable entries read through {@link LogStorage}, followed by an
 * unstable tail (entries, and possibly a snapshot, not yet persisted by the driver), plus the
 * commit and apply cursors.
 *
 * Invariants, asserted where they can break: `applied <= applying <= committed <= lastIndex()`;
 * the unstable tail starts at `offset` and `offset <= offsetInProgress <= offset + tail length`.
 * A range storage answers `unavailable` for is never treated as empty: callers get the error back
 * and retry later.
 *
 * @module
 */

import type { Entry, LogStorage, Snapshot, StorageResult } from "./types.ts";

/** `term()` answer for an index below the first one held (compacted into a snapshot). */
export const TERM_COMPACTED = -1;
/** `term()` answer when storage cannot read the index right now. */
export const TERM_UNAVAILABLE = -2;

/** Most steps a follower walks back to compute a rejection hint (bounds CPU per message). */
export const MAX_HINT_STEPS = 1024;

export type MaybeAppendResult =
  | { readonly kind: "appended"; readonly lastNewIndex: number }
  | { readonly kind: "mismatch" }
  | { readonly kind: "unavailable" };

export function entryBytes(e: Entry): number {
  return e.data.length;
}

function invariant(ok: boolean, message: () => string): void {
  if (!ok) throw new Error(`raft log invariant broken: ${message()}`);
}

export class RaftLog {
  /** Highest index known committed. */
  committed: number;
  /** Highest index handed to the driver in `Ready.committedEntries`. */
  applying: number;
  /** Highest index the driver reported applied (`RawNode.appliedTo`). */
  applied: number;

  #unstableSnapshot: Snapshot | undefined = undefined;
  #snapshotInProgress = false;
  #unstable: Entry[] = [];
  /** Index of `#unstable[0]`. */
  #offset: number;
  /** Unstable entries below this index were handed to the driver in a Ready. */
  #offsetInProgress: number;

  constructor(readonly storage: LogStorage, commit: number, applied: number) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    invariant(first >= 1 && last >= first - 1, () => `storage first ${first}, last ${last}`);
    this.#offset = last + 1;
    this.#offsetInProgress = this.#offset;
    this.committed = Math.max(commit, first - 1);
    this.applied = Math.max(applied, first - 1);
    this.applying = this.applied;
    this.check();
  }

  check(): void {
    invariant(
      this.applied <= this.applying && this.applying <= this.committed &&
        this.committed <= this.lastIndex(),
      () =>
        `applied ${this.applied} <= applying ${this.applying} <= committed ${this.committed}` +
        ` <= last ${this.lastIndex()}`,
    );
  }

  firstIndex(): number {
    if (this.#unstableSnapshot) return this.#unstableSnapshot.meta.index + 1;
    return this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.#unstable.length > 0) return this.#offset + this.#unstable.length - 1;
    if (this.#unstableSnapshot) return this.#unstableSnapshot.meta.index;
    return this.storage.lastIndex();
  }

  /** Term of entry `i`; 0 past the end; {@link TERM_COMPACTED} / {@link TERM_UNAVAILABLE}. */
  term(i: number): number {
    const snap = this.#unstableSnapshot;
    if (snap) {
      if (i === snap.meta.index) return snap.meta.term;
      if (i < snap.meta.index) return TERM_COMPACTED;
    }
    if (i > this.lastIndex()) return 0;
    if (i >= this.#offset) return (this.#unstable[i - this.#offset] as Entry).term;
    if (i < this.storage.firstIndex() - 1) return TERM_COMPACTED;
    const r = this.storage.term(i);
    if (r.ok) return r.value;
    return r.error === "compacted" ? TERM_COMPACTED : TERM_UNAVAILABLE;
  }

  /** Term of the last entry. Storage must always answer for its last index (see LogStorage). */
  lastTerm(): number {
    const t = this.term(this.lastIndex());
    if (t < 0) {
      throw new Error(
        `raft: storage could not give the term of its last index ${this.lastIndex()}`,
      );
    }
    return t;
  }

  /** Raft paper §5.4.1: is (lastIndex, lastTerm) at least as up to date as this log? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi), at least one if any, then up to `maxBytes` of payload. */
  entries(lo: number, hi: number, maxBytes: number): StorageResult<readonly Entry[]> {
    if (lo < this.firstIndex()) return { ok: false, error: "compacted" };
    const end = Math.min(hi, this.lastIndex() + 1);
    if (lo >= end) return { ok: true, value: [] };
    const out: Entry[] = [];
    let bytes = 0;
    if (lo < this.#offset) {
      const storedEnd = Math.min(end, this.#offset);
      const r = this.storage.entries(lo, storedEnd, maxBytes);
      if (!r.ok) return r;
      if (r.value.length === 0) {
        throw new Error(`raft: storage answered no entries for [${lo}, ${storedEnd})`);
      }
      for (const e of r.value) {
        out.push(e);
        bytes += entryBytes(e);
      }
      if (out.length < storedEnd - lo) return { ok: true, value: out };
    }
    for (let i = Math.max(lo, this.#offset); i < end; i++) {
      const e = this.#unstable[i - this.#offset] as Entry;
      if (out.length > 0 && bytes + entryBytes(e) > maxBytes) break;
      out.push(e);
      bytes += entryBytes(e);
    }
    return { ok: true, value: out };
  }

  /** The first index whose term differs from `ents` (or that is new); 0 if all match. */
  #findConflict(ents: readonly Entry[]): number | "unavailable" {
    for (const e of ents) {
      const t = this.term(e.index);
      if (t === TERM_UNAVAILABLE) return "unavailable";
      if (t !== e.term) return e.index;
    }
    return 0;
  }

  /**
   * Walks back from `index` to the last index whose term is <= `term` (bounded by
   * {@link MAX_HINT_STEPS}); the answer is a safe upper bound on where two logs can match.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let steps = 0; steps < MAX_HINT_STEPS && index > 0; steps++) {
      const t = this.term(index);
      if (t < 0) return { index, term: 0 };
      if (t <= term) return { index, term: t };
      index--;
    }
    return { index, term: 0 };
  }

  /**
   * Follower append (paper §5.3): if (prevIndex, prevTerm) matches, append `ents`, truncating a
   * conflicting suffix, and commit up to min(commit, last new index). `noTruncate` is the
   * `appendWithoutTruncate` testing knob: conflicting entries are kept and only entries past the
   * current end are appended, so the Ready (and any storage following its contract) keeps them too.
   */
  maybeAppend(
    prevIndex: number,
    prevTerm: number,
    commit: number,
    ents: readonly Entry[],
    noTruncate: boolean,
  ): MaybeAppendResult {
    const t = this.term(prevIndex);
    if (t < 0) return { kind: "unavailable" };
    if (t !== prevTerm) return { kind: "mismatch" };
    const lastNewIndex = prevIndex + ents.length;
    const ci = this.#findConflict(ents);
    if (ci === "unavailable") return { kind: "unavailable" };
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new Error(
          `raft: entry ${ci} conflicts with committed entry (commit ${this.committed})`,
        );
      }
      const last = this.lastIndex();
      if (noTruncate && ci <= last) {
        const tail = ents.filter((e) => e.index > last);
        if (tail.length > 0) this.append(tail);
      } else {
        this.append(ents.slice(ci - (prevIndex + 1)));
      }
    }
    this.commitTo(Math.min(commit, lastNewIndex));
    return { kind: "appended", lastNewIndex };
  }

  /** Appends to the unstable tail, truncating whatever follows `ents[0].index - 1`. */
  append(ents: readonly Entry[]): number {
    const first = ents[0];
    if (first === undefined) return this.lastIndex();
    const after = first.index;
    invariant(after > this.committed, () => `append at ${after} below commit ${this.committed}`);
    const tailEnd = this.#offset + this.#unstable.length;
    if (after === tailEnd) {
      for (const e of ents) this.#unstable.push(e);
    } else if (after <= this.#offset) {
      this.#unstable = ents.slice();
      this.#offset = after;
    } else {
      this.#unstable = this.#unstable.slice(0, after - this.#offset).concat(ents);
    }
    this.#offsetInProgress = Math.max(this.#offset, Math.min(this.#offsetInProgress, after));
    return this.lastIndex();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    invariant(index <= this.lastIndex(), () => `commit ${index} past last ${this.lastIndex()}`);
    this.committed = index;
  }

  appliedTo(index: number): void {
    invariant(
      index <= this.applying,
      () => `applied ${index} beyond handed-out ${this.applying}`,
    );
    if (index > this.applied) this.applied = index;
  }

  hasNextCommittedEntries(): boolean {
    return this.applying < this.committed;
  }

  /** Committed entries not yet handed out, up to `maxBytes` (at least one). */
  nextCommittedEntries(maxBytes: number): StorageResult<readonly Entry[]> {
    if (this.applying >= this.committed) return { ok: true, value: [] };
    return this.entries(this.applying + 1, this.committed + 1, maxBytes);
  }

  /** Installs a received snapshot: the log restarts after it. */
  restore(snap: Snapshot): void {
    invariant(
      snap.meta.index > this.committed,
      () => `restore snapshot ${snap.meta.index} at or below commit ${this.committed}`,
    );
    this.#unstableSnapshot = snap;
    this.#snapshotInProgress = false;
    this.#unstable = [];
    this.#offset = snap.meta.index + 1;
    this.#offsetInProgress = this.#offset;
    this.committed = snap.meta.index;
    this.applying = snap.meta.index;
  }

  hasUnstableToPersist(): boolean {
    return this.#offsetInProgress < this.#offset + this.#unstable.length ||
      (this.#unstableSnapshot !== undefined && !this.#snapshotInProgress);
  }

  unstableEntriesToPersist(): readonly Entry[] {
    return this.#unstable.slice(this.#offsetInProgress - this.#offset);
  }

  unstableSnapshotToPersist(): Snapshot | undefined {
    return this.#snapshotInProgress ? undefined : this.#unstableSnapshot;
  }

  /** Everything unstable now belongs to a Ready handed to the driver. */
  acceptInProgress(): void {
    this.#offsetInProgress = this.#offset + this.#unstable.length;
    if (this.#unstableSnapshot) this.#snapshotInProgress = true;
  }

  /** The driver persisted entries up to (`index`, `term`); ignored if the tail changed since. */
  stableTo(index: number, term: number): void {
    if (index < this.#offset || this.term(index) !== term) return;
    if (index - this.#offset >= this.#unstable.length) return;
    this.#unstable = this.#unstable.slice(index + 1 - this.#offset);
    this.#offset = index + 1;
    this.#offsetInProgress = Math.max(this.#offsetInProgress, this.#offset);
  }

  stableSnapTo(index: number): void {
    if (this.#unstableSnapshot?.meta.index === index) {
      this.#unstableSnapshot = undefined;
      this.#snapshotInProgress = false;
    }
  }
}
