/**
 * Bounds-checked reader of Kafka wire primitives over one frame.
 *
 * Every read checks the frame end first and throws {@link ProtocolError} on truncation or garbage;
 * nothing reads past `end`. Byte fields come back as views into the frame (zero copy): copy them
 * if the frame buffer is reused.
 */

import { uuidAt } from "./uuid.ts";

/** Malformed input: truncation, bad lengths, invalid UTF-8, overlong varints. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Options bounding what one frame may ask the reader to allocate. */
export interface ReaderOptions {
  /** Largest element count accepted for one array (default 1,000,000). */
  maxArrayLength?: number;
}

export class Reader {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  /** Next byte to read; always `<= end`. */
  offset: number;
  /** One past the last readable byte of the frame. */
  readonly end: number;
  readonly maxArrayLength: number;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length, options: ReaderOptions = {}) {
    if (offset < 0 || end > bytes.length || offset > end) {
      throw new RangeError(`reader window [${offset}, ${end}) outside ${bytes.length} bytes`);
    }
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
    this.end = end;
    this.maxArrayLength = options.maxArrayLength ?? 1_000_000;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  #need(n: number, what: string): number {
    const at = this.offset;
    if (n > this.end - at) {
      throw new ProtocolError(`truncated ${what}: need ${n} bytes at ${at}, have ${this.end - at}`);
    }
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.#view.getInt8(this.#need(1, "int8"));
  }
  bool(): boolean {
    return this.#view.getUint8(this.#need(1, "bool")) !== 0;
  }
  int16(): number {
    return this.#view.getInt16(this.#need(2, "int16"));
  }
  uint16(): number {
    return this.#view.getUint16(this.#need(2, "uint16"));
  }
  int32(): number {
    return this.#view.getInt32(this.#need(4, "int32"));
  }
  uint32(): number {
    return this.#view.getUint32(this.#need(4, "uint32"));
  }
  int64(): bigint {
    return this.#view.getBigInt64(this.#need(8, "int64"));
  }
  float64(): number {
    return this.#view.getFloat64(this.#need(8, "float64"));
  }

  /** Unsigned LEB128 of at most 5 bytes (32 bits). */
  uvarint(): number {
    let result = 0;
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw new ProtocolError(`truncated varint at ${this.offset}`);
      const b = this.bytes[this.offset++]!;
      if (i === 4 && b > 0x0f) throw new ProtocolError("varint exceeds 32 bits");
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    throw new ProtocolError("varint longer than 5 bytes");
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zigzag-encoded signed 64-bit varint. */
  varlong(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new ProtocolError(`truncated varlong at ${this.offset}`);
      const b = this.bytes[this.offset++]!;
      if (i === 9 && b > 0x01) throw new ProtocolError("varlong exceeds 64 bits");
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
    }
    throw new ProtocolError("varlong longer than 10 bytes");
  }

  /** A uuid in its text form (see `uuid.ts`), read in place. */
  uuid(): string {
    return uuidAt(this.bytes, this.#need(16, "uuid"));
  }

  #utf8(length: number): string {
    const at = this.#need(length, "string");
    // Short ASCII strings dominate (topic names, client ids): skip TextDecoder for them.
    if (length <= 64) {
      let s = "";
      for (let i = at; i < at + length; i++) {
        const c = this.bytes[i]!;
        if (c >= 0x80) return this.#decodeUtf8(at, length);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.#decodeUtf8(at, length);
  }

  #decodeUtf8(at: number, length: number): string {
    try {
      return utf8.decode(this.bytes.subarray(at, at + length));
    } catch {
      throw new ProtocolError(`invalid UTF-8 in string at ${at}`);
    }
  }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new ProtocolError("null in non-nullable string");
    return s;
  }
  nullableString(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`negative string length ${n}`);
    return this.#utf8(n);
  }
  compactString(): string {
    const s = this.compactNullableString();
    if (s === null) throw new ProtocolError("null in non-nullable compact string");
    return s;
  }
  compactNullableString(): string | null {
    const n = this.uvarint() - 1;
    if (n === -1) return null;
    if (n > 0x7fff) throw new ProtocolError(`compact string length ${n} exceeds 32767`);
    return this.#utf8(n);
  }

  #slice(n: number): Uint8Array {
    const at = this.#need(n, "bytes");
    return this.bytes.subarray(at, at + n);
  }
  bytesField(): Uint8Array {
    const b = this.nullableBytes();
    if (b === null) throw new ProtocolError("null in non-nullable bytes");
    return b;
  }
  nullableBytes(): Uint8Array | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`negative bytes length ${n}`);
    return this.#slice(n);
  }
  compactBytes(): Uint8Array {
    const b = this.compactNullableBytes();
    if (b === null) throw new ProtocolError("null in non-nullable compact bytes");
    return b;
  }
  compactNullableBytes(): Uint8Array | null {
    const n = this.uvarint() - 1;
    if (n === -1) return null;
    return this.#slice(n);
  }

  /**
   * Element count of an array: -1 for null. Rejects counts that cannot fit in the rest of the
   * frame (every element takes at least `minElementBytes`) so garbage cannot force a huge
   * allocation.
   */
  arrayLength(compact: boolean, minElementBytes = 1): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n === -1) return -1;
    if (n < 0) throw new ProtocolError(`negative array length ${n}`);
    if (n > this.maxArrayLength) {
      throw new ProtocolError(`array length ${n} exceeds limit ${this.maxArrayLength}`);
    }
    if (n * minElementBytes > this.end - this.offset) {
      throw new ProtocolError(`array length ${n} exceeds the ${this.end - this.offset} bytes left`);
    }
    return n;
  }

  /** Skips `n` bytes (unknown tagged fields). */
  skip(n: number): void {
    this.#need(n, "skipped field");
  }
}
