/**
 * The simulated node driver. It runs one core exactly as the `Ready` contract says: persist (a
 * disk write that completes after a simulated delay while ticks and steps go on), then send, then
 * apply, then advance. It also keeps a mirror of the core's log (storage plus everything handed
 * out in a Ready) and reports every observation to the {@link Checker}.
 */

import { applyConfChange, decodeConfChange } from "../../src/raft/conf_change.ts";
import type {
  ConfChange,
  ConfState,
  Entry,
  Message,
  NodeId,
  ProposeResult,
  ReadState,
  Ready,
  Role,
  Snapshot,
} from "../../src/raft/types.ts";
import type { Checker } from "./checker.ts";
import { SafetyViolation } from "./checker.ts";
import { type DiskWrite, type LogImage, SimDisk } from "./disk.ts";
import { fingerprint } from "./payload.ts";
import type { SimRng } from "./rng.ts";
import { SimStorage, type StorageOptions } from "./storage.ts";

/** What the driver needs of a Raft core (RawNode satisfies it). */
export interface SimCore {
  tick(): void;
  step(msg: Message): void;
  propose(data: Uint8Array): ProposeResult;
  proposeConfChange(cc: ConfChange): ProposeResult;
  transferLeader(id: NodeId): unknown;
  readIndex(context: number): { readonly ok: boolean };
  hasReady(): boolean;
  ready(): Ready;
  advance(rd: Ready): void;
  appliedTo(index: number): void;
  /** Optional: the core's own report, printed when a run fails. */
  status?(): unknown;
}

export interface CoreConfig {
  readonly id: NodeId;
  readonly storage: SimStorage;
  readonly rng: SimRng;
  readonly applied: number;
}

export type CoreFactory = (config: CoreConfig) => SimCore;

/** The simulator services a node uses. */
export interface NodeHost {
  readonly nowUnits: number;
  readonly rng: SimRng;
  readonly checker: Checker;
  readonly storageOptions: StorageOptions;
  readonly tearProbability: number;
  readonly maxUnsyncedWrites: number;
  /** Bound on `ready()` calls in one pump; hitting it means the core livelocks. */
  readonly maxReadiesPerPump: number;
  /** Check the core's promises directly (persist before send, leaders commit their own term). */
  readonly contractChecks: boolean;
  send(msg: Message): void;
  /** Schedules the completion of this node's in-flight disk write. */
  scheduleDiskDone(node: SimNode, incarnation: number): void;
  scheduleRead(node: SimNode, incarnation: number, page: number): void;
  traceEvent(kind: number, a: number, b: number, c: number, text: () => string): void;
  onApplied(node: SimNode, e: Entry): void;
  onReadState(node: SimNode, rs: ReadState): void;
}

export type NodeState = "up" | "down" | "retired";

const SNAPSHOT_DATA_BYTES = 32;

/** The replicated state machine: an order-sensitive hash of everything applied. */
export function applyToHash(hash: number, e: Entry): number {
  let h = Math.imul(hash ^ e.index, 0x01000193);
  h = Math.imul(h ^ e.term, 0x01000193);
  return Math.imul(h ^ fingerprint(e.data), 0x01000193) >>> 0;
}

export function encodeStateMachine(index: number, hash: number): Uint8Array {
  const out = new Uint8Array(SNAPSHOT_DATA_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, index);
  view.setUint32(4, hash);
  for (let i = 8; i < SNAPSHOT_DATA_BYTES; i++) out[i] = (hash >>> (i % 24)) & 0xff;
  return out;
}

export function decodeStateMachine(data: Uint8Array): { index: number; hash: number } {
  if (data.length !== SNAPSHOT_DATA_BYTES) {
    throw new SafetyViolation(`snapshot data has ${data.length} bytes, not ${SNAPSHOT_DATA_BYTES}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const index = view.getUint32(0);
  const hash = view.getUint32(4);
  const want = encodeStateMachine(index, hash);
  for (let i = 0; i < SNAPSHOT_DATA_BYTES; i++) {
    if (want[i] !== data[i]) throw new SafetyViolation(`snapshot data corrupted at byte ${i}`);
  }
  return { index, hash };
}

export class SimNode {
  readonly id: NodeId;
  readonly #host: NodeHost;
  readonly #makeCore: CoreFactory;
  readonly disk: SimDisk;
  state: NodeState = "up";
  /** Bumped on every crash; events carrying an older incarnation are void. */
  incarnation = 0;
  paused = false;
  /** Events that arrived while paused, replayed on resume (bounded by the host). */
  deferred: (() => void)[] = [];
  #core!: SimCore;
  #storage!: SimStorage;
  /** The core's log as handed out: visible storage plus Readies being persisted. */
  #mirror!: LogImage;
  #persisting: Ready | undefined;
  role: Role = "follower";
  leader: NodeId = 0;
  term = 0;
  /** Commit index reported in this incarnation (never decreases within one). */
  commit = 0;
  /** State machine: last applied index and hash. */
  appliedIndex = 0;
  appliedHash = 0;
  /** Membership as of `appliedIndex`. */
  confState: ConfState = { voters: [], learners: [] };
  readies = 0;

  constructor(id: NodeId, host: NodeHost, makeCore: CoreFactory, initial: LogImage) {
    this.id = id;
    this.#host = host;
    this.#makeCore = makeCore;
    this.disk = new SimDisk(initial, host.maxUnsyncedWrites);
    this.#boot();
  }

  get storage(): SimStorage {
    return this.#storage;
  }

  get log(): LogImage {
    return this.#mirror;
  }

  get isLeader(): boolean {
    return this.state === "up" && this.role === "leader";
  }

  /** The core's status (for failure reports and debugging), if it offers one. */
  coreStatus(): unknown {
    return this.state === "up" ? this.#core.status?.() : undefined;
  }

  get persisting(): boolean {
    return this.#persisting !== undefined;
  }

  #boot(): void {
    const durable = this.disk.visible;
    this.#mirror = durable.clone();
    this.#persisting = undefined;
    this.role = "follower";
    this.leader = 0;
    this.term = durable.hardState.term;
    this.commit = durable.hardState.commit;
    this.confState = durable.confState;
    if (durable.snapshot !== undefined) {
      const sm = decodeStateMachine(durable.snapshot.data);
      this.appliedIndex = sm.index;
      this.appliedHash = sm.hash;
    } else {
      this.appliedIndex = 0;
      this.appliedHash = 0;
    }
    const incarnation = this.incarnation;
    this.#storage = new SimStorage(
      this.disk,
      this.#host.storageOptions,
      (page) => this.#host.scheduleRead(this, incarnation, page),
    );
    this.#core = this.#makeCore({
      id: this.id,
      storage: this.#storage,
      rng: this.#host.rng.fork(),
      applied: this.appliedIndex,
    });
  }

  tick(): void {
    this.#core.tick();
    this.pump();
  }

  step(msg: Message): void {
    this.#core.step(msg);
    this.pump();
  }

  propose(data: Uint8Array): ProposeResult {
    const r = this.#core.propose(data);
    this.pump();
    return r;
  }

  proposeConfChange(cc: ConfChange): ProposeResult {
    const r = this.#core.proposeConfChange(cc);
    this.pump();
    return r;
  }

  transferLeader(to: NodeId): void {
    this.#core.transferLeader(to);
    this.pump();
  }

  /** Asks for a linearizable read; the answer comes back as a ReadState in a later Ready. */
  readIndex(context: number): boolean {
    const r = this.#core.readIndex(context);
    this.pump();
    return r.ok;
  }

  /** Takes Readies until one needs the disk or there are none. */
  pump(): void {
    for (let n = 0; this.#persisting === undefined && this.#core.hasReady(); n++) {
      if (n >= this.#host.maxReadiesPerPump) {
        throw new SafetyViolation(`node ${this.id}: core keeps producing Readies (livelock)`);
      }
      const rd = this.#core.ready();
      this.readies++;
      this.#observe(rd);
      if (rd.snapshot !== undefined || rd.entries.length > 0 || rd.hardState !== undefined) {
        this.#persisting = rd;
        this.#traceWrite(rd);
        this.disk.begin(toWrite(rd));
        this.#host.scheduleDiskDone(this, this.incarnation);
        return;
      }
      this.#finish(rd);
    }
  }

  #traceWrite(rd: Ready): void {
    const first = rd.entries[0]?.index ?? 0;
    const last = rd.entries[rd.entries.length - 1]?.index ?? 0;
    const hs = rd.hardState;
    const snap = rd.snapshot?.meta.index ?? 0;
    this.#host.traceEvent(
      4,
      this.id,
      first * 65536 + last,
      snap,
      () =>
        `node ${this.id} persists entries [${first},${last}]` +
        (hs === undefined ? "" : ` hs(t${hs.term} v${hs.vote} c${hs.commit})`) +
        (snap > 0 ? ` snapshot@${snap}` : "") + (rd.mustSync ? " sync" : ""),
    );
  }

  /** The in-flight write completed: the rest of the Ready runs now. */
  diskDone(): void {
    const rd = this.#persisting;
    if (rd === undefined) {
      throw new Error(`node ${this.id}: disk completion with nothing in flight`);
    }
    this.disk.complete();
    this.#storage.wrote(rd.entries, rd.snapshot !== undefined);
    this.#persisting = undefined;
    this.#finish(rd);
    this.pump();
  }

  /** Checks what a Ready reveals, before anything is persisted. */
  #observe(rd: Ready): void {
    const checker = this.#host.checker;
    if (rd.snapshot !== undefined) this.#mirror.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) {
      this.#mirror.appendEntries(rd.entries);
      checker.appended(this.id, this.#mirror, rd.entries);
    }
    if (rd.hardState !== undefined) {
      const hs = rd.hardState;
      if (hs.term < this.term) {
        throw new SafetyViolation(
          `node ${this.id}: term went back from ${this.term} to ${hs.term}`,
        );
      }
      if (hs.commit < this.commit) {
        throw new SafetyViolation(
          `node ${this.id}: commit went back from ${this.commit} to ${hs.commit}`,
        );
      }
      if (
        this.#host.contractChecks && this.role === "leader" && hs.term === this.term &&
        hs.commit > this.commit
      ) {
        checker.leaderCommitted(this.id, this.term, hs.commit, this.#mirror.termAt(hs.commit));
      }
      checker.committed(this.id, hs.term, this.commit, hs.commit, this.#mirror);
      this.term = hs.term;
      this.commit = hs.commit;
    }
    if (rd.softState !== undefined) {
      const was = this.role;
      this.role = rd.softState.role;
      this.leader = rd.softState.leader;
      if (this.role === "leader" && was !== "leader") {
        // Trace text is built later: capture values, not fields that change.
        const term = this.term;
        checker.becameLeader({ id: this.id, term, log: this.#mirror });
        this.#host.traceEvent(19, this.id, term, 0, () => `node ${this.id} leads term ${term}`);
      } else if (was === "leader" && this.role !== "leader") {
        checker.steppedDown(this.id);
      }
    }
  }

  #finish(rd: Ready): void {
    const host = this.#host;
    if (rd.snapshot !== undefined) this.#restore(rd.snapshot);
    if (host.contractChecks) this.#checkPromises(rd.messages);
    for (const m of rd.messages) host.send(m);
    for (const e of rd.committedEntries) this.#apply(e);
    for (const rs of rd.readStates) host.onReadState(this, rs);
    this.#core.advance(rd);
    if (rd.committedEntries.length > 0) this.#core.appliedTo(this.appliedIndex);
  }

  /** Persist before send: a vote or an acknowledgement may only promise what storage holds. */
  #checkPromises(messages: readonly Message[]): void {
    const image = this.disk.visible;
    for (const m of messages) {
      if (m.type === "voteResponse" && !m.reject) {
        this.#host.checker.count();
        // Safe once durable: the vote itself, or a later term (no second vote in m.term then).
        const hs = image.hardState;
        if (hs.term < m.term || (hs.term === m.term && hs.vote !== m.to)) {
          throw new SafetyViolation(
            `node ${this.id} grants its term-${m.term} vote to ${m.to} but storage holds ` +
              `term ${hs.term} vote ${hs.vote} (persist before send)`,
          );
        }
      } else if (m.type === "appendResponse" && !m.reject) {
        this.#host.checker.count();
        if (m.index > image.lastIndex()) {
          throw new SafetyViolation(
            `node ${this.id} acknowledges index ${m.index} but storage ends at ` +
              `${image.lastIndex()} (persist before send)`,
          );
        }
      }
    }
  }

  #restore(snap: Snapshot): void {
    const sm = decodeStateMachine(snap.data);
    if (sm.index !== snap.meta.index) {
      throw new SafetyViolation(`snapshot meta index ${snap.meta.index} != data index ${sm.index}`);
    }
    if (sm.index <= this.appliedIndex) return;
    this.#host.checker.restoredSnapshot(this.id, sm.index, sm.hash);
    this.appliedIndex = sm.index;
    this.appliedHash = sm.hash;
    this.confState = snap.meta.confState;
  }

  #apply(e: Entry): void {
    if (e.index !== this.appliedIndex + 1) {
      throw new SafetyViolation(
        `node ${this.id}: applies index ${e.index} after ${this.appliedIndex} (gap or repeat)`,
      );
    }
    this.appliedIndex = e.index;
    this.appliedHash = applyToHash(this.appliedHash, e);
    if (e.type === "confChange") {
      const cc = decodeConfChange(e.data);
      if (cc === undefined) throw new SafetyViolation(`undecodable conf change at ${e.index}`);
      const next = applyConfChange(this.confState, cc);
      if (next.ok) this.confState = next.confState;
    }
    this.#host.checker.applied(this.id, this.term, e, this.appliedHash);
    this.#host.onApplied(this, e);
  }

  /** Local compaction: snapshot the state machine at the applied index, drop the log below. */
  compact(): boolean {
    if (this.state !== "up" || this.#persisting !== undefined) return false;
    const index = this.appliedIndex;
    const image = this.disk.visible;
    if (index <= image.snapshotIndex() || index > image.lastIndex()) return false;
    const term = image.termAt(index);
    if (term === undefined) return false;
    const snapshot: Snapshot = {
      meta: { index, term, confState: this.confState },
      data: encodeStateMachine(index, this.appliedHash),
    };
    const write: DiskWrite = { snapshot, entries: [], hardState: undefined, sync: false };
    this.disk.writeNow(write);
    this.#mirror.applySnapshot(snapshot);
    this.#storage.wrote([], true);
    return true;
  }

  /** Power loss: the core and caches are gone; the disk keeps what a crash leaves. */
  crash(): { lostWrites: number; tornWrite: boolean } {
    const durableCommit = this.disk.durable.hardState.commit;
    const outcome = this.disk.crash(this.#host.rng, this.#host.tearProbability);
    if (this.disk.durable.hardState.commit < durableCommit) {
      throw new SafetyViolation(`node ${this.id}: durable commit went back across a crash`);
    }
    if (this.role === "leader") this.#host.checker.steppedDown(this.id);
    this.state = "down";
    this.paused = false;
    this.deferred = [];
    this.incarnation++;
    this.#persisting = undefined;
    return outcome;
  }

  restart(): void {
    if (this.state !== "down") throw new Error(`node ${this.id}: restart while ${this.state}`);
    this.state = "up";
    this.#boot();
    // No committed entry is lost across a crash: what the disk kept up to its commit must agree.
    this.#host.checker.committed(this.id, this.term, 0, this.commit, this.#mirror);
    this.pump();
  }

  /** Removed from the cluster for good. */
  retire(): void {
    if (this.role === "leader") this.#host.checker.steppedDown(this.id);
    this.state = "retired";
    this.incarnation++;
    this.#persisting = undefined;
    this.deferred = [];
  }
}

function toWrite(rd: Ready): DiskWrite {
  return { snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState, sync: rd.mustSync };
}
