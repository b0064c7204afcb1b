/**
 * Membership changes, one voter or learner at a time (Raft thesis §4.1, single-server changes).
 *
 * Why not joint consensus: Chronik moves replicas one at a time (add a learner, let it catch up,
 * promote it, then remove the old replica), and any two configurations that differ by one voter
 * have overlapping majorities, so no joint phase is needed. The leader accepts a new change only
 * after the previous one has been handed out for apply, and only after it has committed the no-op
 * of its own term (the fix for the single-server bug Ongaro described on raft-dev, 2015).
 *
 * A change takes effect when its entry is handed out in `Ready.committedEntries` (like etcd, which
 * applies it at apply time). A driver that needs the membership at a given index (for a snapshot)
 * replays the entries it applies through {@link applyConfChange}.
 *
 * @module
 */

import type { ConfChange, ConfState, NodeId } from "./types.ts";

export type ConfChangeResult =
  | { readonly ok: true; readonly confState: ConfState }
  | { readonly ok: false; readonly reason: string };

function sorted(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort((a, b) => a - b);
}

/**
 * The membership after `cc`, or why `cc` is not a valid single change: adding a voter that already
 * votes, adding a learner that is already a member (demoting a voter is not supported), removing a
 * non-member, or removing the last voter.
 */
export function applyConfChange(cs: ConfState, cc: ConfChange): ConfChangeResult {
  if (!Number.isInteger(cc.node) || cc.node <= 0) {
    return { ok: false, reason: `node id ${cc.node} is not a positive integer` };
  }
  const voters = new Set(cs.voters);
  const learners = new Set(cs.learners);
  switch (cc.kind) {
    case "addVoter":
      if (voters.has(cc.node)) return { ok: false, reason: `${cc.node} is already a voter` };
      learners.delete(cc.node); // promotion of a learner
      voters.add(cc.node);
      break;
    case "addLearner":
      if (voters.has(cc.node)) return { ok: false, reason: `${cc.node} is a voter` };
      if (learners.has(cc.node)) return { ok: false, reason: `${cc.node} is already a learner` };
      learners.add(cc.node);
      break;
    case "removeNode":
      if (!voters.has(cc.node) && !learners.has(cc.node)) {
        return { ok: false, reason: `${cc.node} is not a member` };
      }
      if (voters.has(cc.node) && voters.size === 1) {
        return { ok: false, reason: `${cc.node} is the last voter` };
      }
      voters.delete(cc.node);
      learners.delete(cc.node);
      break;
  }
  return { ok: true, confState: { voters: sorted(voters), learners: sorted(learners) } };
}

const KIND_CODES = { addVoter: 1, addLearner: 2, removeNode: 3 } as const;
/** Encoded size: one kind byte and a big-endian uint32 node id. */
export const CONF_CHANGE_BYTES = 5;

/** The payload of a `confChange` entry. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  if (!Number.isInteger(cc.node) || cc.node <= 0 || cc.node > 0xffff_ffff) {
    throw new RangeError(`conf change node id ${cc.node} must be a uint32 above 0`);
  }
  const out = new Uint8Array(CONF_CHANGE_BYTES);
  out[0] = KIND_CODES[cc.kind];
  new DataView(out.buffer).setUint32(1, cc.node);
  return out;
}

/** Decodes a `confChange` entry's payload; undefined if it is not one this version wrote. */
export function decodeConfChange(data: Uint8Array): ConfChange | undefined {
  if (data.length !== CONF_CHANGE_BYTES) return undefined;
  const node = new DataView(data.buffer, data.byteOffset, data.length).getUint32(1);
  if (node === 0) return undefined;
  switch (data[0]) {
    case 1:
      return { kind: "addVoter", node };
    case 2:
      return { kind: "addLearner", node };
    case 3:
      return { kind: "removeNode", node };
    default:
      return undefined;
  }
}

/** Whether `id` may vote in `cs`. */
export function isVoter(cs: ConfState, id: NodeId): boolean {
  return cs.voters.includes(id);
}
