/**
 * Knowing the membership before leading. Conf changes take effect when handed out for apply
 * (`Ready.committedEntries`), and hand-out can lag commit by hundreds of entries (small batches,
 * cold storage, a restart replaying from a snapshot). A node that campaigns on an older membership
 * than its own commit index proves may win with a majority of the wrong voters and commit with it
 * (simulator seed 151). So, as etcd raft's `hup` does:
 *
 * - a node campaigns only when every conf change up to its commit index has taken effect;
 * - after a restart, the membership is the snapshot's `ConfState` plus the conf changes in the log
 *   up to the index the state machine had applied (`RaftConfig.applied`); those are replayed here,
 *   never handed out again, and hand-out waits until the replay is done (order matters);
 * - when storage cannot answer (`unavailable`), or the scan budget runs out, the node refuses to
 *   campaign (and defers hand-out) rather than guess; it tries again on the next attempt.
 *
 * One cursor, `scannedTo`, moves forward over the log: the conf changes in
 * (snapshot index, `scannedTo`] have been seen. Entries up to `replayTo` are replayed; a conf change
 * above it is recorded in `pendingIndex` and takes effect when handed out. Everything scanned is
 * committed, so a truncation never reaches the scanned range.
 */

import type { Raft } from "./_raft.ts";
import { decodeConfChange } from "./conf_change.ts";
import type { Entry } from "./types.ts";

export interface ConfTracking {
  /** Conf changes in (snapshot index, scannedTo] have been seen (replayed or recorded). */
  scannedTo: number;
  /** The state machine applied up to here before this incarnation: replay, don't hand out. */
  replayTo: number;
  /** Highest conf change above `replayTo` found by the scan; in force once handed out. */
  pendingIndex: number;
}

export type ScanOutcome = "done" | "unavailable" | "budget";

/** Tracking for a node starting at `snapshotIndex` whose state machine applied up to `applied`. */
export function newConfTracking(snapshotIndex: number, applied: number): ConfTracking {
  return { scannedTo: snapshotIndex, replayTo: Math.max(applied, snapshotIndex), pendingIndex: 0 };
}

/** Whether the restart replay is complete (hand-out may proceed). */
export function replayDone(r: Raft): boolean {
  return r.confTracking.scannedTo >= r.confTracking.replayTo;
}

/** A snapshot was installed: its ConfState is the membership at its index, nothing is pending. */
export function confTrackingRestored(r: Raft, snapshotIndex: number): void {
  const t = r.confTracking;
  t.scannedTo = Math.max(t.scannedTo, snapshotIndex);
  t.replayTo = Math.min(t.replayTo, t.scannedTo);
}

/**
 * Scans conf changes up to `upTo` (<= commit), reading at most `maxConfScanEntries` entries.
 * Replays those at or below `replayTo`; records the others in `pendingIndex`.
 */
export function scanConfChanges(r: Raft, upTo: number): ScanOutcome {
  const t = r.confTracking;
  // Hand-out (which waits for the replay) applied everything up to `applying` itself.
  if (t.scannedTo >= t.replayTo && t.scannedTo < r.log.applying) t.scannedTo = r.log.applying;
  let budget = r.cfg.maxConfScanEntries;
  while (t.scannedTo < upTo) {
    if (budget <= 0) return "budget";
    const lo = t.scannedTo + 1;
    const hi = Math.min(upTo, t.scannedTo + budget) + 1;
    const res = r.log.entries(lo, hi, r.cfg.maxSizePerMsgBytes);
    if (!res.ok) {
      if (res.error === "compacted" && skipToSnapshot(r)) continue;
      return "unavailable";
    }
    const last = res.value[res.value.length - 1];
    if (last === undefined) throw new Error(`raft ${r.id}: no entries in [${lo}, ${hi})`);
    for (const e of res.value) if (e.type === "confChange") seen(r, e);
    budget -= res.value.length;
    t.scannedTo = last.index;
  }
  return "done";
}

function seen(r: Raft, e: Entry): void {
  const t = r.confTracking;
  if (e.index > t.replayTo) {
    t.pendingIndex = Math.max(t.pendingIndex, e.index);
    return;
  }
  const cc = decodeConfChange(e.data);
  if (cc === undefined) throw new Error(`raft ${r.id}: undecodable conf change at ${e.index}`);
  r.applyConfChangeEntry(cc);
}

/**
 * The range to scan was compacted under us (the driver snapshotted what it had applied): the
 * snapshot's ConfState is the membership at its index. False if it cannot be read now.
 */
function skipToSnapshot(r: Raft): boolean {
  const t = r.confTracking;
  const snap = r.cfg.storage.snapshot();
  if (!snap.ok) return false;
  const { index, confState } = snap.value.meta;
  if (index <= t.scannedTo || index > r.log.applying) return false;
  r.applyConfState(confState);
  t.scannedTo = index;
  return true;
}

/**
 * The campaign guard: true when every conf change up to the commit index has taken effect. Storage
 * that cannot answer, or a backlog longer than the scan budget, is a refusal for now.
 */
export function membershipSettled(r: Raft): boolean {
  if (scanConfChanges(r, r.log.committed) !== "done") return false;
  return r.confTracking.pendingIndex <= r.log.applying;
}
