/**
 * Thousands of malformed connections of every kind against a server with an echo-style handler;
 * afterwards (and throughout) well-formed clients are answered correctly, nothing leaks, and
 * memory stays bounded. Scenarios are drawn from a seed (printed on failure; set
 * CHRONIK_TEST_SEED to replay).
 */
import assert from "node:assert/strict";
import {
  CloseConnection,
  type HandlerResult,
  type RequestContext,
  type ServerLimits,
  startKafkaServer,
} from "../../src/kafka/server/mod.ts";
import {
  closedByServer,
  correlationOf,
  delay,
  echo,
  eventually,
  readExact,
  readResponse,
  requestFrame,
  writeAll,
} from "../kafka/server/_helpers.ts";
import { type CloseReason, NOOP_SERVER_PROBE } from "../../src/observability/mod.ts";

const HOST = "127.0.0.1";
const CONNECTIONS = 3000;
const WORKERS = 48;

const LIMITS: ServerLimits = {
  maxFrameBytes: 1024 * 1024,
  maxConnections: 256,
  maxInflightBytesPerConnection: 2 * 1024 * 1024,
  maxInflightBytesTotal: 16 * 1024 * 1024,
  maxQueuedRequestsPerConnection: 32,
  idleTimeoutMs: 200,
  shutdownGraceMs: 2000,
};

/** Echo-style handler that, like a codec, refuses headers it cannot make sense of. */
function handle(frame: Uint8Array, ctx: RequestContext): HandlerResult | Promise<HandlerResult> {
  if (ctx.apiKey < 0 || ctx.apiKey > 80 || ctx.apiVersion < 0 || ctx.apiVersion > 20) {
    return new CloseConnection("undecodable header");
  }
  // Some requests complete later than the ones after them.
  if ((ctx.correlationId & 3) === 1) {
    return delay(ctx.correlationId % 7).then(() => echo(frame, ctx));
  }
  return echo(frame, ctx);
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function int32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, value);
  return out;
}

type Scenario = (port: number, random: () => number) => Promise<void>;

/** Writes, ignoring the server having closed first. */
async function tryWrite(conn: Deno.Conn, bytes: Uint8Array): Promise<boolean> {
  try {
    await writeAll(conn, bytes);
    return true;
  } catch {
    return false;
  }
}

async function withConn(port: number, body: (conn: Deno.Conn) => Promise<void>): Promise<void> {
  const conn = await Deno.connect({ hostname: HOST, port });
  try {
    await body(conn);
  } finally {
    try {
      conn.close();
    } catch {
      // Closed already.
    }
  }
}

async function closeWriteThenWait(conn: Deno.Conn): Promise<void> {
  try {
    await conn.closeWrite();
  } catch {
    // Server closed first.
  }
  assert.ok(await closedByServer(conn), "server closes the connection");
}

const SCENARIOS: Record<string, Scenario> = {
  garbage: (port, random) =>
    withConn(port, async (conn) => {
      const bytes = new Uint8Array(1 + Math.floor(random() * 300)).map(() => random() * 256);
      await tryWrite(conn, bytes);
      await closeWriteThenWait(conn);
    }),
  truncated: (port, random) =>
    withConn(port, async (conn) => {
      const size = 8 + Math.floor(random() * (LIMITS.maxFrameBytes - 8));
      const sent = Math.floor(random() * Math.min(size, 4096));
      const header = requestFrame(7, new Uint8Array(Math.max(0, sent - 8))).subarray(4);
      await tryWrite(conn, new Uint8Array([...int32(size), ...header.subarray(0, sent)]));
      await closeWriteThenWait(conn);
    }),
  huge: (port, random) =>
    withConn(port, async (conn) => {
      const size = LIMITS.maxFrameBytes + 1 +
        Math.floor(random() * (2 ** 31 - 2 - LIMITS.maxFrameBytes));
      await tryWrite(conn, int32(size));
      assert.ok(await closedByServer(conn), `size ${size} closes`);
    }),
  negative: (port, random) =>
    withConn(port, async (conn) => {
      await tryWrite(conn, int32(-1 - Math.floor(random() * 2 ** 31)));
      assert.ok(await closedByServer(conn));
    }),
  halfOpen: (port, random) =>
    withConn(port, async (conn) => {
      // Part of a size prefix, or nothing at all, then silence: the idle timeout ends it.
      if (random() < 0.5) await tryWrite(conn, new Uint8Array([0, 0]));
      if (random() < 0.5) {
        await closeWriteThenWait(conn);
      } else {
        assert.ok(await closedByServer(conn));
      }
    }),
  reset: (port, random) =>
    withConn(port, async (conn) => {
      // Requests whose responses are never read: close() with unread data sends a RST.
      const n = 1 + Math.floor(random() * 4);
      const frames = [];
      for (let i = 0; i < n; i++) frames.push(...requestFrame(i * 4, new Uint8Array(2048)));
      await tryWrite(conn, new Uint8Array(frames));
      if (random() < 0.7) await readExact(conn, 1);
    }),
  slowLoris: (port) =>
    withConn(port, async (conn) => {
      const frame = requestFrame(9, new Uint8Array(64));
      const started = performance.now();
      for (let i = 0; i < frame.length && performance.now() - started < 3000; i++) {
        if (!(await tryWrite(conn, frame.subarray(i, i + 1)))) break;
        await delay(25);
      }
      assert.ok(await closedByServer(conn));
    }),
  good: (port, random) =>
    withConn(port, async (conn) => {
      const payloads = [];
      const frames = [];
      for (let i = 0; i < 8; i++) {
        const payload = new Uint8Array(Math.floor(random() * 5000)).map(() => random() * 256);
        payloads.push(payload);
        frames.push(...requestFrame(i, payload, Math.floor(random() * 60)));
      }
      await writeAll(conn, new Uint8Array(frames));
      for (let i = 0; i < 8; i++) {
        const response = await readResponse(conn);
        assert.ok(response, "good client answered");
        assert.equal(correlationOf(response), i);
        assert.deepEqual(response.subarray(4), payloads[i]);
      }
    }),
};

Deno.test("fault: thousands of malformed connections leave the server healthy", async () => {
  const seed = Number(Deno.env.get("CHRONIK_TEST_SEED") ?? Date.now() % 1_000_000);
  const random = rng(seed);
  const kinds = Object.keys(SCENARIOS);
  const closes: Partial<Record<CloseReason, number>> = {};
  const probe = {
    ...NOOP_SERVER_PROBE,
    connectionClosed: (reason: CloseReason) => void (closes[reason] = (closes[reason] ?? 0) + 1),
  };
  const server = startKafkaServer({
    hostname: HOST,
    port: 0,
    limits: LIMITS,
    handler: { handle },
    probe,
  });
  const rssBeforeBytes = Deno.memoryUsage().rss;
  let maxInflightBytes = 0;
  let maxConnections = 0;
  const counts: Record<string, number> = {};
  let next = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const stats = server.stats();
      maxInflightBytes = Math.max(maxInflightBytes, stats.inflightBytes);
      maxConnections = Math.max(maxConnections, stats.connections);
      await delay(5);
    }
  })();
  try {
    const worker = async () => {
      while (next < CONNECTIONS) {
        const i = next++;
        const kind = kinds[Math.floor(random() * kinds.length)]!;
        counts[kind] = (counts[kind] ?? 0) + 1;
        try {
          await SCENARIOS[kind]!(server.port, rng(seed * 7919 + i));
        } catch (error) {
          throw new Error(`seed ${seed}, connection ${i} (${kind}): ${error}`);
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    // Afterwards: a well-formed client is still answered correctly, in order.
    await SCENARIOS.good!(server.port, rng(seed));
    assert.ok(
      await eventually(() => server.stats().connections === 0, 3000),
      `seed ${seed}: connections left ${server.stats().connections}`,
    );
    assert.equal(server.stats().inflightBytes, 0, `seed ${seed}: bytes still held`);
    assert.equal(server.stats().pendingRequests, 0);
    assert.ok(
      maxInflightBytes <= LIMITS.maxInflightBytesTotal + 64 * 1024,
      `held ${maxInflightBytes}`,
    );
    assert.ok(maxConnections <= LIMITS.maxConnections);
    const rssGrowthBytes = Deno.memoryUsage().rss - rssBeforeBytes;
    assert.ok(rssGrowthBytes < 256 * 1024 * 1024, `seed ${seed}: rss grew ${rssGrowthBytes} bytes`);
    for (const kind of kinds) {
      assert.ok((counts[kind] ?? 0) > 100, `${kind} ran ${counts[kind]} times`);
    }
  } finally {
    sampling = false;
    await sampler;
    await server.close();
  }
});
