/**
 * The simulated disk of one node (after TigerBeetle's testing storage). Writes complete after a
 * delay the driver draws; a completed write is visible at once (page cache) but survives a crash
 * only once synced: a synced write makes itself and every earlier write durable. A crash keeps a
 * random prefix of the not-yet-durable writes (those completed but unsynced, then the one in
 * flight) and may tear the first write it does not keep in full: a prefix of that write's entries
 * survives, the torn entry itself fails its checksum and is discarded on recovery.
 */

import type { ConfState, Entry, HardState, Snapshot } from "../../src/raft/types.ts";
import type { SimRng } from "./rng.ts";

/** One write to the node's log. Parts apply in this order: snapshot, entries, hard state. */
export interface DiskWrite {
  readonly snapshot: Snapshot | undefined;
  readonly entries: readonly Entry[];
  readonly hardState: HardState | undefined;
  /** When true the write is fdatasync'd: on completion it and all before it are durable. */
  readonly sync: boolean;
}

/** Broken invariant of what the core hands the driver (e.g. entries that leave a gap). */
export class DiskInvariantError extends Error {
  override name = "DiskInvariantError";
}

/** A log as stored: the latest snapshot (if any), the entries after it, and the hard state. */
export class LogImage {
  hardState: HardState;
  confState: ConfState;
  snapshot: Snapshot | undefined;
  /** Contiguous entries; `entries[0].index === snapshotIndex() + 1` when non-empty. */
  entries: Entry[];

  constructor(
    hardState: HardState,
    confState: ConfState,
    snapshot: Snapshot | undefined,
    entries: Entry[],
  ) {
    this.hardState = hardState;
    this.confState = confState;
    this.snapshot = snapshot;
    this.entries = entries;
  }

  static empty(confState: ConfState): LogImage {
    return new LogImage({ term: 0, vote: 0, commit: 0 }, confState, undefined, []);
  }

  clone(): LogImage {
    return new LogImage(this.hardState, this.confState, this.snapshot, this.entries.slice());
  }

  snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  snapshotTerm(): number {
    return this.snapshot?.meta.term ?? 0;
  }

  firstIndex(): number {
    return this.snapshotIndex() + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex() + this.entries.length;
  }

  /** Term at `index`, the snapshot's term at its index, undefined outside the log. */
  termAt(index: number): number | undefined {
    const s = this.snapshotIndex();
    if (index === s) return this.snapshotTerm();
    if (index < s) return undefined;
    return this.entries[index - s - 1]?.term;
  }

  entryAt(index: number): Entry | undefined {
    const s = this.snapshotIndex();
    return index > s ? this.entries[index - s - 1] : undefined;
  }

  /** Installs a snapshot: keeps the suffix after it only if the log agrees at its index (§7). */
  applySnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    if (index <= this.snapshotIndex()) return;
    const keep = this.termAt(index) === term;
    this.entries = keep ? this.entries.slice(index - this.snapshotIndex()) : [];
    this.snapshot = snapshot;
    this.confState = snapshot.meta.confState;
  }

  /** Appends entries, first truncating any suffix from `entries[0].index`. */
  appendEntries(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index > this.lastIndex() + 1) {
      throw new DiskInvariantError(
        `append at ${first.index} leaves a gap after last index ${this.lastIndex()}`,
      );
    }
    for (let i = 1; i < entries.length; i++) {
      if ((entries[i] as Entry).index !== first.index + i) {
        throw new DiskInvariantError(`entries to append are not contiguous at ${first.index + i}`);
      }
    }
    const s = this.snapshotIndex();
    const skip = Math.max(0, s + 1 - first.index); // entries already covered by the snapshot
    this.entries.length = Math.max(0, first.index + skip - s - 1);
    for (let i = skip; i < entries.length; i++) this.entries.push(entries[i] as Entry);
  }

  apply(write: DiskWrite): void {
    if (write.snapshot !== undefined) this.applySnapshot(write.snapshot);
    this.appendEntries(write.entries);
    if (write.hardState !== undefined) this.hardState = write.hardState;
  }
}

/** What a crash did to the writes that were not yet durable. */
export interface CrashOutcome {
  readonly lostWrites: number;
  readonly tornWrite: boolean;
}

export class SimDisk {
  /** What survives a crash. */
  #durable: LogImage;
  /** What reads see: durable plus completed, unsynced writes. */
  #visible: LogImage;
  /** Completed but unsynced writes, oldest first. */
  #unsynced: DiskWrite[] = [];
  /** Issued, not yet completed; at most one per node, since the driver persists one Ready at a time. */
  #inFlight: DiskWrite[] = [];
  readonly #maxUnsyncedWrites: number;

  constructor(initial: LogImage, maxUnsyncedWrites: number) {
    this.#durable = initial.clone();
    this.#visible = initial.clone();
    this.#maxUnsyncedWrites = maxUnsyncedWrites;
  }

  get visible(): LogImage {
    return this.#visible;
  }

  get durable(): LogImage {
    return this.#durable;
  }

  /** Starts a write; it has no effect until {@link complete}. */
  begin(write: DiskWrite): void {
    this.#inFlight.push(write);
  }

  /** Completes the oldest in-flight write: visible now, durable if synced. */
  complete(): DiskWrite {
    const write = this.#inFlight.shift();
    if (write === undefined) throw new Error("disk: complete() with no write in flight");
    this.#visible.apply(write);
    this.#unsynced.push(write);
    // A full write-back buffer is flushed, as the kernel would under memory pressure.
    if (write.sync || this.#unsynced.length > this.#maxUnsyncedWrites) this.#flush();
    return write;
  }

  /** Writes that do not go through a Ready (local compaction) take effect at once, unsynced. */
  writeNow(write: DiskWrite): void {
    this.#visible.apply(write);
    this.#unsynced.push(write);
    if (write.sync || this.#unsynced.length > this.#maxUnsyncedWrites) this.#flush();
  }

  #flush(): void {
    for (const w of this.#unsynced) this.#durable.apply(w);
    this.#unsynced = [];
  }

  /**
   * Power loss: keeps a random prefix of the pending writes, maybe tears the next one, and resets
   * the visible image to what is durable.
   */
  crash(rng: SimRng, tearProbability: number): CrashOutcome {
    const pending = [...this.#unsynced, ...this.#inFlight];
    const keep = rng.between(0, pending.length);
    for (let i = 0; i < keep; i++) this.#durable.apply(pending[i] as DiskWrite);
    let torn = false;
    const next = pending[keep];
    if (next !== undefined && rng.chance(tearProbability)) {
      // The torn entry and everything after it in this write are lost; so is its hard state,
      // which is written last.
      const survivors = rng.between(0, next.entries.length - 1 < 0 ? 0 : next.entries.length - 1);
      this.#durable.apply({
        snapshot: next.snapshot,
        entries: next.entries.slice(0, survivors),
        hardState: undefined,
        sync: false,
      });
      torn = true;
    }
    const lost = pending.length - keep;
    this.#unsynced = [];
    this.#inFlight = [];
    this.#visible = this.#durable.clone();
    return { lostWrites: lost, tornWrite: torn };
  }
}
