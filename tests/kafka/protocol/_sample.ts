/**
 * Seeded random message values for any (api, version, direction), straight from the tables:
 * only fields present in the version, nulls where nullable, empty and null arrays, tagged fields
 * set or left out. Used by the round-trip tests and by the golden-fixture generator.
 */
import { apiSpec } from "../../../src/kafka/protocol/apis.ts";
import type { Direction, Message } from "../../../src/kafka/protocol/codec.ts";
import { type FieldDef, inRange, type Primitive } from "../../../src/kafka/protocol/schema.ts";
import { uuidFromBytes } from "../../../src/kafka/protocol/uuid.ts";

/** mulberry32: small, fast, good enough for test data; one seed reproduces a run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ["topic", "grüße", "a", "", "orders-7", "日本", "x.y_z", "client-1"];

class Sampler {
  constructor(readonly next: () => number, readonly version: number) {}

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(max: number): Uint8Array {
    const b = new Uint8Array(this.int(0, max));
    for (let i = 0; i < b.length; i++) b[i] = this.int(0, 255);
    return b;
  }

  primitive(t: Primitive): unknown {
    switch (t) {
      case "bool":
        return this.chance(0.5);
      case "int8":
        return this.int(-128, 127);
      case "int16":
        return this.int(-32768, 32767);
      case "uint16":
        return this.int(0, 65535);
      case "int32":
        return this.chance(0.2) ? -1 : this.int(-2147483648, 2147483647);
      case "uint32":
        return this.int(0, 4294967295);
      case "int64":
        return this.chance(0.2)
          ? -1n
          : BigInt(this.int(-(2 ** 52), 2 ** 52)) * BigInt(this.int(1, 2));
      case "float64":
        return (this.next() - 0.5) * 1e6;
      case "string":
        return WORDS[this.int(0, WORDS.length - 1)]! +
          (this.chance(0.5) ? String(this.int(0, 999)) : "");
      case "bytes":
        return this.bytes(12);
      case "records":
        return this.bytes(40);
      case "uuid":
        return uuidFromBytes(this.fixed16());
    }
  }

  fixed16(): Uint8Array {
    const b = new Uint8Array(16);
    for (let i = 0; i < 16; i++) b[i] = this.int(0, 255);
    return b;
  }

  field(f: FieldDef, depth: number): unknown {
    if (inRange(f.nullableVersions, this.version) && this.chance(0.3)) return null;
    if (f.type === "array") {
      const n = depth > 3 ? 0 : this.int(0, 3);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        out.push(
          f.items !== undefined ? this.primitive(f.items) : this.struct(f.fields ?? [], depth + 1),
        );
      }
      return out;
    }
    if (f.type === "struct") return this.struct(f.fields ?? [], depth + 1);
    return this.primitive(f.type);
  }

  struct(fields: readonly FieldDef[], depth: number): Message {
    const o: Message = {};
    for (const f of fields) {
      if (!inRange(f.versions, this.version)) continue;
      if (f.tag !== null && inRange(f.taggedVersions, this.version) && this.chance(0.2)) continue;
      o[f.name] = this.field(f, depth);
    }
    return o;
  }
}

/** A random value of one message, containing only fields present in `version`. */
export function sampleMessage(
  apiKey: number,
  version: number,
  direction: Direction,
  seed: number,
): Message {
  const api = apiSpec(apiKey);
  if (api === undefined) throw new RangeError(`unknown api key ${apiKey}`);
  const s = new Sampler(rng(seed), version);
  return s.struct(direction === "request" ? api.request : api.response, 0);
}
