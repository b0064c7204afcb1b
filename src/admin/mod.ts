/**
 * The HTTP admin API (`Deno.serve`, JSON): `GET /metrics` (Prometheus text from the node's
 * registry) and `GET /health` (200 with `{ ok: true, … }`, or 503 when not ok). More routes are
 * added with `admin.route("GET", "/status", handler)`; unknown paths answer 404, known paths with
 * another method 405, all as JSON.
 *
 * ```ts
 * const admin = startAdminServer({ hostname: "127.0.0.1", port: 9644,
 *   metrics: () => metrics.text(), metricsContentType: metrics.contentType,
 *   health: () => ({ ok: true }) });
 * await admin.close();
 * ```
 *
 * @module
 */
export {
  type AdminServer,
  type AdminServerOptions,
  type HealthReport,
  json,
  type RouteHandler,
  startAdminServer,
} from "./server.ts";
