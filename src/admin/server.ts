/** The HTTP admin API on `Deno.serve`: a small route table, JSON by default. */
import { logger } from "../observability/logging.ts";

/** A route's handler. */
export type RouteHandler = (request: Request) => Response | Promise<Response>;

/** What `GET /health` reports; `ok: false` answers 503. */
export interface HealthReport {
  readonly ok: boolean;
  readonly [detail: string]: unknown;
}

/** Options of {@link startAdminServer}. */
export interface AdminServerOptions {
  readonly hostname: string;
  /** 0 = any free port (see {@link AdminServer.port}). */
  readonly port: number;
  /** Prometheus text for `GET /metrics`. */
  readonly metrics: () => Promise<string>;
  readonly metricsContentType: string;
  /** Body of `GET /health`. */
  readonly health: () => HealthReport | Promise<HealthReport>;
}

/** A running admin server. */
export interface AdminServer {
  readonly port: number;
  /** Adds `METHOD path` (exact match); replaces an existing one. */
  route(method: string, path: string, handler: RouteHandler): void;
  /** Stops listening; waits for requests in progress. */
  close(): Promise<void>;
}

/** A JSON response. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Binds and serves. */
export function startAdminServer(options: AdminServerOptions): AdminServer {
  const log = logger("admin");
  const routes = new Map<string, RouteHandler>();
  const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
  routes.set(key("GET", "/metrics"), async () =>
    new Response(await options.metrics(), {
      headers: { "content-type": options.metricsContentType },
    }));
  routes.set(key("GET", "/health"), async () => {
    const report = await options.health();
    return json(report, report.ok ? 200 : 503);
  });

  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    onListen: () => {},
    onError: (error) => {
      log.error("admin request failed: {error}", { error: String(error) });
      return json({ error: "internal error" }, 500);
    },
  }, (request) => {
    const path = new URL(request.url).pathname;
    const handler = routes.get(key(request.method, path));
    if (handler !== undefined) return handler(request);
    const other = [...routes.keys()].some((k) => k.endsWith(` ${path}`));
    return other
      ? json({ error: `method ${request.method} not allowed on ${path}` }, 405)
      : json({ error: `no route ${path}` }, 404);
  });

  return {
    port: server.addr.port,
    route(method, path, handler) {
      routes.set(key(method, path), handler);
    },
    async close() {
      await server.shutdown();
    },
  };
}
