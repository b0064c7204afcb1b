/**
 * Shared by the TypeScript group members (`group_kafkajs.ts`, `group_platformatic.ts`): their
 * command line, the JSON event lines they print and the command lines they read from stdin (the
 * protocol is in `tests/interop/groups/mod.ts`).
 *
 * @module
 */

import { parseArgs } from "node:util";

export interface MemberArgs {
  bootstrap: string;
  topic: string;
  group: string;
  name: string;
  sessionTimeoutMs: number;
  instanceId: string | null;
  timeoutMs: number;
}

/** Parses `--bootstrap --topic --group --name --session-timeout-ms [--instance-id] --timeout-ms`. */
export function parseMemberArgs(args: string[]): MemberArgs {
  const { values } = parseArgs({
    args,
    options: {
      bootstrap: { type: "string" },
      topic: { type: "string" },
      group: { type: "string" },
      name: { type: "string", default: "member" },
      "session-timeout-ms": { type: "string", default: "10000" },
      "instance-id": { type: "string" },
      "timeout-ms": { type: "string", default: "300000" },
    },
  });
  if (!values.bootstrap || !values.topic || !values.group) {
    throw new Error("--bootstrap, --topic and --group are required");
  }
  const sessionTimeoutMs = Number(values["session-timeout-ms"]);
  const timeoutMs = Number(values["timeout-ms"]);
  if (!Number.isInteger(sessionTimeoutMs) || !Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new Error("bad --session-timeout-ms or --timeout-ms");
  }
  return {
    bootstrap: values.bootstrap,
    topic: values.topic,
    group: values.group,
    name: values.name,
    sessionTimeoutMs,
    instanceId: values["instance-id"] ?? null,
    timeoutMs,
  };
}

/** Prints one event line. */
export function emit(event: Record<string, unknown>): void {
  console.log(JSON.stringify(event));
}

/** The record index in a key `key-000042`, or -1. */
export function indexOfKey(key: string | null | undefined): number {
  return key?.startsWith("key-") ? Number(key.slice(4)) : -1;
}

/** One record a member consumed: partition, offset, index. */
export type Consumed = [number, number, number];

/**
 * Reports a polled batch, commits the next offset of every partition in it and reports the commit
 * (or its failure). `commit` gets partition → next offset.
 */
export async function reportBatch(
  batch: readonly Consumed[],
  commit: (next: Map<number, number>) => Promise<void>,
): Promise<void> {
  if (batch.length === 0) return;
  emit({ event: "consumed", records: batch });
  const next = new Map<number, number>();
  for (const [p, o] of batch) next.set(p, Math.max(next.get(p) ?? 0, o + 1));
  try {
    await commit(next);
    emit({ event: "committed", offsets: [...next] });
  } catch (e) {
    emit({ event: "commit_failed", message: e instanceof Error ? e.message : String(e) });
  }
}

/** Resolves when stdin says `close` or ends. */
export async function closeRequested(): Promise<void> {
  let pending = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    if (pending.includes('"close"')) return;
    pending = pending.slice(-1_000);
  }
}
