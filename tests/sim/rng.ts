/**
 * The simulator's only source of randomness: xoshiro128** seeded through splitmix32, in 32-bit
 * integer arithmetic so one seed yields the same stream on every machine and run.
 */

import type { Rng } from "../../src/raft/types.ts";

const TWO_POW_32 = 4294967296;

/** Advances a splitmix32 state; used only to spread a small seed over xoshiro's 128 bits. */
function splitmix32(state: number): [next: number, out: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** A seeded xoshiro128** generator implementing the core's {@link Rng}. */
export class SimRng implements Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer: ${seed}`);
    // Fold both halves of the seed in, so seeds above 2^32 still differ.
    let state = (seed ^ Math.floor(seed / TWO_POW_32)) | 0;
    let out: number;
    [state, out] = splitmix32(state);
    this.#s0 = out;
    [state, out] = splitmix32(state);
    this.#s1 = out;
    [state, out] = splitmix32(state);
    this.#s2 = out;
    [state, out] = splitmix32(state);
    this.#s3 = out;
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** The next 32-bit unsigned output. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** An integer uniformly drawn from [0, bound); `bound` must be in [1, 2^32]. */
  nextInt(bound: number): number {
    if (!(bound >= 1 && bound <= TWO_POW_32) || !Number.isInteger(bound)) {
      throw new RangeError(`nextInt bound must be an integer in [1, 2^32]: ${bound}`);
    }
    // Multiply-shift: deterministic and free of the modulo's bias toward small values.
    return Math.floor((this.nextUint32() / TWO_POW_32) * bound);
  }

  /** An integer uniformly drawn from [lo, hi] (both inclusive). */
  between(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`between: hi ${hi} < lo ${lo}`);
    return lo + this.nextInt(hi - lo + 1);
  }

  /** True with probability `p` (0 never, 1 always). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.nextUint32() < p * TWO_POW_32;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty array");
    return items[this.nextInt(items.length)] as T;
  }

  /** A new generator whose stream is drawn from this one (for an independent sub-stream). */
  fork(): SimRng {
    return new SimRng(this.nextUint32() * 65536 + (this.nextUint32() >>> 16));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
