/**
 * Growable writer of Kafka wire primitives, bounded by `maxBytes`.
 *
 * The buffer doubles as needed up to `maxBytes`; a write beyond it throws
 * {@link WriterLimitError} (an expected refusal: the message is too large to encode).
 */

import { writeUuid } from "./uuid.ts";

/** The encoded message would exceed the writer's `maxBytes` bound. */
export class WriterLimitError extends Error {
  override name = "WriterLimitError";
  constructor(readonly neededBytes: number, readonly maxBytes: number) {
    super(`encoding needs ${neededBytes} bytes, limit is ${maxBytes}`);
  }
}

export interface WriterOptions {
  /** First allocation (default 256 bytes). */
  initialBytes?: number;
  /** Hard bound on the encoded size (default 100 MiB). */
  maxBytes?: number;
}

const utf8 = new TextEncoder();
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

/** UTF-8 length of a JS string without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Bytes an unsigned varint of `v` takes. */
export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export class Writer {
  #buf: Uint8Array;
  #view: DataView;
  /** Bytes written so far; `offset <= #buf.length`, and `offset <= maxBytes`. */
  offset = 0;
  #maxBytes: number;

  constructor(options: WriterOptions = {}) {
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const initial = Math.min(options.initialBytes ?? 256, this.#maxBytes);
    this.#buf = new Uint8Array(initial);
    this.#view = new DataView(this.#buf.buffer);
  }

  get maxBytes(): number {
    return this.#maxBytes;
  }

  /**
   * Empties the writer for another message under a new bound, keeping its buffer unless that
   * has grown past `keepBytes` (then it starts again small). Lets one writer serve many
   * messages without an allocation each.
   */
  reset(maxBytes: number = DEFAULT_MAX_BYTES, keepBytes = 64 * 1024): void {
    this.offset = 0;
    this.#maxBytes = maxBytes;
    if (this.#buf.length > keepBytes) {
      this.#buf = new Uint8Array(Math.min(256, keepBytes));
      this.#view = new DataView(this.#buf.buffer);
    }
  }

  /** Makes room for `n` more bytes and returns where they start. */
  #reserve(n: number): number {
    const at = this.offset;
    const need = at + n;
    // A reset writer may hold a buffer larger than its new bound.
    if (need > this.#buf.length || need > this.#maxBytes) this.#grow(need);
    this.offset = need;
    return at;
  }

  #grow(need: number): void {
    if (need > this.#maxBytes) throw new WriterLimitError(need, this.#maxBytes);
    let size = Math.max(this.#buf.length * 2, 64);
    while (size < need) size *= 2;
    size = Math.min(size, this.#maxBytes);
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.offset));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /** The bytes written so far (a view; valid until the next write). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.offset);
  }

  /** Overwrites an int32 already written at `at` (length prefixes). */
  patchInt32(at: number, v: number): void {
    if (at < 0 || at + 4 > this.offset) {
      throw new RangeError(`patch at ${at} outside written bytes`);
    }
    this.#view.setInt32(at, v);
  }

  int8(v: number): void {
    const at = this.#reserve(1);
    this.#view.setInt8(at, v);
  }
  bool(v: boolean): void {
    const at = this.#reserve(1);
    this.#view.setUint8(at, v ? 1 : 0);
  }
  int16(v: number): void {
    const at = this.#reserve(2);
    this.#view.setInt16(at, v);
  }
  uint16(v: number): void {
    const at = this.#reserve(2);
    this.#view.setUint16(at, v);
  }
  int32(v: number): void {
    const at = this.#reserve(4);
    this.#view.setInt32(at, v);
  }
  uint32(v: number): void {
    const at = this.#reserve(4);
    this.#view.setUint32(at, v);
  }
  int64(v: bigint): void {
    const at = this.#reserve(8);
    this.#view.setBigInt64(at, v);
  }
  float64(v: number): void {
    const at = this.#reserve(8);
    this.#view.setFloat64(at, v);
  }

  uvarint(v: number): void {
    if (!(v >= 0 && v <= 0xffff_ffff) || !Number.isInteger(v)) {
      throw new RangeError(`unsigned varint out of range: ${v}`);
    }
    while (v >= 0x80) {
      const at = this.#reserve(1);
      this.#buf[at] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    const last = this.#reserve(1);
    this.#buf[last] = v;
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: bigint): void {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (u >= 0x80n) {
      const at = this.#reserve(1);
      this.#buf[at] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    const last = this.#reserve(1);
    this.#buf[last] = Number(u);
  }

  raw(b: Uint8Array): void {
    const at = this.#reserve(b.length);
    this.#buf.set(b, at);
  }

  uuidBytes(b: Uint8Array): void {
    if (b.length !== 16) throw new RangeError(`uuid must be 16 bytes, got ${b.length}`);
    this.raw(b);
  }

  /** A uuid from its text form (see `uuid.ts`), parsed straight into the buffer. */
  uuid(s: string): void {
    const at = this.#reserve(16);
    try {
      writeUuid(s, this.#buf, at);
    } catch (e) {
      this.offset = at;
      throw e;
    }
  }

  #utf8(s: string, n: number): void {
    const at = this.#reserve(n);
    const { written } = utf8.encodeInto(s, this.#buf.subarray(at, at + n));
    if (written !== n) throw new Error(`utf8 length mismatch: ${written} != ${n}`);
  }

  nullableString(s: string | null): void {
    if (s === null) return this.int16(-1);
    const n = utf8Length(s);
    if (n > 0x7fff) throw new RangeError(`string of ${n} bytes exceeds 32767`);
    this.int16(n);
    this.#utf8(s, n);
  }
  compactNullableString(s: string | null): void {
    if (s === null) return this.uvarint(0);
    const n = utf8Length(s);
    if (n > 0x7fff) throw new RangeError(`string of ${n} bytes exceeds 32767`);
    this.uvarint(n + 1);
    this.#utf8(s, n);
  }
  nullableBytes(b: Uint8Array | null): void {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    this.raw(b);
  }
  compactNullableBytes(b: Uint8Array | null): void {
    if (b === null) return this.uvarint(0);
    this.uvarint(b.length + 1);
    this.raw(b);
  }
  /** Array length prefix; `-1` means null. */
  arrayLength(n: number, compact: boolean): void {
    if (compact) this.uvarint(n + 1);
    else this.int32(n);
  }
}
