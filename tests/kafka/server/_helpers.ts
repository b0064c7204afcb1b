/** Test client helpers for the Kafka TCP server. */
import type { HandlerResult, RequestContext, ServerLimits } from "../../../src/kafka/server/mod.ts";

export const TEST_LIMITS: ServerLimits = {
  maxFrameBytes: 64 * 1024,
  maxConnections: 64,
  maxInflightBytesPerConnection: 256 * 1024,
  maxInflightBytesTotal: 1024 * 1024,
  maxQueuedRequestsPerConnection: 64,
  idleTimeoutMs: 30_000,
  shutdownGraceMs: 5_000,
};

/** A request frame with its size prefix: api key, version, correlation id, then `payload`. */
export function requestFrame(
  correlationId: number,
  payload: Uint8Array = new Uint8Array(),
  apiKey = 18,
  apiVersion = 0,
): Uint8Array {
  const out = new Uint8Array(4 + 8 + payload.length);
  const view = new DataView(out.buffer);
  view.setInt32(0, 8 + payload.length);
  view.setInt16(4, apiKey);
  view.setInt16(6, apiVersion);
  view.setInt32(8, correlationId);
  out.set(payload, 12);
  return out;
}

/** Echo: response = correlation id + the request's bytes after the 8-byte header prefix. */
export function echo(frame: Uint8Array, context: RequestContext): HandlerResult {
  const out = new Uint8Array(4 + frame.length - 8);
  new DataView(out.buffer).setInt32(0, context.correlationId);
  out.set(frame.subarray(8), 4);
  return out;
}

export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** Reads exactly n bytes; null if the stream ended (or was reset) first. */
export async function readExact(conn: Deno.Conn, n: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(n);
  let filled = 0;
  while (filled < n) {
    let got: number | null;
    try {
      got = await conn.read(out.subarray(filled));
    } catch {
      return null;
    }
    if (got === null) return null;
    filled += got;
  }
  return out;
}

/** One response frame body (without prefix), or null when the server closed the connection. */
export async function readResponse(conn: Deno.Conn): Promise<Uint8Array | null> {
  const prefix = await readExact(conn, 4);
  if (prefix === null) return null;
  const size = new DataView(prefix.buffer).getInt32(0);
  return await readExact(conn, size);
}

export function correlationOf(response: Uint8Array): number {
  return new DataView(response.buffer, response.byteOffset).getInt32(0);
}

/** True once the server has closed the connection (read sees end of stream or reset). */
export async function closedByServer(conn: Deno.Conn): Promise<boolean> {
  const buf = new Uint8Array(1024);
  for (let i = 0; i < 1000; i++) {
    try {
      if ((await conn.read(buf)) === null) return true;
    } catch {
      return true;
    }
  }
  return false;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 5 ms up to `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (check()) return true;
    await delay(5);
  }
  return check();
}

/** A promise with its resolve function exposed. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
