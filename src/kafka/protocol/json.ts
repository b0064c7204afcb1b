/**
 * The JSON form of messages, shaped like Apache Kafka's generated `*JsonConverter`s: only fields
 * present in the version (tagged ones included), int64 as JSON numbers (exact within 2^53;
 * larger values become decimal strings), bytes and records as standard base64, uuids as text.
 * Used for golden fixtures and for debugging output.
 */
import { apiSpec } from "./apis.ts";
import { defaultValue, type Direction, type Message } from "./codec.ts";
import { type FieldDef, inRange } from "./schema.ts";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function base64Encode(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) {
    s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

export function base64Decode(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function fieldsOf(apiKey: number, direction: Direction): readonly FieldDef[] {
  const api = apiSpec(apiKey);
  if (api === undefined) throw new RangeError(`unknown api key ${apiKey}`);
  return direction === "request" ? api.request : api.response;
}

function valueToJson(field: FieldDef, v: unknown, version: number): Json {
  if (v === null || v === undefined) {
    return v === undefined ? valueToJson(field, defaultValue(field), version) : null;
  }
  if (field.type === "array") {
    const items = v as unknown[];
    if (field.items !== undefined) {
      const el: FieldDef = { ...field, type: field.items, nullableVersions: null };
      return items.map((x) => valueToJson(el, x, version));
    }
    return items.map((x) => structToJson(field.fields ?? [], x as Message, version));
  }
  if (field.type === "struct") return structToJson(field.fields ?? [], v as Message, version);
  if (field.type === "int64") {
    const n = BigInt(v as bigint | number);
    return n >= -(2n ** 53n) && n <= 2n ** 53n ? Number(n) : n.toString();
  }
  if (field.type === "bytes" || field.type === "records") return base64Encode(v as Uint8Array);
  return v as Json;
}

function structToJson(fields: readonly FieldDef[], o: Message, version: number): Json {
  const out: { [k: string]: Json } = {};
  for (const field of fields) {
    if (!inRange(field.versions, version)) continue;
    const v = o[field.name];
    if (v === undefined && field.tag !== null) continue;
    out[field.name] = valueToJson(field, v, version);
  }
  return out;
}

function valueFromJson(field: FieldDef, j: Json, version: number): unknown {
  if (j === null) return null;
  if (field.type === "array") {
    const items = j as Json[];
    if (field.items !== undefined) {
      const el: FieldDef = { ...field, type: field.items, nullableVersions: null };
      return items.map((x) => valueFromJson(el, x, version));
    }
    return items.map((x) =>
      structFromJson(field.fields ?? [], x as { [k: string]: Json }, version)
    );
  }
  if (field.type === "struct") {
    return structFromJson(field.fields ?? [], j as { [k: string]: Json }, version);
  }
  if (field.type === "int64") return BigInt(j as number | string);
  if (field.type === "bytes" || field.type === "records") return base64Decode(j as string);
  return j;
}

function structFromJson(
  fields: readonly FieldDef[],
  j: { [k: string]: Json },
  version: number,
): Message {
  const out: Message = {};
  for (const field of fields) {
    const v = j[field.name];
    out[field.name] = inRange(field.versions, version) && v !== undefined
      ? valueFromJson(field, v, version)
      : defaultValue(field);
  }
  return out;
}

/** The Kafka-JSON form of a message value at a version. */
export function messageToJson(
  apiKey: number,
  version: number,
  direction: Direction,
  value: Message,
): Json {
  return structToJson(fieldsOf(apiKey, direction), value, version);
}

/**
 * A message value from its Kafka-JSON form; fields missing from the JSON or absent in the version
 * take their defaults, exactly as decoding does.
 */
export function messageFromJson(
  apiKey: number,
  version: number,
  direction: Direction,
  json: Json,
): Message {
  return structFromJson(fieldsOf(apiKey, direction), json as { [k: string]: Json }, version);
}
