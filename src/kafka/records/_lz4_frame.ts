// LZ4 frame format (lz4 frame spec v1.6) around lz4js's block codec, as Kafka's magic-2 batches use:
// independent 64 KiB blocks, correct header checksum (the pre-KIP-57 off-by-magic bug is not
// accepted for magic 2), optional block/content checksums verified on read.

import * as lz4 from "lz4js";
import { xxhash32 } from "./_xxhash32.ts";

const MAGIC = 0x184d2204;
const BLOCK_BYTES = 64 * 1024;
const BLOCK_MAX_ID = 4; // 64 KiB
const UNCOMPRESSED_BIT = 0x80000000;
const blockSizeById: Record<number, number> = {
  4: 64 * 1024,
  5: 256 * 1024,
  6: 1024 * 1024,
  7: 4 * 1024 * 1024,
};

export class Lz4FrameError extends Error {
  override readonly name = "Lz4FrameError";
}

function putU32(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff;
  b[i + 1] = (v >>> 8) & 0xff;
  b[i + 2] = (v >>> 16) & 0xff;
  b[i + 3] = (v >>> 24) & 0xff;
}

function getU32(b: Uint8Array, i: number): number {
  if (i + 4 > b.length) throw new Lz4FrameError("truncated lz4 frame");
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

export function lz4FrameEncode(src: Uint8Array): Uint8Array {
  const blocks = Math.ceil(src.length / BLOCK_BYTES);
  const out = new Uint8Array(7 + blocks * (4 + lz4.compressBound(BLOCK_BYTES)) + 4);
  putU32(out, 0, MAGIC);
  out[4] = 0x60; // version 01, block independence
  out[5] = BLOCK_MAX_ID << 4;
  out[6] = (xxhash32(out.subarray(4, 6)) >>> 8) & 0xff;
  let o = 7;
  const scratch = new Uint8Array(lz4.compressBound(BLOCK_BYTES));
  for (let s = 0; s < src.length; s += BLOCK_BYTES) {
    const n = Math.min(BLOCK_BYTES, src.length - s);
    // A fresh table per block keeps blocks independent.
    const table = new Uint32Array(1 << 16);
    const size = lz4.compressBlock(src, scratch, s, n, table);
    if (size > 0 && size < n) {
      putU32(out, o, size);
      out.set(scratch.subarray(0, size), o + 4);
      o += 4 + size;
    } else {
      putU32(out, o, (UNCOMPRESSED_BIT | n) >>> 0);
      out.set(src.subarray(s, s + n), o + 4);
      o += 4 + n;
    }
  }
  putU32(out, o, 0);
  return out.slice(0, o + 4);
}

export function lz4FrameDecode(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  if (getU32(src, 0) !== MAGIC) throw new Lz4FrameError("bad lz4 frame magic");
  const flg = src[4] ?? 0;
  const bd = src[5] ?? 0;
  if ((flg & 0xc0) !== 0x40) throw new Lz4FrameError(`lz4 frame version ${flg >> 6}`);
  const blockChecksum = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  if (flg & 0x01) throw new Lz4FrameError("lz4 dictionary ids are not supported");
  const maxBlock = blockSizeById[(bd >> 4) & 7];
  if (maxBlock === undefined) throw new Lz4FrameError(`lz4 block size id ${(bd >> 4) & 7}`);
  let i = 6;
  if (hasContentSize) i += 8;
  if (i >= src.length) throw new Lz4FrameError("truncated lz4 frame header");
  const hc = (xxhash32(src.subarray(4, i)) >>> 8) & 0xff;
  if (src[i] !== hc) throw new Lz4FrameError("lz4 frame header checksum mismatch");
  i++;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const word = getU32(src, i);
    i += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > maxBlock || i + size > src.length) throw new Lz4FrameError("bad lz4 block size");
    const block = src.subarray(i, i + size);
    i += size;
    if (blockChecksum) {
      if (getU32(src, i) !== xxhash32(block)) throw new Lz4FrameError("lz4 block checksum");
      i += 4;
    }
    let plain: Uint8Array;
    if (word & UNCOMPRESSED_BIT) {
      plain = block;
    } else {
      // Spare room lets an overlong block be detected instead of silently clipped.
      const dst = new Uint8Array(maxBlock + 1);
      const n = lz4.decompressBlock(block, dst, 0, size, 0);
      if (!(n >= 0 && n <= maxBlock)) throw new Lz4FrameError("lz4 block overflows its size");
      plain = dst.subarray(0, n);
    }
    total += plain.length;
    if (total > maxOutputBytes) {
      throw new Lz4FrameError(`lz4 output exceeds ${maxOutputBytes} bytes`);
    }
    parts.push(plain);
  }
  const out = concat(parts, total);
  if (contentChecksum) {
    if (getU32(src, i) !== xxhash32(out)) throw new Lz4FrameError("lz4 content checksum");
  }
  return out;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
