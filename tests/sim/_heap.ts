/** A binary min-heap of timed events, ordered by (time, insertion sequence) so ties replay alike. */

export interface Timed {
  readonly timeUnits: number;
  /** Assigned by the queue on push; breaks ties in insertion order. */
  seq: number;
}

export class EventQueue<T extends Timed> {
  readonly #items: T[] = [];
  #nextSeq = 0;
  readonly #maxEvents: number;

  constructor(maxEvents: number) {
    this.#maxEvents = maxEvents;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Adds an event; throws when the bound is hit, since that means a runaway schedule. */
  push(item: T): void {
    if (this.#items.length >= this.#maxEvents) {
      throw new Error(`event queue full (${this.#maxEvents} events): a runaway schedule`);
    }
    item.seq = this.#nextSeq++;
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      if (!before(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    const n = items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(items[r] as T, items[l] as T)) c = r;
      const child = items[c] as T;
      if (!before(child, last)) break;
      items[i] = child;
      i = c;
    }
    items[i] = last;
    return top;
  }
}

function before(a: Timed, b: Timed): boolean {
  return a.timeUnits < b.timeUnits || (a.timeUnits === b.timeUnits && a.seq < b.seq);
}
