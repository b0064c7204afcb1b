/**
 * The shape of our protocol tables and the small DSL the spec files are written in.
 *
 * A message is a list of {@link FieldDef}s. A field lives in a contiguous version range; it may be
 * nullable in a sub-range, and may instead be a tagged field (flexible versions only) with a tag
 * unique within its struct. Fields absent in a version decode to their default.
 */

/** Scalar and leaf types on the wire. */
export type Primitive =
  | "bool"
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "float64"
  | "string"
  | "bytes"
  | "records"
  | "uuid";

export const PRIMITIVES: readonly Primitive[] = [
  "bool",
  "int8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "float64",
  "string",
  "bytes",
  "records",
  "uuid",
];

/** Inclusive version range; `max === OPEN_VERSION` means "up to the API's newest version". */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export const OPEN_VERSION = 0x7fff;

/** A scalar default as written in a table; int64 defaults may be numbers or bigints. */
export type DefaultValue = number | bigint | string | boolean | null;

export interface FieldDef {
  /** lowerCamel name, equal to the Kafka spec's field name. */
  readonly name: string;
  /** A primitive, or `array` / `struct`. */
  readonly type: Primitive | "array" | "struct";
  /** Element type of an array of primitives. */
  readonly items?: Primitive;
  /** Fields of a struct, or of the elements of an array of structs. */
  readonly fields?: readonly FieldDef[];
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange | null;
  readonly tag: number | null;
  readonly taggedVersions: VersionRange | null;
  /** Explicit default; when absent the type's zero value is used. */
  readonly default?: DefaultValue;
}

/** One API: its key, supported version range, flexible versions and both message tables. */
export interface ApiSpec {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version, or `null` if no version is flexible. */
  readonly flexibleMin: number | null;
  readonly request: readonly FieldDef[];
  readonly response: readonly FieldDef[];
}

/** Parses "3+", "3-5" or "3". */
export function range(text: string): VersionRange {
  const open = /^(\d+)\+$/.exec(text);
  if (open) return { min: Number(open[1]), max: OPEN_VERSION };
  const closed = /^(\d+)-(\d+)$/.exec(text);
  if (closed) return { min: Number(closed[1]), max: Number(closed[2]) };
  if (/^\d+$/.test(text)) return { min: Number(text), max: Number(text) };
  throw new Error(`bad version range "${text}"`);
}

export function inRange(r: VersionRange | null, version: number): boolean {
  return r !== null && version >= r.min && version <= r.max;
}

export interface FieldOptions {
  /** Versions in which the field may be null. */
  nullable?: string;
  /** Tag number: the field is tagged in `tagged` versions (default: all its versions). */
  tag?: number;
  tagged?: string;
  default?: DefaultValue;
}

function build(
  name: string,
  type: FieldDef["type"],
  versions: string,
  options: FieldOptions,
  extra: { items?: Primitive; fields?: readonly FieldDef[] },
): FieldDef {
  const field: {
    -readonly [K in keyof FieldDef]: FieldDef[K];
  } = {
    name,
    type,
    versions: range(versions),
    nullableVersions: options.nullable === undefined ? null : range(options.nullable),
    tag: options.tag ?? null,
    taggedVersions: options.tag === undefined ? null : range(options.tagged ?? versions),
  };
  if (extra.items !== undefined) field.items = extra.items;
  if (extra.fields !== undefined) field.fields = extra.fields;
  if (options.default !== undefined) field.default = options.default;
  return field;
}

/** A primitive field (`"int32"`) or an array of primitives (`"[]int32"`). */
export function f(
  name: string,
  type: string,
  versions: string,
  options: FieldOptions = {},
): FieldDef {
  if (type.startsWith("[]")) {
    const items = type.slice(2);
    if (!isPrimitive(items)) throw new Error(`field ${name}: unknown element type ${items}`);
    return build(name, "array", versions, options, { items });
  }
  if (!isPrimitive(type)) throw new Error(`field ${name}: unknown type ${type}`);
  return build(name, type, versions, options, {});
}

/** An array of structs. */
export function arr(
  name: string,
  versions: string,
  fields: readonly FieldDef[],
  options: FieldOptions = {},
): FieldDef {
  return build(name, "array", versions, options, { fields });
}

/** A nested struct. */
export function struct(
  name: string,
  versions: string,
  fields: readonly FieldDef[],
  options: FieldOptions = {},
): FieldDef {
  return build(name, "struct", versions, options, { fields });
}

export function isPrimitive(t: string): t is Primitive {
  return (PRIMITIVES as readonly string[]).includes(t);
}
