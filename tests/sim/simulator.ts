/**
 * One seeded run: a cluster of simulated nodes on virtual time. The seed draws the cluster shape,
 * the fault profile ("swarm testing": each seed enables its own mix of faults at its own rates)
 * and every individual fault. Phase one injects faults while proposals flow and the checker
 * watches every step; phase two heals everything and demands a leader and the commit of fresh
 * proposals within stated bounds.
 */

import type {
  ConfState,
  Entry,
  Message,
  MessageType,
  NodeId,
  ReadState,
} from "../../src/raft/types.ts";
import { decodeConfChange } from "../../src/raft/conf_change.ts";
import { Checker, SafetyViolation } from "./checker.ts";
import { LogImage } from "./disk.ts";
import { EventQueue } from "./_heap.ts";
import { type NetworkFault, type NetworkOptions, SimNetwork } from "./network.ts";
import { type CoreFactory, type NodeHost, SimNode } from "./node.ts";
import { proposalPayload } from "./payload.ts";
import { SimRng } from "./rng.ts";
import type { StorageOptions } from "./storage.ts";
import { Trace } from "./trace.ts";

/** Rates of each fault per tick (or per packet for the network), drawn per seed. */
export interface FaultProfile {
  readonly network: NetworkOptions;
  readonly crashPerTick: number;
  /** Probability that a node crashes (and reboots quickly) right after granting a vote. */
  readonly crashAfterVoteGrant: number;
  readonly tearProbability: number;
  readonly pausePerTick: number;
  readonly partitionPerTick: number;
  readonly proposePerTick: number;
  readonly confChangePerTick: number;
  readonly transferPerTick: number;
  readonly compactPerTick: number;
  readonly evictPerTick: number;
  /** Linearizable reads requested per tick (on a random node). */
  readonly readIndexPerTick: number;
  readonly maxDiskWriteUnits: number;
  readonly maxDiskReadUnits: number;
}

export interface SimOptions {
  readonly seed: number;
  readonly makeCore: CoreFactory;
  /** Ticks of the fault phase. */
  readonly safetyTicks: number;
  /** After healing, a current leader must exist within this many ticks. */
  readonly leaderWithinTicks: number;
  /** After healing, every proposal must commit within this many ticks. */
  readonly commitWithinTicks: number;
  /** After that, every member must have applied all committed entries within this many ticks. */
  readonly convergeWithinTicks: number;
  /** Proposals made after healing. */
  readonly livenessProposals: number;
  /** Virtual time units per tick; network and disk delays are in units. */
  readonly tickUnits: number;
  readonly electionTicks: number;
  /** Voters at start; drawn from {3, 5} when undefined. */
  readonly voters?: number;
  /** Learners at start; drawn from [0, 2] when undefined. */
  readonly learners?: number;
  /** Fixed fault profile; drawn from the seed when undefined. */
  readonly profile?: FaultProfile;
  readonly storage: StorageOptions;
  readonly traceRingEvents: number;
  /** Build trace text for the failure tail (off for the fastest runs). */
  readonly traceText: boolean;
  /** Most nodes ever (initial plus added); ids are never reused. */
  readonly maxNodes: number;
  /**
   * Check the core's promises directly as well as their consequences: votes and acknowledgements
   * only for what storage holds, leaders commit by counting only in their own term.
   */
  readonly contractChecks: boolean;
  /** Bound on scheduled events; hitting it means a runaway schedule (a crash of the run). */
  readonly maxQueuedEvents: number;
  /** Bound on deliveries a paused node holds back (a socket buffer); more are dropped. */
  readonly maxDeferredEvents: number;
  /** Bound on completed, unsynced writes per disk; more are flushed. */
  readonly maxUnsyncedWrites: number;
}

export const defaultSimOptions: Omit<SimOptions, "seed" | "makeCore"> = Object.freeze({
  safetyTicks: 1200,
  leaderWithinTicks: 300,
  commitWithinTicks: 1000,
  convergeWithinTicks: 3000,
  livenessProposals: 5,
  tickUnits: 10,
  electionTicks: 10,
  storage: { pageEntries: 8, maxCachedPages: 6, answerEvictedWithEmpty: false },
  traceRingEvents: 60,
  traceText: true,
  maxNodes: 9,
  contractChecks: true,
  maxQueuedEvents: 1_000_000,
  maxDeferredEvents: 4096,
  maxUnsyncedWrites: 64,
});

export type FaultKind =
  | NetworkFault
  | "crash"
  | "lostWrite"
  | "tornWrite"
  | "pause"
  | "partition"
  | "asymmetricPartition"
  | "confChange"
  | "transfer"
  | "compaction"
  | "eviction";

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly digest: string;
  /** Events processed (ticks, deliveries, disk completions, faults). */
  readonly steps: number;
  readonly ticks: number;
  readonly checks: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly proposalsAccepted: number;
  readonly committedMax: number;
  readonly leaderElections: number;
  readonly maxTerm: number;
  readonly failure?: string;
  readonly traceTail?: readonly string[];
  /** One line per node at the moment of failure. */
  readonly clusterState?: readonly string[];
}

type SimEvent =
  | { kind: "world"; timeUnits: number; seq: number; tick: number }
  | { kind: "deliver"; timeUnits: number; seq: number; msg: Message }
  | { kind: "disk"; timeUnits: number; seq: number; node: NodeId; inc: number }
  | { kind: "read"; timeUnits: number; seq: number; node: NodeId; inc: number; page: number }
  | { kind: "restart"; timeUnits: number; seq: number; node: NodeId }
  | { kind: "crash"; timeUnits: number; seq: number; node: NodeId; inc: number }
  | { kind: "resume"; timeUnits: number; seq: number; node: NodeId }
  | { kind: "heal"; timeUnits: number; seq: number };

const MSG_CODES: Record<MessageType, number> = {
  append: 1,
  appendResponse: 2,
  vote: 3,
  voteResponse: 4,
  preVote: 5,
  preVoteResponse: 6,
  heartbeat: 7,
  heartbeatResponse: 8,
  snapshotChunk: 9,
  snapshotChunkResponse: 10,
  timeoutNow: 11,
  readIndex: 12,
  readIndexResponse: 13,
};

const FAULT_CODES: Record<string, number> = {
  drop: 1,
  duplicate: 2,
  reorder: 3,
  linkFull: 4,
  partitionDrop: 5,
};

/** Draws a seed's fault profile. Each fault is off for some seeds, mild or heavy for others. */
export function drawProfile(rng: SimRng, tickUnits: number, electionTicks: number): FaultProfile {
  const maxDelayUnits = rng.pick([2, tickUnits, 3 * tickUnits]);
  const profile = {
    network: {
      dropProbability: rng.pick([0, 0.01, 0.05, 0.2]),
      duplicateProbability: rng.pick([0, 0.01, 0.05]),
      minDelayUnits: 1,
      maxDelayUnits,
      reorderProbability: rng.pick([0, 0.05, 0.2]),
      reorderDelayUnits: rng.pick([tickUnits, electionTicks * tickUnits]),
      maxInFlightPerLink: rng.pick([16, 256]),
    },
    crashPerTick: rng.pick([0, 0.002, 0.01, 0.02]),
    crashAfterVoteGrant: rng.pick([0, 0.1, 0.3]),
    tearProbability: rng.pick([0.2, 0.8]),
    pausePerTick: rng.pick([0, 0.002, 0.01]),
    partitionPerTick: rng.pick([0, 0.005, 0.02]),
    proposePerTick: rng.pick([0.1, 0.3, 0.8]),
    confChangePerTick: rng.pick([0, 0.005, 0.02, 0.05]),
    transferPerTick: rng.pick([0, 0.003, 0.01]),
    compactPerTick: rng.pick([0, 0.01, 0.05]),
    evictPerTick: rng.pick([0, 0.02, 0.1]),
    readIndexPerTick: rng.pick([0, 0.05, 0.3]),
    maxDiskWriteUnits: rng.pick([1, tickUnits, 4 * tickUnits]),
    maxDiskReadUnits: rng.pick([1, tickUnits, 4 * tickUnits]),
  };
  // One seed in eight is a membership storm: heavy churn, frequent crashes and rare snapshots,
  // so restarted nodes replay long logs of conf changes while elections go on.
  if (!rng.chance(1 / 8)) return profile;
  return {
    ...profile,
    confChangePerTick: 0.05,
    crashPerTick: 0.02,
    compactPerTick: 0.002,
    proposePerTick: 0.8,
    partitionPerTick: 0.01,
  };
}

/** The healed network of the liveness phase: same delays, no loss. */
function healed(n: NetworkOptions): NetworkOptions {
  return {
    ...n,
    dropProbability: 0,
    duplicateProbability: 0,
    reorderProbability: 0,
    maxInFlightPerLink: Math.max(n.maxInFlightPerLink, 256),
  };
}

export class Simulation implements NodeHost {
  readonly options: SimOptions;
  readonly rng: SimRng;
  readonly checker = new Checker();
  readonly trace: Trace;
  readonly profile: FaultProfile;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly network: SimNetwork<Message>;
  readonly #queue: EventQueue<SimEvent>;
  readonly faults: Record<string, number> = {};
  nowUnits = 0;
  steps = 0;
  ticks = 0;
  #nextNodeId = 1;
  #nextProposalId = 1;
  proposalsAccepted = 0;
  #faultsOn = true;
  /** Membership at index 0, shared by every node ever started. */
  #bootstrap: ConfState = { voters: [], learners: [] };
  #partitioned = false;
  /** Outstanding reads: context → the node asked and the least index a correct answer has. */
  readonly #reads = new Map<number, { node: NodeId; minIndex: number }>();
  readonly #readsAnswered = new Set<number>();
  #nextReadContext = 1;
  readonly #removalAccepted = new Set<NodeId>();

  readonly storageOptions: StorageOptions;
  readonly maxUnsyncedWrites: number;
  readonly maxReadiesPerPump = 10_000;
  readonly contractChecks: boolean;

  constructor(options: SimOptions) {
    this.options = options;
    this.rng = new SimRng(options.seed);
    this.trace = new Trace(options.traceRingEvents, options.traceText);
    this.storageOptions = options.storage;
    this.contractChecks = options.contractChecks;
    this.maxUnsyncedWrites = options.maxUnsyncedWrites;
    this.#queue = new EventQueue<SimEvent>(options.maxQueuedEvents);
    this.profile = options.profile ??
      drawProfile(this.rng, options.tickUnits, options.electionTicks);
    this.network = new SimNetwork<Message>(
      this.profile.network,
      this.rng,
      (at, msg) => this.#queue.push({ kind: "deliver", timeUnits: at, seq: 0, msg }),
      (fault, msg) => this.#networkFault(fault, msg),
    );
    const voters = options.voters ?? this.rng.pick([3, 5]);
    const learners = options.learners ?? this.rng.between(0, 2);
    const voterIds = range(1, voters);
    const learnerIds = range(voters + 1, learners);
    const confState = { voters: voterIds, learners: learnerIds };
    this.#bootstrap = confState;
    for (const id of [...voterIds, ...learnerIds]) this.#addNode(id, LogImage.empty(confState));
    this.#nextNodeId = voters + learners + 1;
    this.trace.event(0, 100, voters, learners, options.seed, () => `start ${voters}v ${learners}l`);
  }

  get tearProbability(): number {
    return this.profile.tearProbability;
  }

  // ---- NodeHost ----

  send(msg: Message): void {
    const code = MSG_CODES[msg.type];
    this.trace.event(
      this.nowUnits,
      1,
      msg.from * 64 + msg.to,
      code,
      msg.term,
      () => `send ${msg.from}->${msg.to} ${describe(msg)}`,
    );
    const to = this.nodes.get(msg.to);
    if (to === undefined || to.state === "retired") return;
    this.network.send(this.nowUnits, msg);
    if (
      this.#faultsOn && msg.type === "voteResponse" && !msg.reject &&
      this.rng.chance(this.profile.crashAfterVoteGrant)
    ) {
      const from = this.nodes.get(msg.from);
      if (from === undefined) return;
      const inc = from.incarnation;
      this.#queue.push({ kind: "crash", timeUnits: this.nowUnits + 1, seq: 0, node: from.id, inc });
    }
  }

  scheduleDiskDone(node: SimNode, incarnation: number): void {
    const at = this.nowUnits + this.rng.between(1, this.profile.maxDiskWriteUnits);
    this.#queue.push({ kind: "disk", timeUnits: at, seq: 0, node: node.id, inc: incarnation });
  }

  scheduleRead(node: SimNode, incarnation: number, page: number): void {
    const at = this.nowUnits + this.rng.between(1, this.profile.maxDiskReadUnits);
    this.#queue.push({
      kind: "read",
      timeUnits: at,
      seq: 0,
      node: node.id,
      inc: incarnation,
      page,
    });
  }

  traceEvent(kind: number, a: number, b: number, c: number, text: () => string): void {
    this.trace.event(this.nowUnits, kind, a, b, c, text);
  }

  onApplied(node: SimNode, e: Entry): void {
    if (e.type !== "confChange") return;
    const cc = decodeConfChange(e.data);
    if (cc === undefined || cc.kind !== "removeNode") return;
    // A committed removal retires the node for good (ids are never reused).
    const removed = cc.node;
    const target = this.nodes.get(removed);
    if (target !== undefined && target.state !== "retired" && removed !== node.id) {
      target.retire();
      this.#count("retire");
      this.traceEvent(14, removed, e.index, 0, () => `node ${removed} retired (removal applied)`);
    }
  }

  /**
   * Linearizable reads: the index must cover everything known committed when the read was asked
   * (thesis §6.4). A duplicated response may answer a context twice; an unasked one never.
   */
  onReadState(node: SimNode, rs: ReadState): void {
    this.checker.count();
    const req = this.#reads.get(rs.context);
    if (req === undefined) {
      if (this.#readsAnswered.has(rs.context)) return;
      throw new SafetyViolation(
        `node ${node.id} gets a read state for unasked context ${rs.context}`,
      );
    }
    if (req.node !== node.id) {
      throw new SafetyViolation(
        `read ${rs.context} asked on node ${req.node} is answered on node ${node.id}`,
      );
    }
    if (rs.index < req.minIndex) {
      throw new SafetyViolation(
        `stale read: read ${rs.context} on node ${node.id} answered at index ${rs.index}, but ` +
          `${req.minIndex} was committed before it was asked`,
      );
    }
    this.#reads.delete(rs.context);
    this.#readsAnswered.add(rs.context);
    this.traceEvent(
      21,
      node.id,
      rs.context,
      rs.index,
      () => `read ${rs.context} on ${node.id} at ${rs.index}`,
    );
  }

  // ---- the run ----

  /** Runs both phases; never throws for a safety or liveness failure, it reports it. */
  run(): SimResult {
    try {
      this.#start();
      this.#runUntil(this.options.safetyTicks * this.options.tickUnits);
      this.#heal();
      this.#liveness();
      return this.#result(undefined);
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      const message = err instanceof SafetyViolation
        ? `safety: ${err.message}`
        : err.name === "LivenessFailure"
        ? err.message
        : `crash: ${err.stack ?? err.message}`;
      return this.#result(message);
    }
  }

  #result(failure: string | undefined): SimResult {
    let maxTerm = 0;
    for (const n of this.nodes.values()) maxTerm = Math.max(maxTerm, n.term);
    const base = {
      seed: this.options.seed,
      ok: failure === undefined,
      digest: this.trace.digest(),
      steps: this.steps,
      ticks: this.ticks,
      checks: this.checker.checks,
      faults: { ...this.faults },
      proposalsAccepted: this.proposalsAccepted,
      committedMax: this.checker.committedMax,
      leaderElections: this.checker.leaderTerms,
      maxTerm,
    };
    return failure === undefined
      ? base
      : { ...base, failure, traceTail: this.trace.tail(), clusterState: this.describeCluster() };
  }

  /** One line per node: driver view, plus the leader's view of each follower's progress. */
  describeCluster(): string[] {
    const lines: string[] = [];
    for (const n of this.nodes.values()) {
      const log = n.disk.visible;
      lines.push(
        `node ${n.id} ${n.state}${n.paused ? " paused" : ""} ${n.role} term=${n.term} ` +
          `commit=${n.commit} applied=${n.appliedIndex} log=[${log.firstIndex()},${log.lastIndex()}] ` +
          `voters=[${n.confState.voters}] learners=[${n.confState.learners}]`,
      );
      const st = n.coreStatus() as { progress?: ReadonlyMap<number, unknown> } | undefined;
      if (st?.progress === undefined) continue;
      for (const [id, pr] of st.progress) lines.push(`  progress ${id}: ${JSON.stringify(pr)}`);
    }
    return lines;
  }

  #start(): void {
    this.#queue.push({ kind: "world", timeUnits: 0, seq: 0, tick: 0 });
  }

  /** Processes events up to and including `untilUnits`. */
  #runUntil(untilUnits: number): void {
    for (;;) {
      const next = this.#queue.peek();
      if (next === undefined || next.timeUnits > untilUnits) break;
      this.#queue.pop();
      this.nowUnits = next.timeUnits;
      this.steps++;
      this.#dispatch(next);
    }
    this.nowUnits = untilUnits;
  }

  #dispatch(ev: SimEvent): void {
    switch (ev.kind) {
      case "world":
        this.ticks = ev.tick;
        if (this.#faultsOn) this.#injectFaults();
        // One event ticks every node: a third of the queue work of per-node tick events.
        for (const node of this.nodes.values()) {
          if (node.state === "up" && !node.paused) node.tick();
        }
        this.#queue.push({
          kind: "world",
          timeUnits: ev.timeUnits + this.options.tickUnits,
          seq: 0,
          tick: ev.tick + 1,
        });
        return;
      case "deliver": {
        if (!this.network.arrive(ev.msg)) return;
        const node = this.nodes.get(ev.msg.to);
        if (node === undefined || node.state !== "up") return;
        const msg = ev.msg;
        this.#whenAwake(node, () => {
          this.trace.event(
            this.nowUnits,
            2,
            msg.from * 64 + msg.to,
            MSG_CODES[msg.type],
            msg.term,
            () => `recv ${msg.from}->${msg.to} ${describe(msg)}`,
          );
          node.step(msg);
        }, true);
        return;
      }
      case "disk": {
        const node = this.nodes.get(ev.node);
        if (node === undefined || node.incarnation !== ev.inc || node.state !== "up") return;
        this.#whenAwake(node, () => {
          if (node.incarnation !== ev.inc) return;
          this.traceEvent(5, node.id, 0, 0, () => `node ${node.id} write done`);
          node.diskDone();
        }, false);
        return;
      }
      case "read": {
        const node = this.nodes.get(ev.node);
        if (node === undefined || node.incarnation !== ev.inc || node.state !== "up") return;
        this.traceEvent(18, node.id, ev.page + 1, 0, () => `node ${node.id} read page ${ev.page}`);
        node.storage.loaded(ev.page);
        return;
      }
      case "restart": {
        const node = this.nodes.get(ev.node);
        if (node === undefined || node.state !== "down") return;
        this.traceEvent(8, node.id, 0, 0, () => `node ${node.id} restarts`);
        node.restart();
        return;
      }
      case "crash": {
        const node = this.nodes.get(ev.node);
        if (node === undefined || node.state !== "up" || node.incarnation !== ev.inc) return;
        if (this.#faultsOn) this.#crash(node, true);
        return;
      }
      case "resume": {
        const node = this.nodes.get(ev.node);
        if (node === undefined || !node.paused) return;
        this.#resume(node);
        return;
      }
      case "heal":
        this.network.heal();
        this.#partitioned = false;
        this.traceEvent(12, 0, 0, 0, () => `partition healed`);
        return;
    }
  }

  /** Runs `fn` now, or when a paused node resumes; deliveries beyond the bound are dropped. */
  #whenAwake(node: SimNode, fn: () => void, droppable: boolean): void {
    if (!node.paused) return fn();
    if (droppable && node.deferred.length >= this.options.maxDeferredEvents) {
      this.#count("linkFull");
      return;
    }
    node.deferred.push(fn);
  }

  #resume(node: SimNode): void {
    node.paused = false;
    this.traceEvent(10, node.id, 0, 0, () => `node ${node.id} resumes`);
    const held = node.deferred;
    node.deferred = [];
    for (const fn of held) {
      if (node.state !== "up" || node.paused) break;
      fn();
    }
  }

  #count(kind: string): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1;
  }

  #networkFault(fault: NetworkFault, msg: Message): void {
    this.#count(fault);
    this.trace.event(
      this.nowUnits,
      3,
      msg.from * 64 + msg.to,
      FAULT_CODES[fault] ?? 0,
      MSG_CODES[msg.type],
      () => `${fault} ${msg.from}->${msg.to} ${msg.type}`,
    );
  }

  // ---- faults and workload ----

  #live(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (n.state !== "retired") out.push(n);
    return out;
  }

  #up(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (n.state === "up" && !n.paused) out.push(n);
    return out;
  }

  /** The up node that leads the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (n.isLeader && !n.paused && (best === undefined || n.term > best.term)) best = n;
    }
    return best;
  }

  #injectFaults(): void {
    const p = this.profile;
    const rng = this.rng;
    if (rng.chance(p.proposePerTick)) this.#propose(rng.chance(0.8) ? this.leader() : undefined);
    if (rng.chance(p.crashPerTick)) this.#crashSomeone();
    if (rng.chance(p.pausePerTick)) this.#pause();
    if (rng.chance(p.partitionPerTick)) this.#partition();
    if (rng.chance(p.confChangePerTick)) this.#confChange();
    if (rng.chance(p.transferPerTick)) this.#transfer();
    if (rng.chance(p.compactPerTick)) this.#compact();
    if (rng.chance(p.evictPerTick)) this.#evict();
    if (rng.chance(p.readIndexPerTick)) this.#readIndex();
  }

  /** Proposes on `target` (or a random up node); returns what the core promised if accepted. */
  #propose(
    target: SimNode | undefined,
  ): { id: number; index: number; term: number } | undefined {
    const up = this.#up();
    const node = target ?? (up.length > 0 ? this.rng.pick(up) : undefined);
    if (node === undefined || node.state !== "up" || node.paused) return undefined;
    const id = this.#nextProposalId++;
    const r = node.propose(proposalPayload(id));
    this.traceEvent(
      13,
      node.id,
      id,
      r.ok ? r.index : 0,
      () => `propose #${id} on ${node.id}: ${r.ok ? `index ${r.index} term ${r.term}` : r.error}`,
    );
    if (!r.ok) return undefined;
    this.proposalsAccepted++;
    this.checker.proposalAccepted(id, r.index, r.term);
    return { id, index: r.index, term: r.term };
  }

  #crashSomeone(): void {
    const up = this.#live().filter((n) => n.state === "up");
    if (up.length === 0) return;
    // Half the crashes hit the leader: leader churn is where old-term entries meet new leaders.
    const leader = this.leader();
    this.#crash(leader !== undefined && this.rng.chance(0.5) ? leader : this.rng.pick(up), false);
  }

  #crash(node: SimNode, quickReboot: boolean): void {
    const outcome = node.crash();
    this.#count("crash");
    if (outcome.lostWrites > 0) {
      this.faults["lostWrite"] = (this.faults["lostWrite"] ?? 0) + outcome.lostWrites;
    }
    if (outcome.tornWrite) this.#count("tornWrite");
    this.traceEvent(
      7,
      node.id,
      outcome.lostWrites,
      outcome.tornWrite ? 1 : 0,
      () =>
        `node ${node.id} crashes (lost ${outcome.lostWrites} writes${
          outcome.tornWrite ? ", torn" : ""
        })`,
    );
    // Half are quick reboots that come back within the same election (forgotten votes show up
    // there); the rest stay down long enough for the others to move on.
    const downTicks = quickReboot || this.rng.chance(0.5)
      ? this.rng.between(1, 2)
      : this.rng.between(1, 8 * this.options.electionTicks);
    this.#queue.push({
      kind: "restart",
      timeUnits: this.nowUnits + downTicks * this.options.tickUnits,
      seq: 0,
      node: node.id,
    });
  }

  #pause(): void {
    const up = this.#up();
    if (up.length === 0) return;
    const node = this.rng.pick(up);
    node.paused = true;
    this.#count("pause");
    const ticks = this.rng.between(1, 3 * this.options.electionTicks);
    this.traceEvent(9, node.id, ticks, 0, () => `node ${node.id} pauses for ${ticks} ticks`);
    this.#queue.push({
      kind: "resume",
      timeUnits: this.nowUnits + ticks * this.options.tickUnits,
      seq: 0,
      node: node.id,
    });
  }

  #partition(): void {
    if (this.#partitioned) return;
    const ids = this.#live().map((n) => n.id);
    if (ids.length < 2) return;
    const rng = this.rng;
    const shuffled = ids.slice();
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
    }
    // Half the partitions cut the leader off with a minority: it keeps taking proposals it
    // cannot commit, which leaves divergent uncommitted suffixes for later leaders to resolve.
    const leader = this.leader();
    if (leader !== undefined && rng.chance(0.5)) {
      const at = shuffled.indexOf(leader.id);
      [shuffled[0], shuffled[at]] = [leader.id, shuffled[0] as number];
    }
    const cutAt = rng.between(1, Math.max(1, Math.floor((shuffled.length - 1) / 2)));
    const sideA = rng.chance(0.5) || leader === undefined
      ? shuffled.slice(0, rng.between(1, shuffled.length - 1))
      : shuffled.slice(0, cutAt);
    const sideB = shuffled.filter((id) => !sideA.includes(id));
    const symmetric = rng.chance(0.7);
    this.network.partition(sideA, sideB, symmetric);
    this.#partitioned = true;
    this.#count(symmetric ? "partition" : "asymmetricPartition");
    const ticks = rng.between(5, 10 * this.options.electionTicks);
    this.traceEvent(
      11,
      sideA.length,
      symmetric ? 1 : 0,
      ticks,
      () => `partition [${sideA}] ${symmetric ? "<->" : "->"} [${sideB}] for ${ticks} ticks`,
    );
    this.#queue.push({
      kind: "heal",
      timeUnits: this.nowUnits + ticks * this.options.tickUnits,
      seq: 0,
    });
  }

  #confChange(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const rng = this.rng;
    const cs = leader.confState;
    const voters = cs.voters;
    const learners = cs.learners;
    type Cc = Parameters<SimNode["proposeConfChange"]>[0];
    const options: Cc[] = [];
    // Ids whose removal was ever accepted are never added back (ids are not reused).
    for (const l of learners) {
      if (!this.#removalAccepted.has(l)) options.push({ kind: "addVoter", node: l });
    }
    for (const l of learners) options.push({ kind: "removeNode", node: l });
    if (voters.length > 3) {
      for (const v of voters) if (v !== leader.id) options.push({ kind: "removeNode", node: v });
    }
    if (this.#nextNodeId <= this.options.maxNodes && voters.length + learners.length < 7) {
      options.push({ kind: "addLearner", node: this.#nextNodeId });
    }
    if (options.length === 0) return;
    const cc = rng.pick(options);
    const r = leader.proposeConfChange(cc);
    if (cc.kind === "addLearner" && r.ok) {
      // The new node starts from the bootstrap state at index 0 (the membership every node
      // started with); replaying the log or a snapshot from the leader brings it up to date.
      this.#addNode(cc.node, LogImage.empty(this.#bootstrap));
      this.#nextNodeId++;
    }
    this.#count("confChange");
    this.traceEvent(
      14,
      leader.id,
      cc.node,
      r.ok ? r.index : 0,
      () =>
        `conf change ${cc.kind} ${cc.node} on ${leader.id}: ${r.ok ? `index ${r.index}` : r.error}`,
    );
    if (r.ok) this.checker.confChangeAccepted(cc);
    if (r.ok && cc.kind === "removeNode") this.#removalAccepted.add(cc.node);
  }

  #transfer(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const others = leader.confState.voters.filter((v) => v !== leader.id);
    if (others.length === 0) return;
    const to = this.rng.pick(others);
    this.#count("transfer");
    this.traceEvent(15, leader.id, to, 0, () => `transfer leadership ${leader.id} -> ${to}`);
    leader.transferLeader(to);
  }

  #compact(): void {
    const up = this.#up();
    if (up.length === 0) return;
    const node = this.rng.pick(up);
    if (node.compact()) {
      this.#count("compaction");
      const at = node.appliedIndex;
      this.traceEvent(16, node.id, at, 0, () => `node ${node.id} compacts to ${at}`);
    }
  }

  #readIndex(): void {
    const up = this.#up();
    if (up.length === 0) return;
    const node = this.rng.pick(up);
    const context = this.#nextReadContext++;
    const minIndex = this.checker.committedMax;
    // Registered first: a single-voter leader answers inside the call.
    this.#reads.set(context, { node: node.id, minIndex });
    const ok = node.readIndex(context);
    if (!ok && this.#reads.has(context)) this.#reads.delete(context);
    this.#count("readIndex");
    this.traceEvent(22, node.id, context, ok ? 1 : 0, () => `read ${context} asked on ${node.id}`);
  }

  #evict(): void {
    const up = this.#up();
    if (up.length === 0) return;
    const node = this.rng.pick(up);
    const pages = this.rng.between(1, 4);
    const n = node.storage.evict(pages, this.rng.chance(0.3));
    this.#count("eviction");
    this.traceEvent(17, node.id, n, 0, () => `node ${node.id} evicts ${n} pages`);
  }

  #addNode(id: NodeId, image: LogImage): void {
    this.nodes.set(id, new SimNode(id, this, this.options.makeCore, image));
  }

  // ---- liveness ----

  #heal(): void {
    this.#faultsOn = false;
    this.network.heal();
    this.#partitioned = false;
    this.network.setOptions(healed(this.profile.network));
    this.traceEvent(20, 0, 0, 0, () => `liveness phase: network healed, nodes restarted`);
    for (const node of this.nodes.values()) {
      if (node.state === "down") node.restart();
      if (node.paused) this.#resume(node);
    }
  }

  #liveness(): void {
    const o = this.options;
    const unit = o.tickUnits;
    const start = this.nowUnits;
    const leaderDeadline = start + o.leaderWithinTicks * unit;
    while (this.#currentLeader() === undefined) {
      if (this.nowUnits >= leaderDeadline) {
        throw new LivenessFailure(
          `liveness: no leader within ${o.leaderWithinTicks} ticks of healing`,
        );
      }
      this.#runUntil(this.nowUnits + unit);
    }
    // Let stragglers from the fault phase land (a delayed TimeoutNow may still move leadership)
    // before making the proposals that must all commit.
    this.#runUntil(this.nowUnits + 3 * o.electionTicks * unit);
    while (this.#currentLeader() === undefined) {
      if (this.nowUnits >= leaderDeadline + 3 * o.electionTicks * unit) {
        throw new LivenessFailure(
          `liveness: leadership unsettled ${o.leaderWithinTicks} ticks after healing`,
        );
      }
      this.#runUntil(this.nowUnits + unit);
    }
    this.#commitRequests(this.nowUnits + o.commitWithinTicks * unit);
    const convergeDeadline = this.nowUnits + o.convergeWithinTicks * unit;
    for (;;) {
      const behind = this.#behind();
      if (behind.length === 0) return;
      if (this.nowUnits >= convergeDeadline) {
        throw new LivenessFailure(
          `liveness: ${o.convergeWithinTicks} ticks after the proposals committed, members ` +
            `[${behind}] have not applied up to ${this.checker.committedMax}`,
        );
      }
      this.#runUntil(this.nowUnits + unit);
    }
  }

  /**
   * Clients make `livenessProposals` requests on the current leader; each must commit before the
   * deadline. Like a real client, one whose proposal was lost to a leader change (the new leader's
   * log lacks it, so it can never commit) retries, at most `MAX_CLIENT_ATTEMPTS` times.
   */
  #commitRequests(deadlineUnits: number): void {
    const o = this.options;
    const requests: { id: number; index: number; term: number; attempts: number }[] = [];
    const pending = () => requests.filter((r) => !this.checker.isProposalCommitted(r.id));
    while (requests.length < o.livenessProposals || pending().length > 0) {
      if (this.nowUnits >= deadlineUnits) {
        const open = pending().map((r) => `#${r.id}@${r.index} (attempt ${r.attempts})`);
        throw new LivenessFailure(
          `liveness: ${o.commitWithinTicks} ticks after healing, ${requests.length} of ` +
            `${o.livenessProposals} proposals accepted, not committed: [${open}] ` +
            `(commit ${this.checker.committedMax})`,
        );
      }
      const leader = this.#currentLeader();
      if (leader !== undefined) {
        if (requests.length < o.livenessProposals) {
          const p = this.#propose(leader);
          if (p !== undefined) requests.push({ ...p, attempts: 1 });
        }
        for (const [i, r] of requests.entries()) {
          const lost = leader.term > r.term && leader.log.termAt(r.index) !== r.term &&
            !this.checker.isProposalCommitted(r.id);
          if (!lost || r.attempts >= MAX_CLIENT_ATTEMPTS) continue;
          const p = this.#propose(leader);
          if (p !== undefined) requests[i] = { ...p, attempts: r.attempts + 1 };
        }
      }
      this.#runUntil(this.nowUnits + o.tickUnits);
    }
  }

  /** A leader whose term is the highest among up nodes (not a deposed one yet to hear of it). */
  #currentLeader(): SimNode | undefined {
    const leader = this.leader();
    if (leader === undefined) return undefined;
    for (const n of this.nodes.values()) {
      if (n.state === "up" && n.term > leader.term) return undefined;
    }
    return leader;
  }

  /** Members (as the current leader knows them) that have not applied everything committed. */
  #behind(): string[] {
    const leader = this.#currentLeader();
    if (leader === undefined) return ["(no leader)"];
    const target = this.checker.committedMax;
    const out: string[] = [];
    for (const id of [...leader.confState.voters, ...leader.confState.learners]) {
      const n = this.nodes.get(id);
      if (n !== undefined && n.state === "up" && n.appliedIndex < target) {
        out.push(`${id}@${n.appliedIndex}`);
      }
    }
    return out;
  }
}

/** Attempts a liveness-phase client makes for one request before the run fails. */
const MAX_CLIENT_ATTEMPTS = 3;

export class LivenessFailure extends Error {
  override name = "LivenessFailure";
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function describe(m: Message): string {
  switch (m.type) {
    case "append":
      return `append t${m.term} prev=(${m.prevIndex},${m.prevTerm}) n=${m.entries.length} commit=${m.commit}`;
    case "appendResponse":
      return `appendResp t${m.term} index=${m.index}${
        m.reject ? ` reject hint=(${m.hintIndex},${m.hintTerm})` : ""
      }`;
    case "vote":
    case "preVote":
      return `${m.type} t${m.term} last=(${m.lastIndex},${m.lastTerm})${
        m.transfer ? " transfer" : ""
      }`;
    case "voteResponse":
    case "preVoteResponse":
      return `${m.type} t${m.term}${m.reject ? " reject" : " grant"}`;
    case "heartbeat":
      return `heartbeat t${m.term} commit=${m.commit}`;
    case "snapshotChunk":
      return `snapshotChunk t${m.term} index=${m.meta.index} off=${m.offset}${
        m.done ? " done" : ""
      }`;
    case "snapshotChunkResponse":
      return `snapshotChunkResp t${m.term} index=${m.snapshotIndex} next=${m.nextOffset}${
        m.reject ? " reject" : ""
      }`;
    default:
      return `${m.type} t${m.term}`;
  }
}

/** Runs one seed with the default options. */
export function runSeed(
  seed: number,
  makeCore: CoreFactory,
  overrides: Partial<Omit<SimOptions, "seed" | "makeCore">> = {},
): SimResult {
  return new Simulation({ ...defaultSimOptions, ...overrides, seed, makeCore }).run();
}
