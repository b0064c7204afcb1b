/**
 * Majority arithmetic for a single voter set: the commit index a quorum has reached and the outcome
 * of a vote. Pure functions over plain values; the progress tracker supplies the inputs.
 *
 * @module
 */

import type { NodeId } from "./types.ts";

/** Outcome of tallying votes against one voter set. */
export type VoteOutcome = "won" | "lost" | "pending";

/** Number of voters that form a majority of `voterCount` (Raft paper §5.2). */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The highest index that a majority of `voters` has acknowledged, given each voter's match index
 * (missing voters count as 0). An empty voter set commits nothing.
 */
export function majorityCommitIndex(
  voters: readonly NodeId[],
  matchOf: (id: NodeId) => number,
): number {
  const n = voters.length;
  if (n === 0) return 0;
  const matches = new Array<number>(n);
  for (let i = 0; i < n; i++) matches[i] = matchOf(voters[i] as NodeId);
  // Descending; the majority-th largest value is acknowledged by at least a majority.
  matches.sort((a, b) => b - a);
  return matches[majority(n) - 1] as number;
}

/**
 * Tally `votes` (true = granted) against `voters`. Votes from non-voters are ignored. `won` once a
 * majority granted, `lost` once a majority can no longer be reached, else `pending`.
 */
export function voteOutcome(
  voters: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteOutcome {
  const need = majority(voters.length);
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  if (granted >= need) return "won";
  if (granted + missing >= need) return "pending";
  return "lost";
}

/** Whether `active` holds a majority of `voters` (check-quorum, ReadIndex acknowledgements). */
export function hasQuorum(voters: readonly NodeId[], active: (id: NodeId) => boolean): boolean {
  let count = 0;
  for (const id of voters) if (active(id)) count++;
  return count >= majority(voters.length);
}
