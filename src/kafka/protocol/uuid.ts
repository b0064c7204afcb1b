/**
 * Kafka UUIDs (topic ids, directory ids) as values: Kafka's own canonical text form, 22 characters
 * of unpadded URL-safe base64 over the 16 bytes (what `kafka-topics --describe` prints). Strings
 * compare by value and key maps, which is what handlers need; the wire form is the 16 bytes.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET.charCodeAt(i)] = i;

/** The all-zero UUID, Kafka's "no id". */
export const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";

export function uuidFromBytes(b: Uint8Array): string {
  if (b.length !== 16) throw new RangeError(`uuid must be 16 bytes, got ${b.length}`);
  return uuidAt(b, 0);
}

/** The text of the 16 bytes of `b` at `at` (a decoder reads it in place, without a copy). */
export function uuidAt(b: Uint8Array, at: number): string {
  if (!(at >= 0 && at + 16 <= b.length)) {
    throw new RangeError(`uuid at ${at} outside ${b.length} bytes`);
  }
  let s = "";
  // 5 groups of 3 bytes -> 20 characters, then 1 byte -> 2 characters.
  for (let i = at; i < at + 15; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! +
      ALPHABET[n & 63]!;
  }
  const last = b[at + 15]!;
  return s + ALPHABET[last >> 2]! + ALPHABET[(last & 3) << 4]!;
}

/** Parses the 22-character form; throws `TypeError` on anything else. */
export function uuidToBytes(s: string): Uint8Array {
  const out = new Uint8Array(16);
  writeUuid(s, out, 0);
  return out;
}

/**
 * Parses the 22-character form into `out` at `at` (an encoder writes it in place); throws
 * `TypeError` on anything else, before `out` is touched.
 */
export function writeUuid(s: string, out: Uint8Array, at: number): void {
  if (s.length !== 22) throw new TypeError(`uuid text must be 22 characters: "${s}"`);
  if (!(at >= 0 && at + 16 <= out.length)) {
    throw new RangeError(`uuid at ${at} outside ${out.length} bytes`);
  }
  const v = new Array<number>(22);
  for (let i = 0; i < 22; i++) {
    const c = s.charCodeAt(i);
    const x = c < 128 ? INDEX[c]! : -1;
    if (x < 0) throw new TypeError(`invalid uuid character in "${s}"`);
    v[i] = x;
  }
  if ((v[21]! & 15) !== 0) throw new TypeError(`non-canonical uuid text "${s}"`);
  let o = at;
  for (let i = 0; i < 20; i += 4) {
    const n = (v[i]! << 18) | (v[i + 1]! << 12) | (v[i + 2]! << 6) | v[i + 3]!;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  out[o] = (v[20]! << 2) | (v[21]! >> 4);
}

/** A random version-4 UUID whose text does not start with "-" (Kafka avoids such topic ids). */
export function randomUuid(): string {
  for (;;) {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const s = uuidFromBytes(b);
    if (!s.startsWith("-") && s !== ZERO_UUID) return s;
  }
}
