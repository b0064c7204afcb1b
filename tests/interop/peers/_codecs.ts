/**
 * Kafka's compression codecs in plain TypeScript for clients that ship only gzip (kafkajs): snappy
 * (`snappyjs`; reads both raw blocks and the xerial framing the Java client writes), lz4 (`lz4js`,
 * LZ4 frame format as KIP-57 specifies) and zstd (`node:zlib`).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { zstdCompressSync, zstdDecompressSync } from "node:zlib";
import snappy from "snappyjs";
import lz4 from "lz4js";

/** Bound on one decompressed batch; larger input is refused rather than allocated. */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_BYTES = 16;

export function snappyCompress(data: Uint8Array): Uint8Array {
  return snappy.compress(data) as Uint8Array;
}

export function snappyDecompress(data: Uint8Array): Uint8Array {
  if (!isXerial(data)) return boundedSnappy(data);
  const parts: Uint8Array[] = [];
  let total = 0;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let at = XERIAL_HEADER_BYTES; at < data.length;) {
    if (at + 4 > data.length) throw new Error("xerial snappy: truncated block length");
    const size = view.getInt32(at);
    at += 4;
    if (size < 0 || at + size > data.length) throw new Error("xerial snappy: truncated block");
    const block = boundedSnappy(data.subarray(at, at + size));
    total += block.length;
    if (total > MAX_DECOMPRESSED_BYTES) throw new Error("snappy: decompressed size over bound");
    parts.push(block);
    at += size;
  }
  return concat(parts, total);
}

function isXerial(data: Uint8Array): boolean {
  return data.length >= XERIAL_HEADER_BYTES && XERIAL_MAGIC.every((b, i) => data[i] === b);
}

/** Reads the raw block's varint length first so a hostile header cannot force a huge buffer. */
function boundedSnappy(block: Uint8Array): Uint8Array {
  let length = 0;
  for (let i = 0, shift = 0; i < 5 && i < block.length; i++, shift += 7) {
    const byte = block[i]!;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
  }
  if (length > MAX_DECOMPRESSED_BYTES) throw new Error("snappy: decompressed size over bound");
  return snappy.uncompress(block) as Uint8Array;
}

/** LZ4 frame block size: 64 KiB (block-size id 4), as the Java client writes. */
const LZ4_BLOCK_BYTES = 64 * 1024;

/**
 * Writes an LZ4 frame with independent blocks. Kafka refuses dependent blocks, which is what
 * `lz4js.compress` produces, so each block here gets a fresh match table.
 */
export function lz4Compress(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const flg = 0x40 | 0x20; // version 01, block independence
  const bd = 4 << 4;
  const header = new Uint8Array([0x04, 0x22, 0x4d, 0x18, flg, bd, 0]);
  header[6] = lz4HeaderChecksum(header.subarray(4, 6));
  parts.push(header);
  const scratch = new Uint8Array(lz4.compressBound(LZ4_BLOCK_BYTES) as number);
  for (let at = 0; at < data.length; at += LZ4_BLOCK_BYTES) {
    const block = data.subarray(at, Math.min(data.length, at + LZ4_BLOCK_BYTES));
    const table = new Uint32Array(1 << 16);
    const size = lz4.compressBlock(block, scratch, 0, block.length, table) as number;
    const stored = size === 0 || size >= block.length;
    const out = new Uint8Array(4 + (stored ? block.length : size));
    new DataView(out.buffer).setUint32(0, stored ? (0x80000000 | block.length) >>> 0 : size, true);
    out.set(stored ? block : scratch.subarray(0, size), 4);
    parts.push(out);
  }
  parts.push(new Uint8Array(4)); // end mark
  return concat(parts, parts.reduce((n, p) => n + p.length, 0));
}

/** LZ4 frame header checksum: second byte of xxHash32 (seed 0) over the descriptor bytes. */
export function lz4HeaderChecksum(descriptor: Uint8Array): number {
  return (xxh32Small(descriptor) >>> 8) & 0xff;
}

/** xxHash32 with seed 0 for inputs under 16 bytes. */
function xxh32Small(input: Uint8Array): number {
  const P1 = 2654435761, P2 = 2246822519, P3 = 3266489917, P4 = 668265263, P5 = 374761393;
  if (input.length >= 16) throw new Error("xxh32Small: input must be under 16 bytes");
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  let h = (P5 + input.length) >>> 0;
  let i = 0;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  for (; i + 4 <= input.length; i += 4) {
    h = (h + Math.imul(view.getUint32(i, true), P3)) >>> 0;
    h = Math.imul(rotl(h, 17), P4) >>> 0;
  }
  for (; i < input.length; i++) {
    h = (h + Math.imul(input[i]!, P5)) >>> 0;
    h = Math.imul(rotl(h, 11), P1) >>> 0;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, P3) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export function lz4Decompress(data: Uint8Array): Uint8Array {
  return Uint8Array.from(lz4.decompress(data, MAX_DECOMPRESSED_BYTES) as ArrayLike<number>);
}

export function zstdCompress(data: Uint8Array): Uint8Array {
  return zstdCompressSync(data);
}

export function zstdDecompress(data: Uint8Array): Uint8Array {
  return zstdDecompressSync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A codec in the shape kafkajs's `CompressionCodecs` registry expects. */
export interface KafkajsCodec {
  compress(encoder: { buffer: Uint8Array }): Promise<Buffer>;
  decompress(buffer: Uint8Array): Promise<Buffer>;
}

function kafkajsCodec(
  compress: (d: Uint8Array) => Uint8Array,
  decompress: (d: Uint8Array) => Uint8Array,
): () => KafkajsCodec {
  return () => ({
    compress: (encoder) => Promise.resolve(Buffer.from(compress(encoder.buffer))),
    decompress: (buffer) => Promise.resolve(Buffer.from(decompress(buffer))),
  });
}

/** Codecs kafkajs lacks, keyed by its `CompressionTypes` numbers (2 snappy, 3 lz4, 4 zstd). */
export const KAFKAJS_EXTRA_CODECS: Record<2 | 3 | 4, () => KafkajsCodec> = {
  2: kafkajsCodec(snappyCompress, snappyDecompress),
  3: kafkajsCodec(lz4Compress, lz4Decompress),
  4: kafkajsCodec(zstdCompress, zstdDecompress),
};
