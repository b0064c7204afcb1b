/** Buffered exact reads from a socket, for framing. */

/** The peer closed in the middle of something we were reading. */
export class TruncatedError extends Error {
  override readonly name = "TruncatedError";
}

/** The minimal socket surface the reader needs. */
export interface ReadableSocket {
  read(p: Uint8Array): Promise<number | null>;
}

/**
 * Reads exact byte counts through a small fixed buffer (small frames batch into few reads);
 * reads of at least the buffer's size go straight into the destination.
 */
export class FrameReader {
  readonly #socket: ReadableSocket;
  readonly #buffer: Uint8Array;
  #start = 0;
  #end = 0;

  constructor(socket: ReadableSocket, bufferBytes: number) {
    if (!(bufferBytes >= 16)) {
      throw new Error(`read buffer must be >= 16 bytes, got ${bufferBytes}`);
    }
    this.#socket = socket;
    this.#buffer = new Uint8Array(bufferBytes);
  }

  /** Bytes already buffered (a frame header may be complete without a read). */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /**
   * Reads a big-endian int32, or null on a clean end of stream before its first byte.
   * Throws {@link TruncatedError} on an end of stream inside it.
   */
  async readInt32OrEnd(): Promise<number | null> {
    while (this.buffered < 4) {
      if (!(await this.#fill())) {
        if (this.buffered === 0) return null;
        throw new TruncatedError(`stream ended inside a frame size (${this.buffered} of 4 bytes)`);
      }
    }
    const b = this.#buffer;
    const s = this.#start;
    this.#start += 4;
    return ((b[s]! << 24) | (b[s + 1]! << 16) | (b[s + 2]! << 8) | b[s + 3]!) | 0;
  }

  /**
   * Reads the big-endian int16 at the read position without consuming it (a frame's API key);
   * {@link TruncatedError} on end of stream.
   */
  async peekInt16(): Promise<number> {
    while (this.buffered < 2) {
      if (!(await this.#fill())) {
        throw new TruncatedError(`stream ended after ${this.buffered} of 2 bytes`);
      }
    }
    const b = this.#buffer;
    return ((b[this.#start]! << 24) | (b[this.#start + 1]! << 16)) >> 16;
  }

  /**
   * Reads exactly `length` bytes into `into` (whose length must be `length`) or a new array;
   * {@link TruncatedError} on end of stream.
   */
  async readExact(length: number, into?: Uint8Array): Promise<Uint8Array> {
    if (into !== undefined && into.length !== length) {
      throw new RangeError(`destination of ${into.length} bytes for a read of ${length}`);
    }
    const out = into ?? new Uint8Array(length);
    let filled = Math.min(length, this.buffered);
    out.set(this.#buffer.subarray(this.#start, this.#start + filled));
    this.#start += filled;
    while (filled < length) {
      const missing = length - filled;
      if (missing >= this.#buffer.length) {
        const n = await this.#socket.read(out.subarray(filled));
        if (n === null) throw new TruncatedError(`stream ended after ${filled} of ${length} bytes`);
        filled += n;
      } else {
        if (!(await this.#fill())) {
          throw new TruncatedError(`stream ended after ${filled} of ${length} bytes`);
        }
        const take = Math.min(missing, this.buffered);
        out.set(this.#buffer.subarray(this.#start, this.#start + take), filled);
        this.#start += take;
        filled += take;
      }
    }
    return out;
  }

  /** One socket read into the free tail of the buffer; false on end of stream. */
  async #fill(): Promise<boolean> {
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
    } else if (this.#end === this.#buffer.length) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    const n = await this.#socket.read(this.#buffer.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }
}
