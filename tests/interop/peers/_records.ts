/**
 * Shared by the TypeScript peers: the command line every peer takes, the records derived from an
 * index (the same rule in every language; see docs/interop.md), the read-back check and the JSON
 * verdict line.
 *
 * @module
 */

import { parseArgs } from "node:util";

export type Codec = "none" | "gzip" | "snappy" | "lz4" | "zstd";
export const ALL_CODECS: readonly Codec[] = ["none", "gzip", "snappy", "lz4", "zstd"];

export interface PeerArgs {
  bootstrap: string;
  topic: string;
  count: number;
  compression: Codec;
  idempotent: boolean;
  timeoutMs: number;
}

export interface PeerRecord {
  key: string;
  value: string;
  headers: [string, string][];
}

/** One record as read back: offset plus decoded key, value, headers. */
export interface SeenRecord {
  offset: number;
  key: string | null;
  value: string | null;
  headers: [string, string][];
}

export interface Verdict {
  client: string;
  topic: string;
  compression: Codec;
  idempotent: boolean;
  count: number;
  produced: number;
  consumed: number;
  firstOffset: number | null;
  lastOffset: number | null;
  ok: boolean;
  error: string | null;
}

/** Upper bound of `--count`, so one peer run cannot hold unbounded memory. */
export const MAX_RECORD_COUNT = 1_000_000;

/** Parses `--bootstrap --topic --count --compression --idempotent --timeout-ms`. */
export function parsePeerArgs(args: string[], codecs: readonly Codec[]): PeerArgs {
  const { values } = parseArgs({
    args,
    options: {
      bootstrap: { type: "string" },
      topic: { type: "string" },
      count: { type: "string", default: "1000" },
      compression: { type: "string", default: "none" },
      idempotent: { type: "string", default: "false" },
      "timeout-ms": { type: "string", default: "120000" },
    },
  });
  if (!values.bootstrap || !values.topic) throw new Error("--bootstrap and --topic are required");
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 0 || count > MAX_RECORD_COUNT) {
    throw new Error(`--count must be an integer in [0, ${MAX_RECORD_COUNT}], got ${values.count}`);
  }
  const compression = values.compression as Codec;
  if (!codecs.includes(compression)) {
    throw new Error(`--compression must be one of ${codecs.join(", ")}, got ${compression}`);
  }
  if (values.idempotent !== "true" && values.idempotent !== "false") {
    throw new Error(`--idempotent must be true or false, got ${values.idempotent}`);
  }
  const timeoutMs = Number(values["timeout-ms"]);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error("bad --timeout-ms");
  return {
    bootstrap: values.bootstrap,
    topic: values.topic,
    count,
    compression,
    idempotent: values.idempotent === "true",
    timeoutMs,
  };
}

/** Record `i`: the same key, value and headers in every peer. */
export function recordAt(i: number): PeerRecord {
  return {
    key: `key-${String(i).padStart(6, "0")}`,
    value: `value-${i}-` + "abcdefghij".repeat(1 + i % 8),
    headers: [["idx", String(i)], ["mod13", `h-${i % 13}`]],
  };
}

/**
 * Checks that `seen` is exactly records 0..count-1 at offsets 0..count-1. `headersOf` overrides the
 * expected headers (kcat can only send one header set per run). Returns the first mismatch.
 */
export function checkRecords(
  count: number,
  seen: readonly SeenRecord[],
  headersOf: (i: number) => [string, string][] = (i) => recordAt(i).headers,
): string | null {
  if (seen.length !== count) return `read ${seen.length} records, expected ${count}`;
  for (let j = 0; j < seen.length; j++) {
    const got = seen[j]!;
    const want = recordAt(j);
    if (got.offset !== j) return `record ${j}: offset ${got.offset}, expected ${j}`;
    if (got.key !== want.key || got.value !== want.value) {
      return `record ${j}: key/value ${got.key}/${got.value} differ from ${want.key}/${want.value}`;
    }
    const wantHeaders = JSON.stringify(headersOf(j));
    if (JSON.stringify(got.headers) !== wantHeaders) {
      return `record ${j}: headers ${JSON.stringify(got.headers)} differ from ${wantHeaders}`;
    }
  }
  return null;
}

/** Prints the one JSON verdict line and returns the process exit code. */
export function report(
  client: string,
  args: PeerArgs,
  produced: number,
  seen: readonly SeenRecord[],
  error: string | null,
  headersOf?: (i: number) => [string, string][],
): number {
  const verdict = error ?? checkRecords(args.count, seen, headersOf);
  const line: Verdict = {
    client,
    topic: args.topic,
    compression: args.compression,
    idempotent: args.idempotent,
    count: args.count,
    produced,
    consumed: seen.length,
    firstOffset: seen[0]?.offset ?? null,
    lastOffset: seen.at(-1)?.offset ?? null,
    ok: verdict === null,
    error: verdict,
  };
  console.log(JSON.stringify(line));
  return verdict === null ? 0 : 1;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
