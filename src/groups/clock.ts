/**
 * The time seam of the group coordinator (DESIGN.md decision 3): `nowMs` plus one-shot timers.
 * Production wires {@link SystemClock}; tests and benches wire {@link ManualClock}, whose time
 * only moves when told, so session expiry and rebalance deadlines are testable without waiting.
 *
 * @module
 */

/** A pending one-shot timer; `cancel` is idempotent. */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch (wall clock: commit timestamps are persisted). */
  nowMs(): number;
  /** Runs `fn` once, `delayMs` from now (clamped to >= 0). */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

/** Real time: `Date.now` and `setTimeout`, unref'd so a pending timer never keeps Deno alive. */
export class SystemClock implements Clock {
  nowMs(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = setTimeout(fn, Math.max(0, delayMs));
    Deno.unrefTimer(id);
    return { cancel: () => clearTimeout(id) };
  }
}

interface ManualTimer {
  readonly atMs: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Virtual time for tests: timers fire, in deadline order, only inside {@link advance}. */
export class ManualClock implements Clock {
  #nowMs: number;
  #seq = 0;
  readonly #timers = new Set<ManualTimer>();

  constructor(startMs = 1_700_000_000_000) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer: ManualTimer = {
      atMs: this.#nowMs + Math.max(0, delayMs),
      seq: this.#seq++,
      fn,
      cancelled: false,
    };
    this.#timers.add(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.#timers.delete(timer);
      },
    };
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`cannot move a clock backwards (${ms} ms)`);
    const target = this.#nowMs + ms;
    // Bounded: each pass fires one timer; a timer that re-arms at +0 forever is a bug.
    for (let fired = 0; fired < 1_000_000; fired++) {
      let next: ManualTimer | undefined;
      for (const t of this.#timers) {
        if (t.atMs > target) continue;
        if (
          next === undefined || t.atMs < next.atMs || (t.atMs === next.atMs && t.seq < next.seq)
        ) {
          next = t;
        }
      }
      if (next === undefined) break;
      this.#timers.delete(next);
      this.#nowMs = Math.max(this.#nowMs, next.atMs);
      next.fn();
    }
    this.#nowMs = target;
  }
}
