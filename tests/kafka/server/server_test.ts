import assert from "node:assert/strict";
import {
  CloseConnection,
  type HandlerResult,
  type RequestContext,
  startKafkaServer,
} from "../../../src/kafka/server/mod.ts";
import { setupLogging, teardownLogging } from "../../../src/observability/mod.ts";
import { NOOP_SERVER_PROBE } from "../../../src/observability/metrics.ts";
import {
  closedByServer,
  correlationOf,
  deferred,
  delay,
  echo,
  eventually,
  readResponse,
  requestFrame,
  TEST_LIMITS,
  writeAll,
} from "./_helpers.ts";

const HOST = "127.0.0.1";

Deno.test("kafka server: framing and pipelining", async (t) => {
  await t.step("echoes one request", async () => {
    const server = startKafkaServer({
      hostname: HOST,
      port: 0,
      limits: TEST_LIMITS,
      handler: { handle: echo },
    });
    const conn = await Deno.connect({ hostname: HOST, port: server.port });
    await writeAll(conn, requestFrame(42, new TextEncoder().encode("hi")));
    const response = await readResponse(conn);
    assert.ok(response);
    assert.equal(correlationOf(response), 42);
    assert.equal(new TextDecoder().decode(response.subarray(4)), "hi");
    conn.close();
    await server.close();
  });

  await t.step("answers in request order when the handler finishes out of order", async () => {
    const calls: number[] = [];
    const handler = {
      async handle(frame: Uint8Array, ctx: RequestContext): Promise<HandlerResult> {
        calls.push(ctx.correlationId);
        // Later requests finish first.
        await delay(Math.max(0, 40 - ctx.correlationId * 2));
        return echo(frame, ctx);
      },
    };
    const server = startKafkaServer({ hostname: HOST, port: 0, limits: TEST_LIMITS, handler });
    const conn = await Deno.connect({ hostname: HOST, port: server.port });
    const batch = [];
    for (let i = 0; i < 20; i++) batch.push(...requestFrame(i));
    await writeAll(conn, new Uint8Array(batch));
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await readResponse(conn);
      assert.ok(response);
      seen.push(correlationOf(response));
    }
    assert.deepEqual(seen, [...Array(20).keys()]);
    assert.deepEqual(calls, [...Array(20).keys()], "handler called in request order");
    conn.close();
    await server.close();
  });

  await t.step("responses ready together go out in one write, still in order", async () => {
    const release = deferred<void>();
    let arrived = 0;
    const handler = {
      async handle(frame: Uint8Array, ctx: RequestContext): Promise<HandlerResult> {
        if (++arrived === 20) release.resolve();
        await release.promise;
        // Every third request answers nothing (acks=0); the rest echo.
        return ctx.correlationId % 3 === 2 ? null : echo(frame, ctx);
      },
    };
    const writes: number[] = [];
    const probe = { ...NOOP_SERVER_PROBE, bytesOut: (bytes: number) => writes.push(bytes) };
    const server = startKafkaServer({
      hostname: HOST,
      port: 0,
      limits: TEST_LIMITS,
      handler,
      probe,
    });
    const conn = await Deno.connect({ hostname: HOST, port: server.port });
    const batch = [];
    for (let i = 0; i < 20; i++) batch.push(...requestFrame(i));
    await writeAll(conn, new Uint8Array(batch));
    const expected = [...Array(20).keys()].filter((i) => i % 3 !== 2);
    const seen: number[] = [];
    for (const _ of expected) {
      const response = await readResponse(conn);
      assert.ok(response);
      seen.push(correlationOf(response));
    }
    assert.deepEqual(seen, expected);
    // The head waits alone for its promise; every answer behind it was ready by then.
    assert.ok(writes.length <= 2, `${writes.length} writes for ${expected.length} responses`);
    conn.close();
    await server.close();
  });

  await t.step(
    "an answer cut from a sized frame goes as it is; other bytes in front do not",
    async () => {
      // Correlation ids: 0 = fresh array, 1 = its size already in front, 2 = other bytes in front
      // (one of them equal to the size's low byte), 3 = at offset 0 of a larger buffer.
      const handler = {
        handle: (frame: Uint8Array, ctx: RequestContext): HandlerResult => {
          const body = echo(frame, ctx) as Uint8Array;
          const n = body.length;
          const buffer = new Uint8Array(n + 8);
          const view = new DataView(buffer.buffer);
          switch (ctx.correlationId) {
            case 1:
              view.setInt32(0, n);
              break;
            case 2:
              view.setInt32(0, n + 256);
              break;
            case 3:
              buffer.set(body, 0);
              return buffer.subarray(0, n);
            default:
              return body;
          }
          buffer.set(body, 4);
          return buffer.subarray(4, 4 + n);
        },
      };
      const server = startKafkaServer({ hostname: HOST, port: 0, limits: TEST_LIMITS, handler });
      const conn = await Deno.connect({ hostname: HOST, port: server.port });
      const payload = new TextEncoder().encode("payload");
      for (let i = 0; i < 4; i++) {
        // One at a time, so each answer is written alone.
        await writeAll(conn, requestFrame(i, payload));
        const response = await readResponse(conn);
        assert.ok(response);
        assert.equal(correlationOf(response), i);
        assert.equal(new TextDecoder().decode(response.subarray(4)), "payload");
      }
      conn.close();
      await server.close();
    },
  );

  await t.step("null answers nothing; later answers still in order", async () => {
    const handler = {
      handle: (frame: Uint8Array, ctx: RequestContext) =>
        ctx.correlationId % 2 === 0 ? null : echo(frame, ctx),
    };
    const server = startKafkaServer({ hostname: HOST, port: 0, limits: TEST_LIMITS, handler });
    const conn = await Deno.connect({ hostname: HOST, port: server.port });
    for (let i = 0; i < 6; i++) await writeAll(conn, requestFrame(i));
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(correlationOf((await readResponse(conn))!));
    assert.deepEqual(seen, [1, 3, 5]);
    conn.close();
    await server.close();
  });

  await t.step("CloseConnection and a throwing handler close the connection", async () => {
    const handler = {
      handle(frame: Uint8Array, ctx: RequestContext): HandlerResult {
        if (ctx.apiKey === 1) return new CloseConnection("test");
        if (ctx.apiKey === 2) throw new Error("boom");
        return echo(frame, ctx);
      },
    };
    const server = startKafkaServer({ hostname: HOST, port: 0, limits: TEST_LIMITS, handler });
    for (const apiKey of [1, 2]) {
      const conn = await Deno.connect({ hostname: HOST, port: server.port });
      await writeAll(conn, requestFrame(7, new Uint8Array(), 18));
      await writeAll(conn, requestFrame(8, new Uint8Array(), apiKey));
      assert.equal(correlationOf((await readResponse(conn))!), 7);
      assert.equal(await readResponse(conn), null);
      conn.close();
    }
    await server.close();
  });

  await t.step("frame size split across many writes", async () => {
    const server = startKafkaServer({
      hostname: HOST,
      port: 0,
      limits: TEST_LIMITS,
      handler: { handle: echo },
      readBufferBytes: 16,
    });
    const conn = await Deno.connect({ hostname: HOST, port: server.port });
    const payload = new Uint8Array(1000).map((_, i) => i & 0xff);
    const bytes = requestFrame(5, payload);
    for (let i = 0; i < bytes.length; i += 7) {
      await writeAll(conn, bytes.subarray(i, i + 7));
    }
    const response = await readResponse(conn);
    assert.ok(response);
    assert.deepEqual(response.subarray(4), payload);
    conn.close();
    await server.close();
  });
});

Deno.test("kafka server: limits", async (t) => {
  await t.step("oversized, negative and short frames close with one log line", async () => {
    const lines: string[] = [];
    await setupLogging({ level: "info", format: "text", write: (l) => lines.push(l) });
    try {
      const server = startKafkaServer({
        hostname: HOST,
        port: 0,
        limits: TEST_LIMITS,
        handler: { handle: echo },
      });
      for (const size of [TEST_LIMITS.maxFrameBytes + 1, -5, 0x7fffffff, 3]) {
        const before = lines.length;
        const conn = await Deno.connect({ hostname: HOST, port: server.port });
        const prefix = new Uint8Array(4);
        new DataView(prefix.buffer).setInt32(0, size);
        await writeAll(conn, prefix);
        assert.ok(await closedByServer(conn), `size ${size} closes`);
        conn.close();
        assert.ok(await eventually(() => lines.length > before));
        assert.equal(lines.length, before + 1, lines.slice(before).join(""));
        assert.match(lines[before]!, new RegExp(String(size)));
      }
      // A frame of exactly the limit is fine.
      const conn = await Deno.connect({ hostname: HOST, port: server.port });
      await writeAll(conn, requestFrame(1, new Uint8Array(TEST_LIMITS.maxFrameBytes - 8)));
      assert.equal((await readResponse(conn))?.length, TEST_LIMITS.maxFrameBytes - 4);
      conn.close();
      await server.close();
    } finally {
      await teardownLogging();
    }
  });

  await t.step("max connections refuses extra", async () => {
    const limits = { ...TEST_LIMITS, maxConnections: 2 };
    const server = startKafkaServer({ hostname: HOST, port: 0, limits, handler: { handle: echo } });
    const a = await Deno.connect({ hostname: HOST, port: server.port });
    const b = await Deno.connect({ hostname: HOST, port: server.port });
    assert.ok(await eventually(() => server.stats().connections === 2));
    const c = await Deno.connect({ hostname: HOST, port: server.port });
    assert.ok(await closedByServer(c));
    c.close();
    await writeAll(a, requestFrame(1));
    assert.equal(correlationOf((await readResponse(a))!), 1);
    b.close();
    assert.ok(await eventually(() => server.stats().connections === 1));
    const d = await Deno.connect({ hostname: HOST, port: server.port });
    await writeAll(d, requestFrame(2));
    assert.equal(correlationOf((await readResponse(d))!), 2);
    a.close();
    d.close();
    await server.close();
  });

  await t.step("backpressure: stops reading at the per-connection byte bound", async () => {
    const gate = deferred<void>();
    let called = 0;
    const handler = {
      async handle(frame: Uint8Array, ctx: RequestContext): Promise<HandlerResult> {
        called++;
        await gate.promise;
        return echo(frame, ctx);
      },
    };
    // 10 KiB frames, room for 4 per connection.
    const limits = {
      ...TEST_LIMITS,
      maxFrameBytes: 16 * 1024,
      maxInflightBytesPerConnection: 40 * 1024,
    };
    const server = startKafkaServer({ hostname: HOST, port: 0, limits, handler });
    const conn = await Deno.connect({ hostname: HOST, port: server.port });
    const frames = [];
    for (let i = 0; i < 10; i++) frames.push(...requestFrame(i, new Uint8Array(10 * 1024 - 8)));
    await writeAll(conn, new Uint8Array(frames));
    await delay(100);
    assert.equal(called, 4);
    assert.ok(server.stats().inflightBytes <= limits.maxInflightBytesPerConnection);
    gate.resolve();
    for (let i = 0; i < 10; i++) assert.equal(correlationOf((await readResponse(conn))!), i);
    assert.equal(called, 10);
    conn.close();
    await server.close();
  });

  await t.step("backpressure: global bound across connections, and queue bound", async () => {
    const gate = deferred<void>();
    let called = 0;
    const handler = {
      async handle(frame: Uint8Array, ctx: RequestContext): Promise<HandlerResult> {
        called++;
        await gate.promise;
        return echo(frame, ctx);
      },
    };
    const limits = {
      ...TEST_LIMITS,
      maxFrameBytes: 4096,
      maxInflightBytesPerConnection: 8192,
      maxInflightBytesTotal: 12 * 1024,
      maxQueuedRequestsPerConnection: 3,
    };
    const server = startKafkaServer({ hostname: HOST, port: 0, limits, handler });
    const conns = await Promise.all(
      [0, 1, 2].map(() => Deno.connect({ hostname: HOST, port: server.port })),
    );
    for (const conn of conns) {
      const frames = [];
      for (let i = 0; i < 5; i++) frames.push(...requestFrame(i, new Uint8Array(100)));
      await writeAll(conn, new Uint8Array(frames));
    }
    await delay(100);
    // 3 per connection by the queue bound (108-byte frames are far below the byte bounds).
    assert.equal(called, 9);
    gate.resolve();
    for (const conn of conns) {
      for (let i = 0; i < 5; i++) assert.equal(correlationOf((await readResponse(conn))!), i);
      conn.close();
    }
    const gate2 = deferred<void>();
    called = 0;
    handler.handle = async (frame, ctx) => {
      called++;
      await gate2.promise;
      return echo(frame, ctx);
    };
    const big = await Promise.all(
      [0, 1, 2, 3].map(() => Deno.connect({ hostname: HOST, port: server.port })),
    );
    for (const conn of big) await writeAll(conn, requestFrame(1, new Uint8Array(4000)));
    await delay(100);
    assert.equal(called, 3, "only 3 x 4008 bytes fit in 12 KiB");
    gate2.resolve();
    for (const conn of big) {
      assert.equal(correlationOf((await readResponse(conn))!), 1);
      conn.close();
    }
    await server.close();
  });

  await t.step("idle timeout closes quiet connections, not busy ones", async () => {
    const limits = { ...TEST_LIMITS, idleTimeoutMs: 150 };
    const gate = deferred<void>();
    const handler = {
      async handle(frame: Uint8Array, ctx: RequestContext): Promise<HandlerResult> {
        if (ctx.apiKey === 1) await gate.promise;
        return echo(frame, ctx);
      },
    };
    const server = startKafkaServer({ hostname: HOST, port: 0, limits, handler });
    const quiet = await Deno.connect({ hostname: HOST, port: server.port });
    const busy = await Deno.connect({ hostname: HOST, port: server.port });
    const loris = await Deno.connect({ hostname: HOST, port: server.port });
    await writeAll(busy, requestFrame(9, new Uint8Array(), 1));
    const started = performance.now();
    // Slow-loris: a byte at a time never completes a frame.
    const frame = requestFrame(3, new Uint8Array(100));
    let sent = 0;
    while (performance.now() - started < 400 && sent < frame.length) {
      try {
        await writeAll(loris, frame.subarray(sent, sent + 1));
      } catch {
        break;
      }
      sent++;
      await delay(20);
    }
    assert.ok(await closedByServer(quiet));
    assert.ok(await closedByServer(loris));
    assert.ok(sent < frame.length);
    gate.resolve();
    assert.equal(correlationOf((await readResponse(busy))!), 9);
    for (const c of [quiet, busy, loris]) c.close();
    await server.close();
  });
});

Deno.test("kafka server: graceful shutdown waits for in-flight requests", async () => {
  const gate = deferred<void>();
  const handler = {
    async handle(frame: Uint8Array, ctx: RequestContext): Promise<HandlerResult> {
      await gate.promise;
      return echo(frame, ctx);
    },
  };
  const server = startKafkaServer({ hostname: HOST, port: 0, limits: TEST_LIMITS, handler });
  const conn = await Deno.connect({ hostname: HOST, port: server.port });
  await writeAll(conn, new Uint8Array([...requestFrame(1), ...requestFrame(2)]));
  assert.ok(await eventually(() => server.stats().pendingRequests === 2));
  let closed = false;
  const closing = server.close().then(() => {
    closed = true;
  });
  await delay(50);
  assert.equal(closed, false, "close waits for the handler");
  await assert.rejects(() =>
    Deno.connect({ hostname: HOST, port: server.port }).then((c) => {
      c.close();
      throw new Error("still accepting");
    }).catch((e) => {
      throw e;
    })
  );
  gate.resolve();
  assert.equal(correlationOf((await readResponse(conn))!), 1);
  assert.equal(correlationOf((await readResponse(conn))!), 2);
  assert.equal(await readResponse(conn), null, "then the connection closes");
  await closing;
  assert.equal(server.stats().connections, 0);
  conn.close();
});

Deno.test("kafka server: shutdown grace bounds a handler that never answers", async () => {
  const never = new Promise<HandlerResult>(() => {});
  const server = startKafkaServer({
    hostname: HOST,
    port: 0,
    limits: { ...TEST_LIMITS, shutdownGraceMs: 100 },
    handler: { handle: () => never },
  });
  const conn = await Deno.connect({ hostname: HOST, port: server.port });
  await writeAll(conn, requestFrame(1));
  assert.ok(await eventually(() => server.stats().pendingRequests === 1));
  await server.close();
  assert.equal(await readResponse(conn), null);
  conn.close();
});

Deno.test("kafka server: pooled request frames", async (t) => {
  const POOLED_API = 0;
  const OTHER_API = 18;
  const payload = (i: number) => new Uint8Array(20_000).fill(i + 1);
  /** Handler recording each frame's memory and checking it is intact when it settles. */
  const recording = (gate?: Promise<void>) => {
    const seen: { apiKey: number; buffer: ArrayBufferLike; intact: boolean }[] = [];
    const handler = {
      releasesFrame: (apiKey: number) => apiKey === POOLED_API,
      async handle(frame: Uint8Array, ctx: RequestContext): Promise<HandlerResult> {
        const copy = frame.slice();
        if (gate !== undefined) await gate;
        const entry = { apiKey: ctx.apiKey, buffer: frame.buffer, intact: true };
        seen.push(entry);
        entry.intact = frame.every((b, i) => b === copy[i]) &&
          frame.subarray(8).every((b) => b === ctx.correlationId + 1);
        return echo(frame, ctx);
      },
    };
    return { seen, handler };
  };

  await t.step("a released frame's memory is reused; other APIs get their own", async () => {
    const { seen, handler } = recording();
    const server = startKafkaServer({ hostname: HOST, port: 0, limits: TEST_LIMITS, handler });
    const conn = await Deno.connect({ hostname: HOST, port: server.port });
    for (let i = 0; i < 4; i++) {
      const apiKey = i < 2 ? POOLED_API : OTHER_API;
      await writeAll(conn, requestFrame(i, payload(i), apiKey));
      const response = await readResponse(conn);
      assert.equal(correlationOf(response!), i);
      assert.ok(response!.subarray(4).every((b) => b === i + 1), "echoed the whole frame");
      assert.ok(await eventually(() => server.stats().pendingRequests === 0), "slot released");
    }
    assert.ok(seen.every((s) => s.intact));
    assert.equal(seen[0]!.buffer, seen[1]!.buffer, "the second produce frame reused the first's");
    assert.notEqual(seen[2]!.buffer, seen[3]!.buffer, "a non-releasing API gets fresh arrays");
    assert.notEqual(seen[2]!.buffer, seen[0]!.buffer);
    conn.close();
    await server.close();
  });

  await t.step("pipelined frames never share memory while in flight", async () => {
    const gate = deferred<void>();
    const { seen, handler } = recording(gate.promise);
    const server = startKafkaServer({ hostname: HOST, port: 0, limits: TEST_LIMITS, handler });
    const conns = [
      await Deno.connect({ hostname: HOST, port: server.port }),
      await Deno.connect({ hostname: HOST, port: server.port }),
    ];
    for (const [c, conn] of conns.entries()) {
      const frames = [];
      for (let i = c * 5; i < c * 5 + 5; i++) frames.push(...requestFrame(i, payload(i), 0));
      await writeAll(conn, new Uint8Array(frames));
    }
    assert.ok(await eventually(() => server.stats().pendingRequests === 10));
    gate.resolve();
    for (const conn of conns) {
      for (let i = 0; i < 5; i++) assert.ok(await readResponse(conn));
    }
    assert.equal(seen.length, 10);
    assert.ok(seen.every((s) => s.intact), "no frame was overwritten before it settled");
    assert.equal(new Set(seen.map((s) => s.buffer)).size, 10, "ten frames, ten buffers");
    for (const conn of conns) conn.close();
    await server.close();
  });

  await t.step("requestBufferPoolBytes 0 reads every frame into a fresh array", async () => {
    const { seen, handler } = recording();
    const server = startKafkaServer({
      hostname: HOST,
      port: 0,
      limits: TEST_LIMITS,
      handler,
      requestBufferPoolBytes: 0,
    });
    const conn = await Deno.connect({ hostname: HOST, port: server.port });
    for (let i = 0; i < 2; i++) {
      await writeAll(conn, requestFrame(i, payload(i), POOLED_API));
      assert.ok(await readResponse(conn));
      assert.ok(await eventually(() => server.stats().pendingRequests === 0));
    }
    assert.notEqual(seen[0]!.buffer, seen[1]!.buffer);
    conn.close();
    await server.close();
  });

  await t.step(
    "a response is released once written, never before, and not when dropped",
    async () => {
      const released: Uint8Array[] = [];
      const answered: Uint8Array[] = [];
      const handler = {
        handle(_frame: Uint8Array, ctx: RequestContext): HandlerResult {
          // Correlation 0 gets 16 MiB: more than the socket takes while the client reads nothing.
          const out = new Uint8Array(ctx.correlationId === 0 ? 16 << 20 : 8).fill(7);
          new DataView(out.buffer).setInt32(0, ctx.correlationId);
          answered.push(out);
          return out;
        },
        releaseResponse(response: Uint8Array) {
          released.push(response);
        },
      };
      const server = startKafkaServer({ hostname: HOST, port: 0, limits: TEST_LIMITS, handler });
      const conn = await Deno.connect({ hostname: HOST, port: server.port });
      await writeAll(conn, requestFrame(0));
      assert.ok(await eventually(() => answered.length === 1));
      await delay(200);
      assert.equal(released.length, 0, "nothing released while its write is pending");
      const big = await readResponse(conn);
      assert.equal(big?.length, 16 << 20);
      assert.ok(await eventually(() => released.length === 1));
      await writeAll(conn, requestFrame(1));
      assert.equal(correlationOf((await readResponse(conn))!), 1);
      assert.ok(await eventually(() => released.length === 2));
      assert.equal(released[0], answered[0]);
      assert.equal(released[1], answered[1]);

      // The client leaves with a big response half written: it is dropped, not released.
      await writeAll(conn, requestFrame(0));
      assert.ok(await eventually(() => answered.length === 3));
      await delay(100);
      conn.close();
      assert.ok(await eventually(() => server.stats().connections === 0));
      assert.equal(released.length, 2);
      await server.close();
    },
  );

  await t.step("a frame cut inside its API key releases its budget and closes", async () => {
    const { handler } = recording();
    const server = startKafkaServer({ hostname: HOST, port: 0, limits: TEST_LIMITS, handler });
    const conn = await Deno.connect({ hostname: HOST, port: server.port });
    const frame = requestFrame(0, payload(0), POOLED_API);
    await writeAll(conn, frame.subarray(0, 5)); // size and half the API key
    conn.closeWrite();
    assert.equal(await readResponse(conn), null);
    assert.ok(await eventually(() => server.stats().connections === 0));
    assert.equal(server.stats().inflightBytes, 0);
    conn.close();
    await server.close();
  });
});
