/**
 * Follower-side handlers: appends, heartbeats, snapshot chunks, and vote requests (any role).
 */

import type { Raft } from "./_raft.ts";
import type {
  AppendMessage,
  HeartbeatMessage,
  Snapshot,
  SnapshotChunkMessage,
  SnapshotMeta,
  VoteMessage,
} from "./types.ts";
import { NONE } from "./types.ts";
import { confTrackingRestored } from "./_membership.ts";

function respondAppend(
  r: Raft,
  to: number,
  index: number,
  reject: boolean,
  hintIndex = 0,
  hintTerm = 0,
): void {
  r.send({
    type: "appendResponse",
    from: r.id,
    to,
    term: r.term,
    index,
    reject,
    hintIndex,
    hintTerm,
  });
}

export function handleAppend(r: Raft, m: AppendMessage): void {
  if (m.prevIndex < r.log.committed) {
    respondAppend(r, m.from, r.log.committed, false); // everything up to commit already matches
    return;
  }
  const res = r.log.maybeAppend(
    m.prevIndex,
    m.prevTerm,
    m.commit,
    m.entries,
    r.cfg.testingKnobs.appendWithoutTruncate,
  );
  switch (res.kind) {
    case "appended":
      respondAppend(r, m.from, res.lastNewIndex, false);
      return;
    case "unavailable":
      return; // cannot compare terms now: stay silent, the leader retries
    case "mismatch": {
      const hint = r.log.findConflictByTerm(Math.min(m.prevIndex, r.log.lastIndex()), m.prevTerm);
      respondAppend(r, m.from, m.prevIndex, true, hint.index, hint.term);
      return;
    }
  }
}

export function handleHeartbeat(r: Raft, m: HeartbeatMessage): void {
  r.log.commitTo(Math.min(m.commit, r.log.lastIndex()));
  r.send({ type: "heartbeatResponse", from: r.id, to: m.from, term: r.term, context: m.context });
}

function sameMeta(a: SnapshotMeta, b: SnapshotMeta): boolean {
  return a.index === b.index && a.term === b.term;
}

/**
 * Assembles a snapshot from in-order chunks (one transfer at a time, at most maxSnapshotBytes).
 * An out-of-order chunk is answered with the offset expected; the last chunk installs the snapshot
 * and is answered with an append response for the snapshot's index.
 */
export function handleSnapshotChunk(r: Raft, m: SnapshotChunkMessage): void {
  const respond = (nextOffset: number, reject: boolean) =>
    r.send({
      type: "snapshotChunkResponse",
      from: r.id,
      to: m.from,
      term: r.term,
      snapshotIndex: m.meta.index,
      nextOffset,
      reject,
    });
  if (m.meta.index <= r.log.committed) {
    r.snapshotReceive = undefined; // already have it all (a retry after install)
    respondAppend(r, m.from, r.log.committed, false);
    return;
  }
  let rx = r.snapshotReceive;
  if (m.offset === 0) {
    rx = { meta: m.meta, chunks: [], bytes: 0 };
  } else if (rx === undefined || !sameMeta(rx.meta, m.meta) || m.offset !== rx.bytes) {
    const expected = rx !== undefined && sameMeta(rx.meta, m.meta) ? rx.bytes : 0;
    respond(expected, false);
    return;
  }
  if (rx.bytes + m.data.length > r.cfg.maxSnapshotBytes) {
    r.snapshotReceive = undefined;
    respond(0, true);
    return;
  }
  rx.chunks.push(m.data.slice()); // copy: the transport may reuse its buffer
  rx.bytes += m.data.length;
  r.snapshotReceive = rx;
  if (!m.done) {
    respond(rx.bytes, false);
    return;
  }
  r.snapshotReceive = undefined;
  const data = new Uint8Array(rx.bytes);
  let at = 0;
  for (const c of rx.chunks) {
    data.set(c, at);
    at += c.length;
  }
  installSnapshot(r, { meta: m.meta, data });
  respondAppend(r, m.from, r.log.lastIndex(), false);
}

function installSnapshot(r: Raft, snap: Snapshot): void {
  const { index, term } = snap.meta;
  if (r.log.term(index) === term) {
    r.log.commitTo(index); // our log already holds it: just fast-forward the commit
    return;
  }
  r.log.restore(snap);
  r.applyConfState(snap.meta.confState);
  confTrackingRestored(r, index);
}

/** Vote and pre-vote requests (paper §5.2, §5.4.1; thesis §9.6). */
export function handleVoteRequest(r: Raft, m: VoteMessage): void {
  const respType = m.type === "vote" ? "voteResponse" : "preVoteResponse";
  const canVote = r.vote === m.from ||
    (r.vote === NONE && r.lead === NONE) ||
    (m.type === "preVote" && m.term > r.term);
  if (canVote && r.log.isUpToDate(m.lastIndex, m.lastTerm)) {
    // A granted pre-vote answers in the asked-for term so the candidate counts it.
    r.send({ type: respType, from: r.id, to: m.from, term: m.term, reject: false });
    if (m.type === "vote") {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
    return;
  }
  r.send({ type: respType, from: r.id, to: m.from, term: r.term, reject: true });
}
