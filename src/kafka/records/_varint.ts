// Zigzag varints (protobuf style) as Kafka records use them. Values stay within JS safe integers.

import { RecordBatchError } from "./errors.ts";

export class ByteSink {
  #buf: Uint8Array;
  #len = 0;
  constructor(initialBytes = 256) {
    this.#buf = new Uint8Array(initialBytes);
  }
  get length(): number {
    return this.#len;
  }
  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
  byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#len++] = b & 0xff;
  }
  bytes(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }
  /** Signed zigzag varint (varint and varlong alike). */
  varint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`varint ${v} is not a safe integer`);
    let z = v >= 0 ? v * 2 : -v * 2 - 1;
    while (z >= 0x80) {
      this.byte((z % 0x80) | 0x80);
      z = Math.floor(z / 0x80);
    }
    this.byte(z);
  }
  result(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
}

export class ByteSource {
  pos = 0;
  /** Reads stop here; movable, so one source can walk record after record. */
  constructor(readonly buf: Uint8Array, public end = buf.length) {}
  byte(): number {
    if (this.pos >= this.end) throw new RecordBatchError("badRecord", "record runs past its end");
    return this.buf[this.pos++]!;
  }
  varint(): number {
    let z = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      z += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(z)) throw new RecordBatchError("badRecord", "varint too large");
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
      mul *= 0x80;
    }
    throw new RecordBatchError("badRecord", "varint longer than 10 bytes");
  }
  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) {
      throw new RecordBatchError("badRecord", `field of ${n} bytes runs past the record`);
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
