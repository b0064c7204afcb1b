// Snappy as Kafka's Java client writes it: xerial snappy-java stream framing (8-byte magic,
// version and compatible version as big-endian int32, then big-endian length-prefixed raw
// snappy blocks of at most 32 KiB input each). Plain raw snappy is accepted on read.

import * as snappy from "snappyjs";

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_BYTES = 16;
const BLOCK_BYTES = 32 * 1024;

export class SnappyError extends Error {
  override readonly name = "SnappyError";
}

function isXerial(src: Uint8Array): boolean {
  if (src.length < XERIAL_HEADER_BYTES) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (src[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

export function snappyXerialEncode(src: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(XERIAL_HEADER_BYTES);
  header.set(XERIAL_MAGIC);
  const dv = new DataView(header.buffer);
  dv.setInt32(8, 1);
  dv.setInt32(12, 1);
  parts.push(header);
  let total = header.length;
  for (let s = 0; s < src.length; s += BLOCK_BYTES) {
    const block: Uint8Array = snappy.compress(
      src.subarray(s, Math.min(src.length, s + BLOCK_BYTES)),
    );
    const len = new Uint8Array(4);
    new DataView(len.buffer).setInt32(0, block.length);
    parts.push(len, block);
    total += 4 + block.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function rawDecode(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  try {
    return snappy.uncompress(src, maxOutputBytes);
  } catch (e) {
    throw new SnappyError(`snappy: ${(e as Error).message}`);
  }
}

export function snappyDecode(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  if (!isXerial(src)) return rawDecode(src, maxOutputBytes);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const parts: Uint8Array[] = [];
  let total = 0;
  let i = XERIAL_HEADER_BYTES;
  while (i < src.length) {
    if (i + 4 > src.length) throw new SnappyError("truncated xerial block length");
    const n = dv.getInt32(i);
    i += 4;
    if (n < 0 || i + n > src.length) throw new SnappyError(`bad xerial block length ${n}`);
    const plain = rawDecode(src.subarray(i, i + n), maxOutputBytes - total);
    i += n;
    total += plain.length;
    parts.push(plain);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
