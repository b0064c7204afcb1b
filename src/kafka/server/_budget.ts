/** The server-wide in-flight byte budget. */

/**
 * Counts bytes held by all connections against a limit. Readers `tryAcquire` before reading a
 * frame body and, when refused, wait for {@link released}; responses are `forceAcquire`d (they
 * already exist) so the count is honest even above the limit.
 */
export class ByteBudget {
  readonly limitBytes: number;
  #usedBytes = 0;
  #released: Promise<void>;
  #resolveReleased!: () => void;

  constructor(limitBytes: number, private readonly onChange: (usedBytes: number) => void) {
    this.limitBytes = limitBytes;
    this.#released = this.#newReleased();
  }

  get usedBytes(): number {
    return this.#usedBytes;
  }

  tryAcquire(bytes: number): boolean {
    if (this.#usedBytes + bytes > this.limitBytes) return false;
    this.#usedBytes += bytes;
    this.onChange(this.#usedBytes);
    return true;
  }

  forceAcquire(bytes: number): void {
    this.#usedBytes += bytes;
    this.onChange(this.#usedBytes);
  }

  release(bytes: number): void {
    if (bytes > this.#usedBytes) {
      throw new Error(`byte budget: releasing ${bytes} with only ${this.#usedBytes} held`);
    }
    this.#usedBytes -= bytes;
    this.onChange(this.#usedBytes);
    const resolve = this.#resolveReleased;
    this.#released = this.#newReleased();
    resolve();
  }

  /** Settles at the next release. */
  released(): Promise<void> {
    return this.#released;
  }

  #newReleased(): Promise<void> {
    return new Promise((resolve) => {
      this.#resolveReleased = resolve;
    });
  }
}
