/**
 * Safety invariants, checked incrementally as the drivers observe each node (Raft paper §5.4,
 * Figure 3, plus the driver-visible properties of this project's core). Every check is cheap
 * enough to run after every simulator step; a broken one throws {@link SafetyViolation}.
 */

import { decodeConfChange } from "../../src/raft/conf_change.ts";
import type { ConfChange, Entry, NodeId } from "../../src/raft/types.ts";
import type { LogImage } from "./disk.ts";
import { fingerprint, proposalId } from "./payload.ts";

export class SafetyViolation extends Error {
  override name = "SafetyViolation";
}

interface EntryRecord {
  readonly prevTerm: number;
  readonly fp: number;
  readonly node: NodeId;
}

interface CommittedRecord {
  readonly term: number;
  readonly fp: number;
  readonly node: NodeId;
  /**
   * Lowest term of any node that reported the entry committed: the entry was committed in this
   * term or earlier, so every leader of a later term must hold it (a leader of an earlier or equal
   * term may still be in office and lack it).
   */
  commitTerm: number;
}

/** The leader-visible part of a node: its log as the core sees it, for leader completeness. */
export interface LeaderView {
  readonly id: NodeId;
  readonly term: number;
  readonly log: LogImage;
}

export function confChangeKey(cc: ConfChange): string {
  return `${cc.kind}:${cc.node}`;
}

export class Checker {
  /** Number of individual invariant checks made. */
  checks = 0;
  readonly #leaderOfTerm = new Map<number, NodeId>();
  /** Log matching: the first sighting of (index, term) fixes its previous term and payload. */
  readonly #entries = new Map<number, EntryRecord>();
  /** The committed log as reported by any node; sparse only below snapshots nobody replayed. */
  readonly #committed: (CommittedRecord | undefined)[] = [];
  #committedMax = 0;
  /** The state-machine hash after applying index i, as first computed by any node. */
  readonly #appliedHash: (number | undefined)[] = [];
  /** Accepted proposals: id → (index, term) the core promised. */
  readonly #proposals = new Map<number, { index: number; term: number }>();
  /** (index * 2^20 + term) → the proposal id accepted there. */
  readonly #promises = new Map<number, number>();
  /** Proposal id → index it committed at (a proposal commits once). */
  readonly #committedAt = new Map<number, number>();
  readonly #confChanges = new Map<string, number>();
  /** Current leaders (by node id), for the incremental leader-completeness check. */
  readonly #leaders = new Map<NodeId, LeaderView>();

  /** Terms that had a leader: the number of successful elections. */
  get leaderTerms(): number {
    return this.#leaderOfTerm.size;
  }

  get committedMax(): number {
    return this.#committedMax;
  }

  committedTerm(index: number): number | undefined {
    return this.#committed[index]?.term;
  }

  isProposalCommitted(id: number): boolean {
    const p = this.#proposals.get(id);
    if (p === undefined) return false;
    const c = this.#committed[p.index];
    return c !== undefined && c.term === p.term;
  }

  proposalAccepted(id: number, index: number, term: number): void {
    this.#proposals.set(id, { index, term });
    this.#promises.set(index * 1_048_576 + term, id);
  }

  confChangeAccepted(cc: ConfChange): void {
    const key = confChangeKey(cc);
    this.#confChanges.set(key, (this.#confChanges.get(key) ?? 0) + 1);
  }

  /** Election Safety: at most one leader per term. Then leader completeness for its log. */
  becameLeader(view: LeaderView): void {
    this.checks++;
    const prior = this.#leaderOfTerm.get(view.term);
    if (prior !== undefined && prior !== view.id) {
      this.#fail(`two leaders in term ${view.term}: ${prior} and ${view.id}`);
    }
    this.#leaderOfTerm.set(view.term, view.id);
    this.#leaders.set(view.id, view);
    const log = view.log;
    for (let i = Math.max(1, log.snapshotIndex()); i <= this.#committedMax; i++) {
      const c = this.#committed[i];
      if (c === undefined || c.commitTerm >= view.term) continue;
      this.checks++;
      const t = log.termAt(i);
      if (t !== c.term) {
        this.#fail(
          `leader completeness: leader ${view.id} of term ${view.term} has term ${t} at ${i}, ` +
            `committed with term ${c.term} by term ${c.commitTerm} (reported by ${c.node})`,
        );
      }
    }
  }

  /** Counts a check made elsewhere (the driver's own contract checks). */
  count(): void {
    this.checks++;
  }

  /**
   * A leader advanced its commit to `commit`: it may only count replicas for an entry of its own
   * term (paper §5.4.2; earlier entries commit indirectly).
   */
  leaderCommitted(
    id: NodeId,
    term: number,
    commit: number,
    termAtCommit: number | undefined,
  ): void {
    this.checks++;
    if (termAtCommit !== term) {
      this.#fail(
        `leader ${id} of term ${term} commits index ${commit} of term ${termAtCommit} by ` +
          `counting replicas (§5.4.2)`,
      );
    }
  }

  steppedDown(id: NodeId): void {
    this.#leaders.delete(id);
  }

  /** Log Matching: entries were just written to `log` of `node` (already applied to it). */
  appended(node: NodeId, log: LogImage, entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.index <= log.snapshotIndex()) continue;
      this.checks++;
      const key = e.index * 1_048_576 + e.term;
      if (e.term >= 1_048_576) throw new Error(`term ${e.term} beyond the checker's key space`);
      const prevTerm = log.termAt(e.index - 1);
      const fp = fingerprint(e.data);
      const rec = this.#entries.get(key);
      if (rec === undefined) {
        if (prevTerm !== undefined) this.#entries.set(key, { prevTerm, fp, node });
        continue;
      }
      if (rec.fp !== fp) {
        this.#fail(
          `log matching: (${e.index}, term ${e.term}) differs between node ${rec.node} and ${node}`,
        );
      }
      if (prevTerm !== undefined && prevTerm !== rec.prevTerm) {
        this.#fail(
          `log matching: before (${e.index}, term ${e.term}) node ${node} has term ${prevTerm}, ` +
            `node ${rec.node} had ${rec.prevTerm}`,
        );
      }
    }
  }

  /**
   * A node reports commit index `commit` over `log`: every entry up to it is committed. Records
   * or compares each newly committed entry, and checks it was really proposed.
   */
  committed(
    node: NodeId,
    nodeTerm: number,
    fromExclusive: number,
    commit: number,
    log: LogImage,
  ): void {
    if (commit > log.lastIndex()) {
      this.#fail(`node ${node} reports commit ${commit} beyond its last index ${log.lastIndex()}`);
    }
    for (let i = Math.max(fromExclusive + 1, log.firstIndex()); i <= commit; i++) {
      const e = log.entryAt(i) as Entry;
      this.#recordCommitted(node, nodeTerm, e);
    }
  }

  /** An entry applied by `node`, whose state-machine hash is now `hash`. */
  applied(node: NodeId, nodeTerm: number, e: Entry, hash: number): void {
    this.#recordCommitted(node, nodeTerm, e);
    this.checks++;
    const prior = this.#appliedHash[e.index];
    if (prior === undefined) this.#appliedHash[e.index] = hash;
    else if (prior !== hash) {
      this.#fail(`state machine safety: node ${node} diverges after applying index ${e.index}`);
    }
  }

  /** A node's state machine was replaced by a snapshot at `index` with state hash `hash`. */
  restoredSnapshot(node: NodeId, index: number, hash: number): void {
    this.checks++;
    const prior = this.#appliedHash[index];
    if (prior !== undefined && prior !== hash) {
      this.#fail(`snapshot at ${index} installed on node ${node} differs from applied state`);
    }
  }

  #recordCommitted(node: NodeId, nodeTerm: number, e: Entry): void {
    this.checks++;
    const fp = fingerprint(e.data);
    const prior = this.#committed[e.index];
    if (prior !== undefined) {
      if (nodeTerm < prior.commitTerm) {
        prior.commitTerm = nodeTerm;
        this.#checkLeadersHold(node, e, nodeTerm);
      }
      if (prior.term !== e.term || prior.fp !== fp) {
        this.#fail(
          `committed entry lost or changed at ${e.index}: node ${node} has term ${e.term}, ` +
            `node ${prior.node} committed term ${prior.term}${
              prior.fp !== fp ? " (payload differs)" : ""
            }`,
        );
      }
      return;
    }
    this.#checkProposed(node, e);
    this.#checkPromise(node, e);
    this.#committed[e.index] = { term: e.term, fp, node, commitTerm: nodeTerm };
    if (e.index > this.#committedMax) this.#committedMax = e.index;
    this.#checkLeadersHold(node, e, nodeTerm);
  }

  /** Leader completeness for leaders in office when `e` became known committed by `commitTerm`. */
  #checkLeadersHold(node: NodeId, e: Entry, commitTerm: number): void {
    for (const leader of this.#leaders.values()) {
      if (leader.term <= commitTerm || e.index <= leader.log.snapshotIndex()) continue;
      this.checks++;
      const t = leader.log.termAt(e.index);
      if (t !== e.term) {
        this.#fail(
          `leader completeness: leader ${leader.id} of term ${leader.term} has term ${t} at ` +
            `${e.index}, committed with term ${e.term} by term ${commitTerm} (node ${node})`,
        );
      }
    }
  }

  /** Only acknowledged proposals (and the leaders' no-ops) may commit. */
  #checkProposed(node: NodeId, e: Entry): void {
    this.checks++;
    if (e.type === "confChange") {
      const cc = decodeConfChange(e.data);
      if (cc === undefined || (this.#confChanges.get(confChangeKey(cc)) ?? 0) === 0) {
        this.#fail(`node ${node} commits a conf change at ${e.index} that nobody proposed`);
      }
      return;
    }
    if (e.data.length === 0) return; // a leader's no-op
    const id = proposalId(e.data);
    const p = id === undefined ? undefined : this.#proposals.get(id);
    if (p === undefined) {
      this.#fail(`node ${node} commits an entry at ${e.index} that was never acknowledged`);
    }
    const at = this.#committedAt.get(id as number);
    if (at !== undefined && at !== e.index) {
      this.#fail(`proposal ${id} committed twice, at ${at} and ${e.index}`);
    }
    this.#committedAt.set(id as number, e.index);
  }

  /** What the core promised for (index, term) when it accepted a proposal must be what commits. */
  #checkPromise(node: NodeId, e: Entry): void {
    const promised = this.#promises.get(e.index * 1_048_576 + e.term);
    if (promised === undefined) return;
    this.checks++;
    if (proposalId(e.data) !== promised) {
      this.#fail(
        `node ${node} commits at (${e.index}, term ${e.term}) something other than proposal ` +
          `${promised}, which the leader accepted there`,
      );
    }
  }

  #fail(message: string): never {
    throw new SafetyViolation(message);
  }
}
