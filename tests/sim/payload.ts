/**
 * Proposal payloads the simulator makes: each carries its proposal id and a length derived from
 * it, so the checker can tell a real proposal from anything the core might invent or corrupt.
 */

const MARKER = 0xab;

/** The payload of proposal `id` (id >= 1): marker, id as uint32 LE, then 0..15 filler bytes. */
export function proposalPayload(id: number): Uint8Array {
  const filler = id % 16;
  const out = new Uint8Array(5 + filler);
  out[0] = MARKER;
  out[1] = id & 0xff;
  out[2] = (id >>> 8) & 0xff;
  out[3] = (id >>> 16) & 0xff;
  out[4] = (id >>> 24) & 0xff;
  for (let i = 0; i < filler; i++) out[5 + i] = (id + i) & 0xff;
  return out;
}

/** The proposal id a payload claims, or undefined if it is not exactly a payload we made. */
export function proposalId(data: Uint8Array): number | undefined {
  if (data.length < 5 || data[0] !== MARKER) return undefined;
  const id = ((data[1] as number) | ((data[2] as number) << 8) | ((data[3] as number) << 16) |
    ((data[4] as number) << 24)) >>> 0;
  if (id === 0) return undefined;
  const want = proposalPayload(id);
  if (want.length !== data.length) return undefined;
  for (let i = 5; i < data.length; i++) if (data[i] !== want[i]) return undefined;
  return id;
}

/** A 32-bit FNV-1a fingerprint of an entry payload (the checker compares entries by it). */
export function fingerprint(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) {
    h = Math.imul(h ^ (data[i] as number), 0x01000193);
  }
  return (h ^ data.length) >>> 0;
}
