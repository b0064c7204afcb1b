/**
 * Observability: diagnostic logging (LogTape) and metrics (prom-client).
 *
 * Logging: call {@link setupLogging} once at start (`main.ts` does), then anywhere
 * `logger("server").warn("closing {remote}: {why}", { remote, why })`. Categories are
 * `["chronik", <subsystem>, …]`; lines go to stderr as text or JSON lines (`--log-format json`).
 * Before setup, records are dropped.
 *
 * Metrics: one {@link Metrics} per node owns the registry and hands each subsystem its probe:
 * `metrics.server` ({@link ServerProbe}: requests and latency per API, bytes in/out,
 * connections, in-flight bytes), `metrics.log` ({@link LogProbe}: bytes per partition, fsync
 * latency), `metrics.eventLoop` (event-loop lag timer, unref'd; stopped by `metrics.close()`).
 * Subsystems take a probe interface, never prom-client; `NOOP_*_PROBE` stand in for tests.
 * `metrics.text()` is the Prometheus exposition served at `GET /metrics`.
 *
 * @module
 */
export {
  lineSink,
  logger,
  type LoggingOptions,
  type LogLevel,
  ROOT_CATEGORY,
  setupLogging,
  type Subsystem,
  teardownLogging,
} from "./logging.ts";
export {
  type CloseReason,
  EventLoopLagProbe,
  type LogProbe,
  Metrics,
  type MetricsOptions,
  NOOP_LOG_PROBE,
  NOOP_SERVER_PROBE,
  type ServerProbe,
} from "./metrics.ts";
