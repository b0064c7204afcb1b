/**
 * A deterministic in-memory cluster of `RawNode`s for scenario scripts, unit tests and benchmarks.
 * Each node has a `MemoryStorage`; messages wait in one FIFO network queue until delivered; a
 * partition drops messages between the two sides at delivery time.
 */

import {
  applyConfChange,
  type ConfState,
  decodeConfChange,
  type Entry,
  type Message,
  type NodeId,
  type RaftConfigInput,
  RawNode,
  type Ready,
  type Rng,
  type TestingKnobs,
} from "../../src/raft/mod.ts";
import { MemoryStorage } from "./_memory_storage.ts";

/** xorshift32: small, seeded, deterministic. */
export class SeededRng implements Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = (seed * 2654435761) >>> 0 || 1;
  }
  nextInt(bound: number): number {
    let x = this.#s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.#s = x;
    return x % bound;
  }
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function fmtEntry(e: Entry): string {
  if (e.type === "confChange") {
    const cc = decodeConfChange(e.data);
    return `${e.term}/${e.index} cc:${cc?.kind}(${cc?.node})`;
  }
  return `${e.term}/${e.index} ${JSON.stringify(decoder.decode(e.data))}`;
}

function fmtEntries(es: readonly Entry[]): string {
  return es.map(fmtEntry).join(", ");
}

function fmtConf(cs: ConfState): string {
  return `voters=(${cs.voters.join(",")}) learners=(${cs.learners.join(",")})`;
}

export function fmtMsg(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case "append":
      return `${head} prev=${m.prevTerm}/${m.prevIndex} commit=${m.commit}` +
        (m.entries.length > 0 ? ` [${fmtEntries(m.entries)}]` : "");
    case "appendResponse":
      return m.reject
        ? `${head} reject index=${m.index} hint=${m.hintTerm}/${m.hintIndex}`
        : `${head} index=${m.index}`;
    case "vote":
    case "preVote":
      return `${head} last=${m.lastTerm}/${m.lastIndex}${m.transfer ? " transfer" : ""}`;
    case "voteResponse":
    case "preVoteResponse":
      return m.reject ? `${head} rejected` : head;
    case "heartbeat":
      return `${head} commit=${m.commit}${m.context !== 0 ? ` ctx=${m.context}` : ""}`;
    case "heartbeatResponse":
      return `${head}${m.context !== 0 ? ` ctx=${m.context}` : ""}`;
    case "snapshotChunk":
      return `${head} snap=${m.meta.term}/${m.meta.index} offset=${m.offset} len=${m.data.length}` +
        (m.done ? " done" : "");
    case "snapshotChunkResponse":
      return `${head} snap=${m.snapshotIndex} next=${m.nextOffset}${m.reject ? " reject" : ""}`;
    case "timeoutNow":
      return head;
    case "readIndex":
      return `${head} ctx=${m.context}`;
    case "readIndexResponse":
      return `${head} ctx=${m.context} index=${m.index}`;
  }
}

export interface NodeOptions {
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  readonly maxInflightMsgs?: number;
  readonly maxSizePerMsgBytes?: number;
  readonly snapshotChunkBytes?: number;
  readonly maxUncommittedBytes?: number;
  readonly testingKnobs?: Partial<TestingKnobs>;
}

export interface SimNode {
  readonly id: NodeId;
  node: RawNode;
  readonly storage: MemoryStorage;
  readonly options: NodeOptions;
  /** Payloads applied, in order (the state machine). */
  applied: string[];
  appliedIndex: number;
  /** Membership as of `appliedIndex` (what a snapshot records). */
  appliedConf: ConfState;
}

export class Cluster {
  readonly nodes = new Map<NodeId, SimNode>();
  /** The network: messages sent and not yet delivered, in send order. */
  queue: Message[] = [];
  #cut = new Set<string>();
  /** Skip formatting (benchmarks). */
  quiet = false;

  add(id: NodeId, storage: MemoryStorage, options: NodeOptions = {}): SimNode {
    const applied = storage.snap.meta.index;
    const sim: SimNode = {
      id,
      node: this.#makeNode(id, storage, options, applied),
      storage,
      options,
      applied: storage.snap.data.length > 0 ? [decoder.decode(storage.snap.data)] : [],
      appliedIndex: applied,
      appliedConf: storage.snap.meta.confState,
    };
    this.nodes.set(id, sim);
    return sim;
  }

  #makeNode(id: NodeId, storage: MemoryStorage, o: NodeOptions, applied: number): RawNode {
    const cfg: RaftConfigInput = {
      id,
      storage,
      rng: new SeededRng(id),
      applied,
      preVote: o.preVote ?? false,
      checkQuorum: o.checkQuorum ?? false,
      electionTicks: o.electionTicks ?? 10,
      heartbeatTicks: o.heartbeatTicks ?? 1,
      maxInflightMsgs: o.maxInflightMsgs ?? 256,
      maxSizePerMsgBytes: o.maxSizePerMsgBytes ?? 1 << 20,
      snapshotChunkBytes: o.snapshotChunkBytes ?? 1 << 20,
      maxUncommittedBytes: o.maxUncommittedBytes ?? 1 << 26,
      testingKnobs: o.testingKnobs ?? {},
    };
    return new RawNode(cfg);
  }

  /** Crash and restart from storage: everything persisted survives, nothing else. */
  restart(id: NodeId): void {
    const sim = this.get(id);
    this.queue = this.queue.filter((m) => m.to !== id);
    sim.node = this.#makeNode(id, sim.storage, sim.options, sim.appliedIndex);
  }

  get(id: NodeId): SimNode {
    const sim = this.nodes.get(id);
    if (sim === undefined) throw new Error(`no node ${id}`);
    return sim;
  }

  /** Cuts every link between different sides (replacing any earlier partition). */
  partition(sides: readonly (readonly NodeId[])[]): void {
    this.#cut.clear();
    for (const a of sides) {
      for (const b of sides) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.#cut.add(`${x}-${y}`);
      }
    }
  }

  heal(): void {
    this.#cut.clear();
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.#cut.has(`${from}-${to}`);
  }

  /** Runs one Ready through the contract: persist, send, apply, advance. */
  processReady(id: NodeId, out: string[]): boolean {
    const sim = this.get(id);
    if (!sim.node.hasReady()) return false;
    const rd = sim.node.ready();
    sim.storage.persist(rd);
    checkPromises(sim, rd);
    this.#apply(sim, rd);
    if (!this.quiet) this.#describe(id, rd, out);
    for (const m of rd.messages) {
      // A partition drops at send time, so nothing sent across it arrives after a heal.
      if (this.isCut(m.from, m.to)) {
        if (!this.quiet) out.push(`  dropped ${fmtMsg(m)}`);
      } else this.queue.push(m);
    }
    sim.node.advance(rd);
    return true;
  }

  #apply(sim: SimNode, rd: Ready): void {
    if (rd.snapshot) {
      sim.applied = [decoder.decode(rd.snapshot.data)];
      sim.appliedIndex = rd.snapshot.meta.index;
      sim.appliedConf = rd.snapshot.meta.confState;
    }
    for (const e of rd.committedEntries) {
      if (e.index !== sim.appliedIndex + 1) {
        throw new Error(`node ${sim.id}: applying ${e.index} after ${sim.appliedIndex}`);
      }
      if (e.type === "confChange") {
        const cc = decodeConfChange(e.data);
        const r = cc && applyConfChange(sim.appliedConf, cc);
        if (r?.ok) sim.appliedConf = r.confState;
      } else if (e.data.length > 0) {
        sim.applied.push(decoder.decode(e.data));
      }
      sim.appliedIndex = e.index;
    }
    if (rd.committedEntries.length > 0) sim.node.appliedTo(sim.appliedIndex);
  }

  #describe(id: NodeId, rd: Ready, out: string[]): void {
    out.push(`> ${id} handling Ready`);
    if (rd.softState) out.push(`  State: ${rd.softState.role} lead=${rd.softState.leader}`);
    if (rd.hardState) {
      const h = rd.hardState;
      out.push(`  HardState term=${h.term} vote=${h.vote} commit=${h.commit}`);
    }
    if (rd.snapshot) {
      const s = rd.snapshot;
      out.push(`  Snapshot ${s.meta.term}/${s.meta.index} ${fmtConf(s.meta.confState)}`);
    }
    if (rd.entries.length > 0) out.push(`  Entries: ${fmtEntries(rd.entries)}`);
    for (const m of rd.messages) out.push(`  send ${fmtMsg(m)}`);
    if (rd.committedEntries.length > 0) {
      out.push(`  Committed: ${fmtEntries(rd.committedEntries)}`);
    }
    for (const r of rd.readStates) out.push(`  ReadState ctx=${r.context} index=${r.index}`);
  }

  /** Delivers queued messages addressed to `ids` (all nodes when empty), in send order. */
  deliver(ids: readonly NodeId[], out: string[]): number {
    const want = (m: Message) => ids.length === 0 || ids.includes(m.to);
    const now = this.queue.filter(want);
    this.queue = this.queue.filter((m) => !want(m));
    let count = 0;
    for (const m of now) {
      const to = this.nodes.get(m.to);
      if (to === undefined || this.isCut(m.from, m.to)) {
        if (!this.quiet) out.push(`  dropped ${fmtMsg(m)}`);
        continue;
      }
      if (!this.quiet) out.push(`> ${m.to} receiving ${fmtMsg(m)}`);
      to.node.step(m);
      count++;
    }
    return count;
  }

  /** Drops queued messages matching from/to (0 = any). */
  drop(from: NodeId, to: NodeId, out: string[]): void {
    const hit = (m: Message) => (from === 0 || m.from === from) && (to === 0 || m.to === to);
    for (const m of this.queue) if (hit(m)) out.push(`  dropped ${fmtMsg(m)}`);
    this.queue = this.queue.filter((m) => !hit(m));
  }

  /** Ready and deliver until nothing moves; throws if it does not settle within `maxRounds`. */
  stabilize(ids: readonly NodeId[], out: string[], maxRounds = 1000): void {
    const all = ids.length > 0 ? ids : [...this.nodes.keys()];
    for (let round = 0; round < maxRounds; round++) {
      let moved = false;
      for (const id of all) moved = this.processReady(id, out) || moved;
      moved = this.deliver(all, out) > 0 || moved;
      if (!moved) return;
    }
    throw new Error(`cluster did not stabilize within ${maxRounds} rounds`);
  }

  propose(id: NodeId, data: string): ReturnType<RawNode["propose"]> {
    return this.get(id).node.propose(encoder.encode(data));
  }

  /** Leader of the highest term among nodes that think they lead, or 0. */
  leader(): NodeId {
    let best = 0;
    let bestTerm = -1;
    for (const [id, sim] of this.nodes) {
      const st = sim.node.status();
      if (st.role === "leader" && st.term > bestTerm) {
        best = id;
        bestTerm = st.term;
      }
    }
    return best;
  }
}

/**
 * Persist before send, checked after the persist and before anything leaves: an acknowledgement
 * speaks for the term storage now holds and covers no index storage lacks.
 */
function checkPromises(sim: SimNode, rd: Ready): void {
  const st = sim.storage;
  for (const m of rd.messages) {
    if (m.type !== "appendResponse" || m.reject) continue;
    if (m.term !== st.hardState.term || m.index > st.lastIndex()) {
      throw new Error(
        `node ${sim.id} sends ${fmtMsg(m)} but storage holds term ${st.hardState.term}` +
          ` and ends at ${st.lastIndex()} (persist before send)`,
      );
    }
  }
}

/** Storage with initial membership, optionally starting from a snapshot at `index` (term 1). */
export function newStorage(voters: NodeId[], learners: NodeId[] = [], index = 0): MemoryStorage {
  return new MemoryStorage({ voters, learners }, index, index > 0 ? 1 : 0);
}
