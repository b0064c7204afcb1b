/**
 * Leader-side replication: appends with flow control, snapshot streaming in chunks, heartbeats,
 * and commit by quorum. Storage that answers `unavailable` makes a send return false without
 * sending anything; the next heartbeat response retries it.
 */

import type { Raft } from "./_raft.ts";
import { ackRead } from "./_read_index.ts";
import { TERM_COMPACTED, TERM_UNAVAILABLE } from "./log.ts";
import { majorityCommitIndex } from "./quorum.ts";
import type {
  AppendResponseMessage,
  Entry,
  HeartbeatResponseMessage,
  NodeId,
  SnapshotChunkResponseMessage,
} from "./types.ts";

/** Sends one append to `to` if flow control allows; false if nothing was sent. */
export function sendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.progress.get(to);
  if (pr === undefined || to === r.id || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  if (prevTerm === TERM_COMPACTED) return sendSnapshot(r, to);
  if (prevTerm === TERM_UNAVAILABLE) return false; // never guess: retry on the next heartbeat
  const last = r.log.lastIndex();
  let entries: readonly Entry[] = [];
  if (pr.next <= last) {
    const res = r.log.entries(pr.next, last + 1, r.cfg.maxSizePerMsgBytes);
    if (!res.ok) return res.error === "compacted" ? sendSnapshot(r, to) : false;
    entries = res.value;
  }
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({
    type: "append",
    from: r.id,
    to,
    term: r.term,
    prevIndex,
    prevTerm,
    entries,
    commit: r.log.committed,
  });
  pr.sentEntries(entries.length, prevIndex + entries.length);
  return true;
}

/** Sends as many appends as the in-flight window allows (bounded by maxInflightMsgs). */
export function sendAppendLoop(r: Raft, to: NodeId, sendIfEmpty: boolean): void {
  if (!sendAppend(r, to, sendIfEmpty)) return;
  const limit = r.cfg.maxInflightMsgs;
  for (let i = 0; i < limit && sendAppend(r, to, false); i++) { /* window bounds the loop */ }
}

/** Appends to every follower (carrying new entries and the commit index). */
export function flushBroadcast(r: Raft): void {
  r.broadcastPending = false;
  for (const id of r.progress.keys()) if (id !== r.id) sendAppendLoop(r, id, true);
}

/** Switches `to` to snapshot state and sends the first chunk; false if no snapshot is ready. */
function sendSnapshot(r: Raft, to: NodeId): boolean {
  const pr = r.progress.get(to);
  if (pr === undefined || !pr.recentActive) return false; // don't stream to a peer that is away
  const snap = r.cfg.storage.snapshot();
  if (!snap.ok) return false; // being prepared: retry on the next heartbeat response
  if (snap.value.meta.index === 0) throw new Error("raft: storage compacted without a snapshot");
  pr.becomeSnapshot(snap.value.meta.index);
  return sendSnapshotChunk(r, to);
}

/** Sends the chunk at the acknowledged offset (stop-and-wait: one chunk in flight). */
export function sendSnapshotChunk(r: Raft, to: NodeId): boolean {
  const pr = r.progress.get(to);
  if (pr === undefined || pr.state !== "snapshot") return false;
  const snap = r.cfg.storage.snapshot();
  if (!snap.ok) return false;
  const { meta, data } = snap.value;
  if (meta.index !== pr.pendingSnapshot) pr.becomeSnapshot(meta.index); // a newer one replaced it
  const offset = Math.min(pr.snapshotOffset, data.length);
  const end = Math.min(data.length, offset + r.cfg.snapshotChunkBytes);
  r.send({
    type: "snapshotChunk",
    from: r.id,
    to,
    term: r.term,
    meta,
    offset,
    data: data.subarray(offset, end),
    done: end === data.length,
  });
  pr.snapshotChunkSent = true;
  return true;
}

export function bcastHeartbeat(r: Raft, context: number): void {
  for (const [to, pr] of r.progress) {
    if (to === r.id) continue;
    const commit = Math.min(pr.match, r.log.committed); // never past what the follower holds
    r.send({ type: "heartbeat", from: r.id, to, term: r.term, commit, context });
  }
}

/** Commits the quorum's match index if it is of the current term (paper §5.4.2). */
export function maybeCommit(r: Raft): boolean {
  const idx = majorityCommitIndex(r.confState.voters, (id) => r.progress.get(id)?.match ?? 0);
  if (idx <= r.log.committed) return false;
  const t = r.log.term(idx);
  if (t < 0) return false; // cannot check the term now; the next acknowledgement retries
  if (t !== r.term && !r.cfg.testingKnobs.commitOldTermByCount) return false;
  const hadCommitInTerm = r.committedInCurrentTerm();
  r.log.commitTo(idx);
  if (!hadCommitInTerm && r.committedInCurrentTerm()) r.onFirstCommitOfTerm();
  return true;
}

export function handleAppendResponse(r: Raft, m: AppendResponseMessage): void {
  const pr = r.progress.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  if (m.reject) {
    // Fast back-tracking: skip the follower's whole conflicting term at once (thesis §5.3).
    let probe = m.hintIndex;
    if (m.hintTerm > 0) probe = r.log.findConflictByTerm(m.hintIndex, m.hintTerm).index;
    if (pr.maybeDecrTo(m.index, probe)) {
      if (pr.state === "replicate") pr.becomeProbe();
      sendAppend(r, m.from, true);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index)) {
    if (wasPaused && !pr.isPaused()) sendAppendLoop(r, m.from, false);
    return;
  }
  if (pr.state === "probe") pr.becomeReplicate();
  else if (pr.state === "snapshot" && pr.match >= pr.pendingSnapshot) {
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === "replicate") pr.inflights.freeLE(m.index);
  if (maybeCommit(r)) r.broadcastPending = true;
  if (r.role !== "leader") return;
  sendAppendLoop(r, m.from, false);
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) {
    r.send({ type: "timeoutNow", from: r.id, to: m.from, term: r.term });
  }
}

export function handleHeartbeatResponse(r: Raft, m: HeartbeatResponseMessage): void {
  const pr = r.progress.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  // The heartbeat round is the retry signal for a lost probe, chunk, or window of appends.
  pr.probeSent = false;
  if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.state === "snapshot") sendSnapshotChunk(r, m.from);
  else if (pr.match < r.log.lastIndex()) sendAppendLoop(r, m.from, true);
  if (m.context !== 0) ackRead(r, m.context, m.from);
}

export function handleSnapshotChunkResponse(r: Raft, m: SnapshotChunkResponseMessage): void {
  const pr = r.progress.get(m.from);
  if (pr === undefined || pr.state !== "snapshot" || m.snapshotIndex !== pr.pendingSnapshot) return;
  pr.recentActive = true;
  pr.snapshotChunkSent = false;
  if (m.reject) {
    // The follower cannot take it (too large): probe again from its match after a heartbeat.
    pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.probeSent = true;
    return;
  }
  pr.snapshotOffset = m.nextOffset;
  sendSnapshotChunk(r, m.from);
}
