/**
 * Idempotent-producer state: per producer id, its epoch and its last five batches' sequence
 * ranges with their offsets. {@link ProducerStateTable.check} classifies an incoming batch before
 * it is appended; {@link ProducerStateTable.record} notes an appended batch. Rebuilt on open from
 * the log's latest producer snapshot and the batch headers after it (`_producer_snapshot.ts`).
 *
 * A producer's state expires once its last batch is `producer.id.expiration.ms` old (KIP-854;
 * Kafka's ProducerStateManager rule: `now - lastTimestamp >= expirationMs`, the last batch's max
 * timestamp as stored). Its next batch is then that of an unknown producer.
 *
 * @module
 */

/** How many batches per producer Kafka remembers for duplicate detection. */
export const BATCHES_PER_PRODUCER = 5;
const MAX_SEQUENCE = 0x7fffffff;

/** The header fields the table needs (a `BatchView` satisfies it). */
export interface ProducerBatch {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastOffsetDelta: number;
  /** As stored: its LogAppendTime on a LogAppendTime topic. */
  readonly maxTimestamp: number;
  readonly isControl: boolean;
}

export interface SequenceRange {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The batch's max timestamp as stored; a retry of it is answered this LogAppendTime. */
  readonly maxTimestamp: number;
}

/** One producer's state as a snapshot keeps it. */
export interface ProducerSnapshotEntry {
  readonly producerId: bigint;
  readonly epoch: number;
  /** Last offset of its last batch (idempotent or not). */
  readonly lastOffset: number;
  /** Max timestamp of its last batch (idempotent or not) as stored: what its expiry counts from. */
  readonly lastTimestamp: number;
  /** Its last batches of the current epoch, oldest first; at most {@link BATCHES_PER_PRODUCER}. */
  readonly batches: readonly SequenceRange[];
}

interface ProducerEntry {
  epoch: number;
  /** Oldest first; at most {@link BATCHES_PER_PRODUCER}. */
  batches: SequenceRange[];
  lastOffset: number;
  /** Max timestamp of the batch ending at `lastOffset`. */
  lastTimestamp: number;
}

/** Outcome of checking a batch; the `code` fields are the Kafka error codes to answer with. */
export type ProducerCheck =
  | { readonly kind: "notIdempotent" }
  | { readonly kind: "inSequence" }
  | {
    readonly kind: "duplicate";
    readonly firstOffset: number;
    readonly lastOffset: number;
    readonly maxTimestamp: number;
  }
  | { readonly kind: "outOfOrder"; readonly code: 45; readonly expectedSeq: number }
  | { readonly kind: "fenced"; readonly code: 47; readonly currentEpoch: number };

/** Sequence of the last record: sequences wrap from 2^31-1 to 0 (Kafka's rule). */
export function lastSequence(baseSequence: number, lastOffsetDelta: number): number {
  const s = baseSequence + lastOffsetDelta;
  return s > MAX_SEQUENCE ? s - MAX_SEQUENCE - 1 : s;
}

function nextSequence(seq: number): number {
  return seq === MAX_SEQUENCE ? 0 : seq + 1;
}

export class ProducerStateTable {
  /** Insertion order = least recently updated first, for eviction. */
  readonly #producers = new Map<bigint, ProducerEntry>();

  /** @param maxProducers bound on tracked producers; the least recently active is evicted. */
  constructor(readonly maxProducers = 100_000) {}

  get size(): number {
    return this.#producers.size;
  }

  /** The remembered state of one producer (for tests and diagnostics). */
  get(producerId: bigint): { epoch: number; batches: readonly SequenceRange[] } | undefined {
    const e = this.#producers.get(producerId);
    return e && { epoch: e.epoch, batches: [...e.batches] };
  }

  check(b: ProducerBatch): ProducerCheck {
    if (b.producerId < 0n || b.baseSequence < 0 || b.isControl) return { kind: "notIdempotent" };
    const e = this.#producers.get(b.producerId);
    // Unknown producer (new, or its state expired with retention): any sequence starts it (KIP-360).
    if (!e) return { kind: "inSequence" };
    if (b.producerEpoch < e.epoch) return { kind: "fenced", code: 47, currentEpoch: e.epoch };
    if (b.producerEpoch > e.epoch) {
      return b.baseSequence === 0
        ? { kind: "inSequence" }
        : { kind: "outOfOrder", code: 45, expectedSeq: 0 };
    }
    const lastSeq = lastSequence(b.baseSequence, b.lastOffsetDelta);
    for (const r of e.batches) {
      if (r.firstSeq === b.baseSequence && r.lastSeq === lastSeq) {
        const { firstOffset, lastOffset, maxTimestamp } = r;
        return { kind: "duplicate", firstOffset, lastOffset, maxTimestamp };
      }
    }
    const last = e.batches[e.batches.length - 1];
    const expected = last ? nextSequence(last.lastSeq) : b.baseSequence;
    return b.baseSequence === expected
      ? { kind: "inSequence" }
      : { kind: "outOfOrder", code: 45, expectedSeq: expected };
  }

  /** Notes an appended batch at `firstOffset` (after its offsets are assigned). */
  record(b: ProducerBatch, firstOffset: number): void {
    if (b.producerId < 0n || b.isControl) return;
    const lastOffset = firstOffset + b.lastOffsetDelta;
    const lastTimestamp = b.maxTimestamp;
    let e = this.#producers.get(b.producerId);
    if (e) {
      this.#producers.delete(b.producerId);
      if (b.producerEpoch !== e.epoch) {
        e = { epoch: b.producerEpoch, batches: [], lastOffset, lastTimestamp };
      }
    } else {
      e = { epoch: b.producerEpoch, batches: [], lastOffset, lastTimestamp };
    }
    e.lastOffset = lastOffset;
    e.lastTimestamp = lastTimestamp;
    if (b.baseSequence >= 0) {
      e.batches.push({
        firstSeq: b.baseSequence,
        lastSeq: lastSequence(b.baseSequence, b.lastOffsetDelta),
        firstOffset,
        lastOffset,
        maxTimestamp: b.maxTimestamp,
      });
      if (e.batches.length > BATCHES_PER_PRODUCER) e.batches.shift();
    }
    this.#producers.set(b.producerId, e);
    this.#evictPastBound();
  }

  #evictPastBound(): void {
    if (this.#producers.size > this.maxProducers) {
      const oldest = this.#producers.keys().next().value;
      if (oldest !== undefined) this.#producers.delete(oldest);
    }
  }

  /** Every producer with its state, least recently updated first (the order eviction uses). */
  *entries(): IterableIterator<ProducerSnapshotEntry> {
    for (const [producerId, e] of this.#producers) {
      const { epoch, lastOffset, lastTimestamp, batches } = e;
      yield { producerId, epoch, lastOffset, lastTimestamp, batches };
    }
  }

  /**
   * Adds a producer as {@link entries} gave it (restoring a snapshot, oldest first). A snapshot
   * taken before the log start moved holds more than a replay from the start would: follow with
   * {@link removeBefore}.
   */
  restore(entry: ProducerSnapshotEntry): void {
    this.#producers.delete(entry.producerId);
    this.#producers.set(entry.producerId, {
      epoch: entry.epoch,
      batches: entry.batches.slice(-BATCHES_PER_PRODUCER),
      lastOffset: entry.lastOffset,
      lastTimestamp: entry.lastTimestamp,
    });
    this.#evictPastBound();
  }

  /**
   * Forgets what lies below `offset` (the log start moved past it): producers whose last batch
   * ends there, and the batches of others that do. The table then equals a replay of the log
   * from `offset`.
   */
  removeBefore(offset: number): void {
    for (const [id, e] of this.#producers) {
      if (e.lastOffset < offset) this.#producers.delete(id);
      else if ((e.batches[0]?.lastOffset ?? offset) < offset) {
        e.batches = e.batches.filter((r) => r.lastOffset >= offset);
      }
    }
  }

  /**
   * Removes every producer whose last batch is `expirationMs` old or older at `nowMs`; returns
   * how many. One pass over the whole table: a log uses {@link removeExpiredInSlices}.
   */
  removeExpired(nowMs: number, expirationMs: number): number {
    const pass = this.removeExpiredInSlices(nowMs, expirationMs, Infinity);
    for (;;) {
      const step = pass.next();
      if (step.done) return step.value;
    }
  }

  /**
   * {@link removeExpired} as a generator that pauses after every `sliceEntries` producers looked
   * at, yielding how many it has removed so far, so a caller can let other work run between
   * slices; it returns the total. The table may change between slices: a producer recorded
   * meanwhile moves behind the pass's end and is fresh, so the pass looks at no more entries than
   * the table held when it began.
   */
  *removeExpiredInSlices(
    nowMs: number,
    expirationMs: number,
    sliceEntries: number,
  ): Generator<number, number, void> {
    if (!(sliceEntries > 0)) throw new RangeError(`sliceEntries ${sliceEntries} must be positive`);
    let left = this.#producers.size;
    let inSlice = 0;
    let removed = 0;
    for (const [id, e] of this.#producers) {
      if (left-- === 0) break;
      if (nowMs - e.lastTimestamp >= expirationMs) {
        this.#producers.delete(id);
        removed++;
      }
      if (++inSlice === sliceEntries && left > 0) {
        inSlice = 0;
        yield removed;
      }
    }
    return removed;
  }

  clear(): void {
    this.#producers.clear();
  }
}
