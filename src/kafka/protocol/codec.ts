/**
 * The one interpreter: turns a message table into a compiled plan per (api, version, direction)
 * and encodes/decodes plain objects with it.
 *
 * A plan is a flat list of closures built once (lazily, then cached), so the hot path (Produce,
 * Fetch) does no table lookups per field. Values: lowerCamel properties, int64 as `bigint`, uuid as
 * Kafka's 22-character text (see `uuid.ts`), `bytes`/`records` as `Uint8Array` views into the
 * frame. On encode a missing (`undefined`) property is written as its default, and fields not in
 * the version are ignored. Tagged fields are ordinary optional properties, written only when they
 * differ from their default (as Kafka does); unknown tagged fields are skipped on decode (dropped).
 */
import { apiSpec, isFlexible } from "./apis.ts";
import { ProtocolError, Reader, type ReaderOptions } from "./reader.ts";
import { type FieldDef, inRange, type Primitive } from "./schema.ts";
import { ZERO_UUID } from "./uuid.ts";
import { Writer, type WriterOptions } from "./writer.ts";

/** A decoded message or a value to encode. */
export type Message = Record<string, unknown>;
export type Direction = "request" | "response";

type Enc = (w: Writer, v: unknown) => void;
type Dec = (r: Reader) => unknown;

interface Codec {
  readonly enc: Enc;
  readonly dec: Dec;
  /** Fewest bytes one value takes on the wire (bounds array counts against the frame). */
  readonly minBytes: number;
}

/** A compiled plan for one message at one version. */
export interface MessagePlan {
  readonly apiKey: number;
  readonly version: number;
  readonly direction: Direction;
  readonly flexible: boolean;
  encode(w: Writer, value: Message): void;
  decode(r: Reader): Message;
}

function bad(name: string, what: string, v: unknown): TypeError {
  const shown = typeof v === "bigint" ? `${v}n` : typeof v === "string" ? `"${v}"` : String(v);
  return new TypeError(`field ${name}: expected ${what}, got ${shown}`);
}

function intCodec(name: string, bits: 8 | 16 | 32, unsigned: boolean): Codec {
  const min = unsigned ? 0 : -(2 ** (bits - 1));
  const max = unsigned ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
  const check = (v: unknown): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw bad(name, `int${bits}`, v);
    }
    return v;
  };
  const bytes = bits / 8;
  if (bits === 8) return { enc: (w, v) => w.int8(check(v)), dec: (r) => r.int8(), minBytes: 1 };
  if (bits === 16) {
    return unsigned
      ? { enc: (w, v) => w.uint16(check(v)), dec: (r) => r.uint16(), minBytes: bytes }
      : { enc: (w, v) => w.int16(check(v)), dec: (r) => r.int16(), minBytes: bytes };
  }
  return unsigned
    ? { enc: (w, v) => w.uint32(check(v)), dec: (r) => r.uint32(), minBytes: bytes }
    : { enc: (w, v) => w.int32(check(v)), dec: (r) => r.int32(), minBytes: bytes };
}

function toBigInt(name: string, v: unknown): bigint {
  if (typeof v === "bigint") {
    if (v < -0x8000000000000000n || v > 0x7fffffffffffffffn) throw bad(name, "int64", v);
    return v;
  }
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  throw bad(name, "int64 (bigint)", v);
}

function primitiveCodec(
  name: string,
  type: Primitive,
  nullable: boolean,
  flexible: boolean,
): Codec {
  switch (type) {
    case "bool":
      return {
        enc: (w, v) => {
          if (typeof v !== "boolean") throw bad(name, "boolean", v);
          w.bool(v);
        },
        dec: (r) => r.bool(),
        minBytes: 1,
      };
    case "int8":
      return intCodec(name, 8, false);
    case "int16":
      return intCodec(name, 16, false);
    case "uint16":
      return intCodec(name, 16, true);
    case "int32":
      return intCodec(name, 32, false);
    case "uint32":
      return intCodec(name, 32, true);
    case "int64":
      return { enc: (w, v) => w.int64(toBigInt(name, v)), dec: (r) => r.int64(), minBytes: 8 };
    case "float64":
      return {
        enc: (w, v) => {
          if (typeof v !== "number") throw bad(name, "number", v);
          w.float64(v);
        },
        dec: (r) => r.float64(),
        minBytes: 8,
      };
    case "uuid":
      return {
        enc: (w, v) => {
          if (typeof v === "string") w.uuid(v);
          else if (v instanceof Uint8Array && v.length === 16) w.uuidBytes(v);
          else throw bad(name, "uuid", v);
        },
        dec: (r) => r.uuid(),
        minBytes: 16,
      };
    case "string":
      return stringCodec(name, nullable, flexible);
    case "bytes":
    case "records":
      return bytesCodec(name, nullable, flexible);
  }
}

function stringCodec(name: string, nullable: boolean, flexible: boolean): Codec {
  const enc: Enc = (w, v) => {
    if (typeof v !== "string" && !(v === null && nullable)) {
      throw bad(name, nullable ? "string or null" : "string", v);
    }
    if (flexible) w.compactNullableString(v);
    else w.nullableString(v);
  };
  let dec: Dec;
  if (flexible) dec = nullable ? (r) => r.compactNullableString() : (r) => r.compactString();
  else dec = nullable ? (r) => r.nullableString() : (r) => r.string();
  return { enc, dec, minBytes: flexible ? 1 : 2 };
}

function bytesCodec(name: string, nullable: boolean, flexible: boolean): Codec {
  const enc: Enc = (w, v) => {
    if (!(v instanceof Uint8Array) && !(v === null && nullable)) {
      throw bad(name, nullable ? "Uint8Array or null" : "Uint8Array", v);
    }
    if (flexible) w.compactNullableBytes(v);
    else w.nullableBytes(v);
  };
  let dec: Dec;
  if (flexible) dec = nullable ? (r) => r.compactNullableBytes() : (r) => r.compactBytes();
  else dec = nullable ? (r) => r.nullableBytes() : (r) => r.bytesField();
  return { enc, dec, minBytes: flexible ? 1 : 4 };
}

/** A fresh default value of a field (Kafka's rules: zero, "", empty, or the table's default). */
export function defaultValue(field: FieldDef): unknown {
  const d = field.default;
  switch (field.type) {
    case "array":
      return d === null ? null : [];
    case "struct": {
      if (d === null) return null;
      const o: Message = {};
      for (const sub of field.fields ?? []) o[sub.name] = defaultValue(sub);
      return o;
    }
    case "int64":
      return d === undefined || d === null ? 0n : BigInt(d);
    case "bool":
      return d ?? false;
    case "string":
      return d === undefined ? "" : d;
    case "bytes":
      return d === null ? null : new Uint8Array(0);
    case "records":
      return null;
    case "uuid":
      return d ?? ZERO_UUID;
    default:
      return d ?? 0;
  }
}

/** Whether `v` equals the field's default (tagged fields equal to it are not written). */
export function isDefaultValue(field: FieldDef, v: unknown): boolean {
  if (v === undefined) return true;
  const d = defaultValue(field);
  switch (field.type) {
    case "array":
      return d === null ? v === null : Array.isArray(v) && v.length === 0;
    case "struct":
      if (v === null || d === null) return v === d;
      return (field.fields ?? []).every((sub) => isDefaultValue(sub, (v as Message)[sub.name]));
    case "bytes":
    case "records":
      return d === null ? v === null : v instanceof Uint8Array && v.length === 0;
    case "int64":
      return (typeof v === "bigint" || typeof v === "number") && BigInt(v) === d;
    case "uuid":
      return v === d || (v instanceof Uint8Array && v.every((b) => b === 0));
    default:
      return v === d;
  }
}

function valueCodec(field: FieldDef, version: number, flexible: boolean): Codec {
  const nullable = inRange(field.nullableVersions, version);
  const name = field.name;
  if (field.type === "struct") {
    const inner = structCodec(field.fields ?? [], version, flexible);
    if (!nullable) {
      return {
        enc: (w, v) => {
          if (typeof v !== "object" || v === null) throw bad(name, "object", v);
          inner.enc(w, v);
        },
        dec: inner.dec,
        minBytes: inner.minBytes,
      };
    }
    return {
      enc: (w, v) => {
        if (v === null) return w.int8(-1);
        if (typeof v !== "object") throw bad(name, "object or null", v);
        w.int8(1);
        inner.enc(w, v);
      },
      dec: (r) => (r.int8() < 0 ? null : inner.dec(r)),
      minBytes: 1,
    };
  }
  if (field.type === "array") {
    const el = field.items !== undefined
      ? primitiveCodec(`${name}[]`, field.items, false, flexible)
      : structCodec(field.fields ?? [], version, flexible);
    const elMin = el.minBytes;
    const enc: Enc = (w, v) => {
      if (v === null) {
        if (!nullable) throw bad(name, "array", v);
        return w.arrayLength(-1, flexible);
      }
      if (!Array.isArray(v)) throw bad(name, nullable ? "array or null" : "array", v);
      w.arrayLength(v.length, flexible);
      for (let i = 0; i < v.length; i++) el.enc(w, v[i]);
    };
    const dec: Dec = (r) => {
      const n = r.arrayLength(flexible, elMin);
      if (n < 0) {
        if (!nullable) throw new ProtocolError(`null in non-nullable array ${name}`);
        return null;
      }
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = el.dec(r);
      return out;
    };
    return { enc, dec, minBytes: flexible ? 1 : 4 };
  }
  return primitiveCodec(name, field.type, nullable, flexible);
}

interface Slot {
  readonly name: string;
  readonly dec: Dec | null;
  readonly fresh: () => unknown;
}
interface Present {
  readonly name: string;
  readonly enc: Enc;
  readonly fresh: () => unknown;
}
interface Tagged {
  readonly tag: number;
  readonly name: string;
  readonly field: FieldDef;
  readonly codec: Codec;
}

function structCodec(fields: readonly FieldDef[], version: number, flexible: boolean): Codec {
  const slots: Slot[] = [];
  const present: Present[] = [];
  const tagged: Tagged[] = [];
  let minBytes = flexible ? 1 : 0;
  for (const field of fields) {
    const fresh = () => defaultValue(field);
    if (!inRange(field.versions, version)) {
      slots.push({ name: field.name, dec: null, fresh });
    } else if (flexible && field.tag !== null && inRange(field.taggedVersions, version)) {
      slots.push({ name: field.name, dec: null, fresh });
      tagged.push({
        tag: field.tag,
        name: field.name,
        field,
        codec: valueCodec(field, version, true),
      });
    } else {
      const c = valueCodec(field, version, flexible);
      slots.push({ name: field.name, dec: c.dec, fresh });
      present.push({ name: field.name, enc: c.enc, fresh });
      minBytes += c.minBytes;
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const byTag = new Map(tagged.map((t) => [t.tag, t]));

  const enc: Enc = (w, v) => {
    const o = v as Message;
    for (let i = 0; i < present.length; i++) {
      const p = present[i]!;
      const x = o[p.name];
      p.enc(w, x === undefined ? p.fresh() : x);
    }
    if (flexible) writeTagged(w, o, tagged);
  };
  const dec: Dec = (r) => {
    const o: Message = {};
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      o[s.name] = s.dec === null ? s.fresh() : s.dec(r);
    }
    if (flexible) readTagged(r, o, byTag);
    return o;
  };
  return { enc, dec, minBytes };
}

function writeTagged(w: Writer, o: Message, tagged: readonly Tagged[]): void {
  if (tagged.length === 0) return w.uvarint(0);
  const out: Tagged[] = [];
  for (const t of tagged) if (!isDefaultValue(t.field, o[t.name])) out.push(t);
  w.uvarint(out.length);
  for (const t of out) {
    // The size prefix comes first, so encode the value aside (tagged fields are small and rare).
    const sub = new Writer({ initialBytes: 64, maxBytes: w.maxBytes });
    t.codec.enc(sub, o[t.name]);
    w.uvarint(t.tag);
    w.uvarint(sub.offset);
    w.raw(sub.bytes());
  }
}

function readTagged(r: Reader, o: Message, byTag: ReadonlyMap<number, Tagged>): void {
  const n = r.uvarint();
  if (n > r.remaining) {
    throw new ProtocolError(`${n} tagged fields cannot fit in ${r.remaining} bytes`);
  }
  for (let i = 0; i < n; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    if (size > r.remaining) {
      throw new ProtocolError(`tagged field ${tag} of ${size} bytes truncated`);
    }
    const end = r.offset + size;
    const t = byTag.get(tag);
    if (t !== undefined) {
      const sub = new Reader(r.bytes, r.offset, end, { maxArrayLength: r.maxArrayLength });
      o[t.name] = t.codec.dec(sub);
      if (sub.offset !== end) {
        throw new ProtocolError(`tagged field ${t.name} has ${end - sub.offset} trailing bytes`);
      }
    }
    r.offset = end;
  }
}

const plans = new Map<number, MessagePlan>();

/**
 * The compiled plan of one message. Throws `RangeError` for an API or version we do not speak
 * (callers check `isSupported` first; `decodeRequest` does).
 */
export function messagePlan(apiKey: number, version: number, direction: Direction): MessagePlan {
  const id = (apiKey << 16) | (version << 1) | (direction === "request" ? 0 : 1);
  const cached = plans.get(id);
  if (cached !== undefined) return cached;
  const api = apiSpec(apiKey);
  if (api === undefined) throw new RangeError(`unknown api key ${apiKey}`);
  if (version < api.minVersion || version > api.maxVersion) {
    throw new RangeError(`${api.name} v${version} outside ${api.minVersion}-${api.maxVersion}`);
  }
  const flexible = isFlexible(api, version);
  const c = structCodec(direction === "request" ? api.request : api.response, version, flexible);
  const plan: MessagePlan = {
    apiKey,
    version,
    direction,
    flexible,
    encode: (w, value) => c.enc(w, value),
    decode: (r) => c.dec(r) as Message,
  };
  plans.set(id, plan);
  return plan;
}

/** Encodes one message body (no header, no size prefix) into a fresh copy. */
export function encodeMessage(
  apiKey: number,
  version: number,
  direction: Direction,
  value: Message,
  options: WriterOptions = {},
): Uint8Array {
  const w = new Writer(options);
  messagePlan(apiKey, version, direction).encode(w, value);
  return w.bytes().slice();
}

/** Decodes one message body that must fill `bytes` exactly; throws `ProtocolError` otherwise. */
export function decodeMessage(
  apiKey: number,
  version: number,
  direction: Direction,
  bytes: Uint8Array,
  options: ReaderOptions = {},
): Message {
  const r = new Reader(bytes, 0, bytes.length, options);
  const value = messagePlan(apiKey, version, direction).decode(r);
  if (r.remaining !== 0) throw new ProtocolError(`${r.remaining} trailing bytes after message`);
  return value;
}
