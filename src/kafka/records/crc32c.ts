/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of record batch v2.
 *
 * {@link crc32c} runs the portable implementation below unless {@link useCrc32c} installed a
 * faster one (`crc32c_native.ts` installs a native one when the process may load it); inputs
 * shorter than {@link NATIVE_MIN_BYTES} stay portable, where a call into native code costs more
 * than it saves.
 *
 * The portable one is pure TypeScript, slicing-by-16: sixteen 256-entry tables let the loop
 * consume four aligned 32-bit words per step (about 3x the byte-wise slicing-by-8 loop here; it
 * runs over every produced batch, so it is on the hot path).
 *
 * The word loop reads the buffer as little-endian uint32, as the reflected CRC needs; on a
 * big-endian host it falls back to the byte loop.
 *
 * @module
 */

const POLY_REFLECTED = 0x82f63b78;
const SLICES = 16;

/** table[k * 256 + b]: CRC of byte b followed by k zero bytes. */
const table = buildTable();
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function buildTable(): Uint32Array {
  const t = new Uint32Array(SLICES * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    t[b] = c >>> 0;
  }
  for (let k = 1; k < SLICES; k++) {
    for (let b = 0; b < 256; b++) {
      const prev = t[(k - 1) * 256 + b]!;
      t[k * 256 + b] = ((prev >>> 8) ^ t[prev & 0xff]!) >>> 0;
    }
  }
  return t;
}

/** A CRC32C function: continues `crc` over `data`, returns an unsigned 32-bit integer. */
export type Crc32cFunction = (data: Uint8Array, crc: number) => number;

/** Below this many bytes {@link crc32c} stays portable (1 KiB: 0.25 us native, 1.2 us portable). */
export const NATIVE_MIN_BYTES = 256;

let fast: Crc32cFunction | null = null;
let fastName = "portable";

/**
 * Continues a CRC32C over `data`. Start with `crc = 0`; feeding the result of one call into the
 * next gives the CRC of the concatenation. Returns an unsigned 32-bit integer.
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  return fast !== null && data.length >= NATIVE_MIN_BYTES
    ? fast(data, crc)
    : crc32cPortable(data, crc);
}

/**
 * Installs `fn` for inputs of {@link NATIVE_MIN_BYTES} and more, after checking it against the
 * portable implementation; `null` restores the portable one. Returns false (and installs nothing)
 * when `fn` disagrees or throws.
 */
export function useCrc32c(fn: Crc32cFunction | null, name = "portable"): boolean {
  if (fn === null) {
    fast = null;
    fastName = "portable";
    return true;
  }
  if (!agreesWithPortable(fn)) return false;
  fast = fn;
  fastName = name;
  return true;
}

/** The name given to the implementation in use for long inputs ("portable" by default). */
export function crc32cImplementation(): string {
  return fastName;
}

/** Check vectors: lengths around word and table boundaries, unaligned starts, continuation. */
function agreesWithPortable(fn: Crc32cFunction): boolean {
  const data = new Uint8Array(4099);
  let seed = 1;
  for (let i = 0; i < data.length; i++) data[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  try {
    for (const start of [0, 1, 3]) {
      for (const len of [0, 1, 255, 256, 257, 1024, 4095]) {
        const part = data.subarray(start, start + len);
        if (fn(part, 0) >>> 0 !== crc32cPortable(part, 0)) return false;
        if (fn(part, 0xe3069283) >>> 0 !== crc32cPortable(part, 0xe3069283)) return false;
      }
    }
  } catch {
    return false;
  }
  return true;
}

/** The portable implementation: what {@link crc32c} runs unless a faster one is installed. */
export function crc32cPortable(data: Uint8Array, crc = 0): number {
  const t = table;
  let c = ~crc >>> 0;
  let i = 0;
  const n = data.length;
  if (littleEndian && n >= 32) {
    // Bytes up to a 4-byte boundary, then 16 bytes per step from a Uint32Array view.
    while (i < n && ((data.byteOffset + i) & 3) !== 0) c = t[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
    const words = new Uint32Array(data.buffer, data.byteOffset + i, (n - i) >>> 2);
    const end = words.length - (words.length & 3);
    let w = 0;
    while (w < end) {
      const a = words[w]! ^ c;
      const b = words[w + 1]!;
      const d = words[w + 2]!;
      const e = words[w + 3]!;
      c = t[0xf00 | (a & 0xff)]! ^ t[0xe00 | ((a >>> 8) & 0xff)]! ^
        t[0xd00 | ((a >>> 16) & 0xff)]! ^ t[0xc00 | (a >>> 24)]! ^
        t[0xb00 | (b & 0xff)]! ^ t[0xa00 | ((b >>> 8) & 0xff)]! ^
        t[0x900 | ((b >>> 16) & 0xff)]! ^ t[0x800 | (b >>> 24)]! ^
        t[0x700 | (d & 0xff)]! ^ t[0x600 | ((d >>> 8) & 0xff)]! ^
        t[0x500 | ((d >>> 16) & 0xff)]! ^ t[0x400 | (d >>> 24)]! ^
        t[0x300 | (e & 0xff)]! ^ t[0x200 | ((e >>> 8) & 0xff)]! ^
        t[0x100 | ((e >>> 16) & 0xff)]! ^ t[e >>> 24]!;
      w += 4;
    }
    i += w * 4;
  }
  while (i < n) c = t[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
