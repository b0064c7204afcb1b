/**
 * ReadIndex (thesis §6.4): the leader records its commit index, confirms it is still leader with a
 * heartbeat round carrying the request's context, and then releases the read at that index. The
 * caller serves the read once its applied index reaches it.
 */

import type { Raft } from "./_raft.ts";
import { bcastHeartbeat } from "./_replication.ts";
import { hasQuorum } from "./quorum.ts";
import type { NodeId } from "./types.ts";

function deliver(r: Raft, context: number, index: number, from: NodeId): void {
  if (from === r.id) r.readStates.push({ context, index });
  else r.send({ type: "readIndexResponse", from: r.id, to: from, term: r.term, context, index });
}

/** Leader: accepts a read for `from` (itself or a follower); false if the queue is full. */
export function leaderReadIndex(r: Raft, context: number, from: NodeId): boolean {
  if (r.confState.voters.length === 1 && r.isVoter) {
    deliver(r, context, r.log.committed, from);
    return true;
  }
  const max = r.cfg.maxReadIndexRequests;
  if (!r.committedInCurrentTerm()) {
    // Our commit index may be stale until the no-op of this term commits (thesis §6.4 step 1).
    if (r.pendingReads.length >= max) return false;
    r.pendingReads.push({ context, from });
    return true;
  }
  if (r.readRequests.length >= max) return false;
  r.readRequests.push({ context, index: r.log.committed, from, acks: new Set([r.id]) });
  bcastHeartbeat(r, context);
  return true;
}

/** A heartbeat response echoed `context`: once a quorum has, release it and all older reads. */
export function ackRead(r: Raft, context: number, from: NodeId): void {
  const pos = r.readRequests.findIndex((q) => q.context === context);
  const req = r.readRequests[pos];
  if (req === undefined) return;
  req.acks.add(from);
  if (!hasQuorum(r.confState.voters, (id) => req.acks.has(id))) return;
  const released = r.readRequests.splice(0, pos + 1);
  for (const q of released) deliver(r, q.context, q.index, q.from);
}

export function releasePendingReads(r: Raft): void {
  const pending = r.pendingReads;
  r.pendingReads = [];
  for (const p of pending) leaderReadIndex(r, p.context, p.from);
}
