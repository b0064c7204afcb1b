/**
 * A lint over the protocol tables. Returns one line per problem (empty when the tables are sound):
 * version ranges non-empty and inside the API's (and the parent field's) range, tags unique per
 * struct and only in flexible versions, nullability only on types that allow it and only inside
 * the field's versions, array/struct shapes well formed, defaults of the right type.
 */
import { isFlexible } from "./apis.ts";
import {
  type ApiSpec,
  type FieldDef,
  isPrimitive,
  OPEN_VERSION,
  type VersionRange,
} from "./schema.ts";

const NULLABLE_TYPES = new Set(["string", "bytes", "records", "array", "struct"]);

function within(inner: VersionRange, outer: VersionRange, maxVersion: number): boolean {
  const innerMax = inner.max === OPEN_VERSION ? maxVersion : inner.max;
  const outerMax = outer.max === OPEN_VERSION ? maxVersion : outer.max;
  return inner.min >= outer.min && innerMax <= outerMax && inner.min <= innerMax;
}

function show(r: VersionRange): string {
  return r.max === OPEN_VERSION ? `${r.min}+` : `${r.min}-${r.max}`;
}

function lintDefault(field: FieldDef, where: string): string[] {
  const d = field.default;
  if (d === undefined) return [];
  const nullableSomewhere = field.nullableVersions !== null;
  if (d === null) {
    return nullableSomewhere ? [] : [`${where}: default null on a field never nullable`];
  }
  const ok = (() => {
    switch (field.type) {
      case "bool":
        return typeof d === "boolean";
      case "string":
        return typeof d === "string";
      case "int64":
        return typeof d === "bigint" || (typeof d === "number" && Number.isSafeInteger(d));
      case "int8":
      case "int16":
      case "uint16":
      case "int32":
      case "uint32":
      case "float64":
        return typeof d === "number";
      default:
        return false;
    }
  })();
  return ok ? [] : [`${where}: default ${String(d)} does not fit type ${field.type}`];
}

function lintFields(
  api: ApiSpec,
  fields: readonly FieldDef[],
  parent: VersionRange,
  path: string,
): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const tags = new Map<number, string>();
  for (const field of fields) {
    const where = `${path}.${field.name}`;
    if (!/^[a-z][A-Za-z0-9]*$/.test(field.name)) problems.push(`${where}: name not lowerCamel`);
    if (names.has(field.name)) problems.push(`${where}: duplicate field name`);
    names.add(field.name);
    if (!within(field.versions, parent, api.maxVersion)) {
      problems.push(`${where}: versions ${show(field.versions)} outside ${show(parent)}`);
    }
    if (field.nullableVersions !== null) {
      if (!NULLABLE_TYPES.has(field.type)) {
        problems.push(`${where}: type ${field.type} cannot be null`);
      }
      if (!within(field.nullableVersions, field.versions, api.maxVersion)) {
        problems.push(`${where}: nullable ${show(field.nullableVersions)} outside its versions`);
      }
    }
    if (field.tag !== null || field.taggedVersions !== null) {
      if (field.tag === null || field.taggedVersions === null) {
        problems.push(`${where}: tag and tagged versions must come together`);
      } else {
        if (!Number.isInteger(field.tag) || field.tag < 0) problems.push(`${where}: bad tag`);
        const other = tags.get(field.tag);
        if (other !== undefined) problems.push(`${where}: tag ${field.tag} also used by ${other}`);
        tags.set(field.tag, field.name);
        const tv = field.taggedVersions;
        if (!within(tv, field.versions, api.maxVersion)) {
          problems.push(`${where}: tagged versions ${show(tv)} outside its versions`);
        }
        if (api.flexibleMin === null || !isFlexible(api, tv.min)) {
          problems.push(`${where}: tagged in non-flexible versions ${show(tv)}`);
        }
      }
    }
    if (field.type === "array") {
      const shapes = Number(field.items !== undefined) + Number(field.fields !== undefined);
      if (shapes !== 1) problems.push(`${where}: array needs exactly one of items or fields`);
      if (field.items !== undefined && !isPrimitive(field.items)) {
        problems.push(`${where}: bad element type ${field.items}`);
      }
    } else if (field.type === "struct") {
      if (field.fields === undefined) problems.push(`${where}: struct without fields`);
    } else if (field.items !== undefined || field.fields !== undefined) {
      problems.push(`${where}: primitive with nested fields`);
    }
    if (field.fields !== undefined) {
      problems.push(...lintFields(api, field.fields, field.versions, where));
    }
    problems.push(...lintDefault(field, where));
  }
  return problems;
}

/** Problems in one API's tables. */
export function lintApi(api: ApiSpec): string[] {
  const problems: string[] = [];
  const name = api.name;
  if (!Number.isInteger(api.apiKey) || api.apiKey < 0) problems.push(`${name}: bad api key`);
  if (!(api.minVersion >= 0 && api.minVersion <= api.maxVersion && api.maxVersion < OPEN_VERSION)) {
    problems.push(`${name}: bad version range ${api.minVersion}-${api.maxVersion}`);
  }
  if (
    api.flexibleMin !== null &&
    (api.flexibleMin < api.minVersion || api.flexibleMin > api.maxVersion)
  ) {
    problems.push(`${name}: flexible from v${api.flexibleMin} outside its range`);
  }
  const whole = { min: api.minVersion, max: api.maxVersion };
  problems.push(...lintFields(api, api.request, whole, `${name}Request`));
  problems.push(...lintFields(api, api.response, whole, `${name}Response`));
  return problems;
}

/** Problems across a set of APIs (also: duplicate keys or names). */
export function lintApis(apis: readonly ApiSpec[]): string[] {
  const problems: string[] = [];
  const keys = new Set<number>();
  const names = new Set<string>();
  for (const api of apis) {
    if (keys.has(api.apiKey)) problems.push(`${api.name}: duplicate api key ${api.apiKey}`);
    if (names.has(api.name)) problems.push(`${api.name}: duplicate name`);
    keys.add(api.apiKey);
    names.add(api.name);
    problems.push(...lintApi(api));
  }
  return problems;
}
