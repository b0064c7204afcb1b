/**
 * Reusable byte buffers for hot paths that would otherwise allocate one array per operation: the
 * log's coalesced writes, the server's produce request frames, and responses with the batches
 * Fetch reads for them. A fresh array costs zeroing and page faults, and V8 counts its memory as
 * external: at 130 MB/s of fresh request frames the broker ran a full mark-compact about every half
 * second and the 1-producer p99 rose from 4-9 ms to 19-39 ms; a consumer's fetches did the same
 * (measured, docs/benchmarks.md). A returned buffer costs none of that.
 *
 * Buffers come in powers of two from `minBufferBytes` up to `maxBufferBytes`; idle ones are kept
 * per size and bounded by their total bytes rather than their count, so sixteen partitions writing
 * at once get their buffers back (a pool of 8 idle buffers dropped about 8 in 10 of them, measured
 * at 16 partitions).
 *
 * ```ts
 * const pool = new BufferPool({ maxIdleBytes: 32 << 20 });
 * const buffer = pool.take(300_000);   // 512 KiB, reused if one is idle
 * // ... fill and use buffer.subarray(0, 300_000) ...
 * pool.give(buffer);                   // kept while idle bytes stay under the bound
 * ```
 *
 * @module
 */

/** Smallest size class by default. */
export const MIN_POOLED_BUFFER_BYTES = 64 * 1024;
/** Largest pooled buffer by default; a partition log coalesces at most this much into one write. */
export const MAX_POOLED_BUFFER_BYTES = 4 * 1024 * 1024;

export interface BufferPoolOptions {
  /** Bound on the bytes of idle buffers kept; 0 keeps none. Default 32 MiB. */
  readonly maxIdleBytes?: number;
  /** Smallest size class, a power of two. Default {@link MIN_POOLED_BUFFER_BYTES}. */
  readonly minBufferBytes?: number;
  /**
   * Largest buffer pooled; larger requests get a one-off array. Default
   * {@link MAX_POOLED_BUFFER_BYTES}.
   */
  readonly maxBufferBytes?: number;
}

export class BufferPool {
  readonly maxIdleBytes: number;
  readonly minBufferBytes: number;
  readonly maxBufferBytes: number;
  #idleBytes = 0;
  readonly #idle = new Map<number, Uint8Array[]>();

  constructor(options: BufferPoolOptions = {}) {
    this.maxIdleBytes = options.maxIdleBytes ?? 32 * 1024 * 1024;
    this.minBufferBytes = options.minBufferBytes ?? MIN_POOLED_BUFFER_BYTES;
    this.maxBufferBytes = options.maxBufferBytes ?? MAX_POOLED_BUFFER_BYTES;
    if (!(this.maxIdleBytes >= 0)) throw new RangeError(`maxIdleBytes ${this.maxIdleBytes} < 0`);
    if (!isPowerOfTwo(this.minBufferBytes)) {
      throw new RangeError(`minBufferBytes ${this.minBufferBytes} is not a power of two`);
    }
  }

  /** Bytes held by idle buffers. */
  get idleBytes(): number {
    return this.#idleBytes;
  }

  /**
   * A buffer of at least `bytes`: an idle one of the size class of `bytes` or the next (so a
   * caller holds at most four times its bytes), else a new one of that class.
   */
  take(bytes: number): Uint8Array {
    if (bytes > this.maxBufferBytes) return new Uint8Array(bytes);
    let size = this.minBufferBytes;
    while (size < bytes) size *= 2;
    for (let s = size; s <= 2 * size; s *= 2) {
      const buffer = this.#idle.get(s)?.pop();
      if (buffer !== undefined) {
        this.#idleBytes -= s;
        return buffer;
      }
    }
    return new Uint8Array(size);
  }

  /** Returns a buffer from {@link take}; dropped if keeping it would pass the idle bound. */
  give(buffer: Uint8Array): void {
    const size = buffer.length;
    if (size < this.minBufferBytes || !isPowerOfTwo(size) || size > this.maxBufferBytes) return;
    if (this.#idleBytes + size > this.maxIdleBytes) return;
    let list = this.#idle.get(size);
    if (list === undefined) this.#idle.set(size, list = []);
    list.push(buffer);
    this.#idleBytes += size;
  }
}

/** Smallest size class of a pool of network frames (requests, responses). */
export const MIN_POOLED_FRAME_BYTES = 4 * 1024;
/** Largest frame such a pool keeps; larger ones get arrays of their own (they are rare). */
export const MAX_POOLED_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * A pool of network frames (size classes {@link MIN_POOLED_FRAME_BYTES} to
 * {@link MAX_POOLED_FRAME_BYTES}) keeping at most `maxIdleBytes` idle; undefined for 0, which turns
 * pooling off.
 */
export function framePool(maxIdleBytes: number): BufferPool | undefined {
  if (maxIdleBytes <= 0) return undefined;
  return new BufferPool({
    maxIdleBytes,
    minBufferBytes: MIN_POOLED_FRAME_BYTES,
    maxBufferBytes: MAX_POOLED_FRAME_BYTES,
  });
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
