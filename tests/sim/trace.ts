/**
 * The run's trace: every event is folded into a 64-bit FNV-1a digest and the most recent ones are
 * kept in a bounded ring so a failure can print the tail that led to it.
 */

import { Fnv64 } from "./digest.ts";

export class Trace {
  readonly #digest = new Fnv64();
  /** Text builders, evaluated only when the tail is printed. */
  readonly #ring: (() => string)[];
  #next = 0;
  #count = 0;
  /** When false, events are only digested: the fast path for long runs that print no tail. */
  readonly #keepText: boolean;

  constructor(ringEvents: number, keepText = true) {
    if (ringEvents < 1) throw new RangeError(`trace ring must hold at least 1 event`);
    this.#ring = new Array<() => string>(ringEvents);
    this.#keepText = keepText;
  }

  get events(): number {
    return this.#count;
  }

  /**
   * Records one event: a kind code (digested) with three 32-bit integer fields, plus a lazily built
   * text for the ring. The text never enters the digest, so wording changes keep digests stable.
   */
  event(
    timeUnits: number,
    kind: number,
    a: number,
    b: number,
    c: number,
    text: () => string,
  ): void {
    const d = this.#digest;
    d.u53(timeUnits);
    d.u32(kind);
    d.u32(a);
    d.u32(b);
    d.u32(c);
    this.#count++;
    if (this.#keepText) {
      this.#ring[this.#next] = () => `t=${timeUnits} ${text()}`;
      this.#next = (this.#next + 1) % this.#ring.length;
    }
  }

  /** Digest of every event so far, as 16 hex digits. */
  digest(): string {
    return this.#digest.hex();
  }

  /** The retained tail, oldest first. */
  tail(): string[] {
    const n = this.#ring.length;
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const line = this.#ring[(this.#next + i) % n];
      if (line !== undefined) out.push(line());
    }
    return out;
  }
}
