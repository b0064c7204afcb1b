/** The Kafka TCP listener: accepts, bounds and tracks connections; graceful shutdown. */
import type { Logger } from "@logtape/logtape";
import { logger } from "../../observability/logging.ts";
import { NOOP_SERVER_PROBE, type ServerProbe } from "../../observability/metrics.ts";
import { framePool } from "../../buffer_pool.ts";
import { ByteBudget } from "./_budget.ts";
import { Connection, type ConnectionEnv } from "./connection.ts";
import type { RequestHandler, ServerLimits } from "./types.ts";

/** Pause after a failed accept (e.g. EMFILE) before trying again. */
const ACCEPT_RETRY_MS = 100;

/** Options of {@link startKafkaServer}. */
export interface KafkaServerOptions {
  readonly hostname: string;
  /** 0 = any free port (see {@link KafkaServer.port}). */
  readonly port: number;
  readonly limits: ServerLimits;
  readonly handler: RequestHandler;
  readonly probe?: ServerProbe;
  /** Per-connection read buffer; larger frames bypass it. Default 8 KiB. */
  readonly readBufferBytes?: number;
  /**
   * Bound on idle pooled request buffers (frames of APIs the handler `releasesFrame`); 0 reads
   * every frame into a fresh array. Default 32 MiB.
   */
  readonly requestBufferPoolBytes?: number;
  readonly logger?: Logger;
}

/** Counters for /health and tests. */
export interface KafkaServerStats {
  readonly connections: number;
  readonly pendingRequests: number;
  readonly inflightBytes: number;
}

/** A running server. */
export interface KafkaServer {
  readonly hostname: string;
  readonly port: number;
  stats(): KafkaServerStats;
  /**
   * Graceful shutdown: stop accepting, stop reading new requests, wait (up to
   * `limits.shutdownGraceMs`) for every read request to be answered, then close every connection.
   * Idempotent; settles when everything is closed.
   */
  close(): Promise<void>;
}

/** Binds and starts accepting. */
export function startKafkaServer(options: KafkaServerOptions): KafkaServer {
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  return new TcpKafkaServer(listener, options);
}

class TcpKafkaServer implements KafkaServer {
  readonly hostname: string;
  readonly port: number;
  readonly #listener: Deno.TcpListener;
  readonly #env: ConnectionEnv;
  readonly #connections = new Map<number, { conn: Connection; done: Promise<void> }>();
  readonly #acceptLoop: Promise<void>;
  readonly #idleTimer: ReturnType<typeof setInterval>;
  #nextId = 1;
  #closing: Promise<void> | undefined;

  constructor(listener: Deno.TcpListener, options: KafkaServerOptions) {
    this.#listener = listener;
    const addr = listener.addr;
    this.hostname = addr.hostname;
    this.port = addr.port;
    const probe = options.probe ?? NOOP_SERVER_PROBE;
    const pool = framePool(options.requestBufferPoolBytes ?? 32 * 1024 * 1024);
    this.#env = {
      limits: options.limits,
      handler: options.handler,
      probe,
      budget: new ByteBudget(options.limits.maxInflightBytesTotal, (b) => probe.inflightBytes(b)),
      log: options.logger ?? logger("server"),
      readBufferBytes: options.readBufferBytes ?? 8 * 1024,
      ...(pool === undefined ? {} : { framePool: pool }),
    };
    // One sweep for all connections instead of a timer each.
    const idleMs = options.limits.idleTimeoutMs;
    const sweepMs = Math.max(5, Math.min(1000, Math.floor(idleMs / 4)));
    this.#idleTimer = setInterval(() => this.#closeIdle(), sweepMs);
    this.#acceptLoop = this.#accept();
  }

  stats(): KafkaServerStats {
    let pendingRequests = 0;
    for (const { conn } of this.#connections.values()) pendingRequests += conn.pendingRequests;
    return {
      connections: this.#connections.size,
      pendingRequests,
      inflightBytes: this.#env.budget.usedBytes,
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #accept(): Promise<void> {
    const { limits, probe, log } = this.#env;
    while (this.#closing === undefined) {
      let socket: Deno.TcpConn;
      try {
        socket = await this.#listener.accept();
      } catch (error) {
        if (this.#closing !== undefined || error instanceof Deno.errors.BadResource) return;
        // E.g. out of file descriptors: keep serving the connections we have, retry shortly.
        log.error("accept failed: {error}", { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      if (this.#closing !== undefined) {
        socket.close();
        return;
      }
      if (this.#connections.size >= limits.maxConnections) {
        probe.connectionRefused();
        log.debug("refusing {remote}: {max} connections open", {
          remote: formatAddr(socket.remoteAddr),
          max: limits.maxConnections,
        });
        socket.close();
        continue;
      }
      this.#track(socket);
    }
  }

  #track(socket: Deno.TcpConn): void {
    try {
      socket.setNoDelay(true);
    } catch {
      // The peer may already be gone; the read loop will notice.
    }
    const id = this.#nextId++;
    const conn = new Connection(id, socket, formatAddr(socket.remoteAddr), this.#env);
    this.#env.probe.connectionOpened();
    const done = conn.run().finally(() => {
      this.#connections.delete(id);
      try {
        this.#env.handler.connectionClosed?.(id);
      } catch (error) {
        this.#env.log.error("connectionClosed hook failed: {error}", { error: String(error) });
      }
    });
    this.#connections.set(id, { conn, done });
  }

  #closeIdle(): void {
    const now = performance.now();
    const idleMs = this.#env.limits.idleTimeoutMs;
    for (const { conn } of this.#connections.values()) {
      if (conn.isIdle(now, idleMs)) {
        this.#env.log.info("closing {remote}: idle for over {idleMs} ms", {
          remote: conn.remoteAddr,
          idleMs,
        });
        conn.close("idle");
      }
    }
  }

  async #shutdown(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    await this.#acceptLoop;
    const all = [...this.#connections.values()];
    for (const { conn } of all) conn.drain();
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, this.#env.limits.shutdownGraceMs);
    });
    await Promise.race([Promise.all(all.map((c) => c.done)), graceOver]);
    clearTimeout(graceTimer);
    for (const { conn } of this.#connections.values()) conn.close("shutdown");
    await Promise.all(all.map((c) => c.done));
    clearInterval(this.#idleTimer);
  }
}

function formatAddr(addr: Deno.Addr): string {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`;
  }
  return addr.transport;
}
