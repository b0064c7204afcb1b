/**
 * The simulated network (after TigerBeetle's packet simulator): every packet gets a delay drawn
 * from the seed, may be dropped, duplicated or held back (reordered), and is lost when its link is
 * cut by a partition at send or at delivery time. Links are directed, so a partition may be
 * asymmetric. In-flight packets per link are bounded; a packet beyond the bound is dropped, as a
 * full socket buffer would.
 */

import type { NodeId } from "../../src/raft/types.ts";
import type { SimRng } from "./rng.ts";

export interface NetworkOptions {
  /** Probability that a packet is lost. */
  readonly dropProbability: number;
  /** Probability that a packet is delivered twice (the copy gets its own delay). */
  readonly duplicateProbability: number;
  /** Every packet's delay is drawn from [minDelayUnits, maxDelayUnits]. */
  readonly minDelayUnits: number;
  readonly maxDelayUnits: number;
  /** Probability that a packet is held back by up to `reorderDelayUnits` more. */
  readonly reorderProbability: number;
  readonly reorderDelayUnits: number;
  /** Bound on packets in flight on one directed link. */
  readonly maxInFlightPerLink: number;
}

export type NetworkFault = "drop" | "duplicate" | "reorder" | "linkFull" | "partitionDrop";

/** Where a packet goes once its delay is drawn: the simulator schedules the delivery. */
export type Scheduler<M> = (deliverAtUnits: number, packet: M) => void;

const MAX_NODES = 1024;

export class SimNetwork<M extends { readonly from: NodeId; readonly to: NodeId }> {
  #options: NetworkOptions;
  readonly #rng: SimRng;
  readonly #schedule: Scheduler<M>;
  readonly #onFault: (fault: NetworkFault, packet: M) => void;
  /** Directed links currently cut, encoded as from * MAX_NODES + to. */
  readonly #cut = new Set<number>();
  readonly #inFlight = new Map<number, number>();

  constructor(
    options: NetworkOptions,
    rng: SimRng,
    schedule: Scheduler<M>,
    onFault: (fault: NetworkFault, packet: M) => void,
  ) {
    this.#options = options;
    this.#rng = rng;
    this.#schedule = schedule;
    this.#onFault = onFault;
  }

  get options(): NetworkOptions {
    return this.#options;
  }

  /** Replaces the fault rates (e.g. when the liveness phase heals the network). */
  setOptions(options: NetworkOptions): void {
    this.#options = options;
  }

  /** Cuts the directed link from → to. */
  cut(from: NodeId, to: NodeId): void {
    this.#cut.add(link(from, to));
  }

  /** Splits nodes into two sides; `symmetric` cuts both directions, otherwise only a → b. */
  partition(sideA: readonly NodeId[], sideB: readonly NodeId[], symmetric: boolean): void {
    for (const a of sideA) {
      for (const b of sideB) {
        this.cut(a, b);
        if (symmetric) this.cut(b, a);
      }
    }
  }

  /** Isolates one node in both directions from every other listed node. */
  isolate(node: NodeId, others: readonly NodeId[]): void {
    this.partition([node], others.filter((n) => n !== node), true);
  }

  heal(): void {
    this.#cut.clear();
  }

  get cutLinks(): number {
    return this.#cut.size;
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.#cut.has(link(from, to));
  }

  /** Hands a packet to the network at virtual time `nowUnits`. */
  send(nowUnits: number, packet: M): void {
    const o = this.#options;
    const rng = this.#rng;
    if (this.isCut(packet.from, packet.to)) {
      this.#onFault("partitionDrop", packet);
      return;
    }
    if (rng.chance(o.dropProbability)) {
      this.#onFault("drop", packet);
      return;
    }
    this.#enqueue(nowUnits, packet);
    if (rng.chance(o.duplicateProbability)) {
      this.#onFault("duplicate", packet);
      this.#enqueue(nowUnits, packet);
    }
  }

  /**
   * Called by the simulator when a scheduled packet's time comes. Returns false when the packet
   * is lost because its link was cut while it was in flight.
   */
  arrive(packet: M): boolean {
    const key = link(packet.from, packet.to);
    const n = this.#inFlight.get(key) ?? 0;
    if (n <= 0) {
      throw new Error(`network: arrival on link ${packet.from}->${packet.to} with none in flight`);
    }
    if (n === 1) this.#inFlight.delete(key);
    else this.#inFlight.set(key, n - 1);
    if (this.#cut.has(key)) {
      this.#onFault("partitionDrop", packet);
      return false;
    }
    return true;
  }

  #enqueue(nowUnits: number, packet: M): void {
    const o = this.#options;
    const key = link(packet.from, packet.to);
    const n = this.#inFlight.get(key) ?? 0;
    if (n >= o.maxInFlightPerLink) {
      this.#onFault("linkFull", packet);
      return;
    }
    this.#inFlight.set(key, n + 1);
    let delay = this.#rng.between(o.minDelayUnits, o.maxDelayUnits);
    if (o.reorderDelayUnits > 0 && this.#rng.chance(o.reorderProbability)) {
      this.#onFault("reorder", packet);
      delay += this.#rng.between(1, o.reorderDelayUnits);
    }
    this.#schedule(nowUnits + delay, packet);
  }
}

function link(from: NodeId, to: NodeId): number {
  if (from >= MAX_NODES || to >= MAX_NODES) throw new RangeError(`node id beyond ${MAX_NODES}`);
  return from * MAX_NODES + to;
}
