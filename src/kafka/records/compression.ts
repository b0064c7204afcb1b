/**
 * The batch compression codecs, each with encode and bounded decode: gzip and zstd through
 * `node:zlib`, snappy (xerial-framed on write, xerial or raw on read) through `snappyjs`, lz4 in
 * the LZ4 frame format through `lz4js`.
 *
 * @module
 */

import zlib from "node:zlib";
import type { Codec } from "./batch.ts";
import { RecordBatchError } from "./errors.ts";
import { lz4FrameDecode, lz4FrameEncode } from "./_lz4_frame.ts";
import { snappyDecode, snappyXerialEncode } from "./_snappy_xerial.ts";

/** Default cap on decompressed bytes (a decompression bomb guard). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

function view(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Compresses `data` with `codec` (`"none"` returns it unchanged). */
export function compress(codec: Codec, data: Uint8Array): Uint8Array {
  switch (codec) {
    case "none":
      return data;
    case "gzip":
      return view(zlib.gzipSync(data));
    case "zstd":
      // The pledged size puts the content size into the frame header, so truncation shows.
      return view(zlib.zstdCompressSync(data, { pledgedSrcSize: data.length } as zlib.ZstdOptions));
    case "snappy":
      return snappyXerialEncode(data);
    case "lz4":
      return lz4FrameEncode(data);
  }
}

/**
 * Decompresses `data`; output above `maxOutputBytes` or a malformed stream is a
 * {@link RecordBatchError} of kind `"decompress"` (CORRUPT_MESSAGE).
 */
export function decompress(
  codec: Codec,
  data: Uint8Array,
  maxOutputBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Uint8Array {
  try {
    switch (codec) {
      case "none":
        return data;
      case "gzip":
        return view(zlib.gunzipSync(data, { maxOutputLength: maxOutputBytes }));
      case "zstd": {
        const out = view(zlib.zstdDecompressSync(data, { maxOutputLength: maxOutputBytes }));
        const declared = zstdFrameContentBytes(data);
        // node:zlib returns a partial result for a truncated stream; the frame header tells.
        if (declared !== null && out.length < declared) {
          throw new Error(`zstd output ${out.length} bytes, frame declares ${declared}`);
        }
        return out;
      }
      case "snappy":
        return snappyDecode(data, maxOutputBytes);
      case "lz4":
        return lz4FrameDecode(data, maxOutputBytes);
    }
  } catch (e) {
    if (e instanceof RecordBatchError) throw e;
    throw new RecordBatchError("decompress", `${codec}: ${(e as Error).message}`);
  }
}

/** The first zstd frame's declared content size (RFC 8878 §3.1.1.1), or null when absent. */
function zstdFrameContentBytes(data: Uint8Array): number | null {
  if (data.length < 6) return null;
  const magic = (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
  if (magic !== 0xfd2fb528) return null;
  const fhd = data[4]!;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd & 0x20) !== 0;
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (fcsBytes === 0) return null;
  let i = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][fhd & 3]!;
  if (i + fcsBytes > data.length) return null;
  let v = 0;
  for (let k = 0, mul = 1; k < fcsBytes; k++, mul *= 256) v += data[i++]! * mul;
  return fcsBytes === 2 ? v + 256 : v;
}
