/**
 * The prom-client registry and the probe objects through which subsystems report. A probe is the
 * only thing a subsystem sees: it calls plain methods (`requestFinished`, `fsyncObserved`), and the
 * probe turns them into series. Subsystems never import prom-client.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { apiLabel } from "./_api_names.ts";

/** Why a server connection ended; a fixed set keeps label values bounded. */
export type CloseReason =
  | "client"
  | "reset"
  | "idle"
  | "frame_too_large"
  | "frame_too_small"
  | "truncated"
  | "handler"
  | "shutdown"
  | "error";

/** What the Kafka TCP server reports. */
export interface ServerProbe {
  requestStarted(apiKey: number): void;
  requestFinished(apiKey: number, latencySeconds: number, failed: boolean): void;
  bytesIn(bytes: number): void;
  bytesOut(bytes: number): void;
  connectionOpened(): void;
  connectionClosed(reason: CloseReason): void;
  connectionRefused(): void;
  inflightBytes(totalBytes: number): void;
}

/** What the partition log reports. */
export interface LogProbe {
  /** Current on-disk size of one partition's log. */
  partitionBytes(topic: string, partition: number, bytes: number): void;
  /** The partition is gone from this node; drop its series. */
  partitionRemoved(topic: string, partition: number): void;
  fsyncObserved(latencySeconds: number): void;
  /** A log file descriptor opened, closed as idle above the bound, or closed with its file. */
  fileHandle(event: "opened" | "evicted" | "closed", openNow: number): void;
  /** Sealed-segment indexes in memory now; `loaded` when one was just read back from its files. */
  indexCache(bytes: number, loaded: boolean): void;
  /** A produced batch was handed to a worker thread for its record check. */
  batchCheckedOffThread(): void;
}

const LATENCY_BUCKETS_SECONDS = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
];

class PromServerProbe implements ServerProbe {
  readonly #requests: Counter<"api">;
  readonly #failed: Counter<"api">;
  readonly #latency: Histogram<"api">;
  readonly #inFlight: Gauge;
  readonly #bytesIn: Counter;
  readonly #bytesOut: Counter;
  readonly #open: Gauge;
  readonly #accepted: Counter;
  readonly #refused: Counter;
  readonly #closed: Counter<"reason">;
  readonly #inflightBytes: Gauge;

  constructor(registers: Registry[]) {
    this.#requests = new Counter({
      name: "chronik_requests_total",
      help: "Kafka requests received, by API.",
      labelNames: ["api"],
      registers,
    });
    this.#failed = new Counter({
      name: "chronik_requests_failed_total",
      help: "Kafka requests whose handler threw, by API.",
      labelNames: ["api"],
      registers,
    });
    this.#latency = new Histogram({
      name: "chronik_request_latency_seconds",
      help: "Time from a request frame read to its response ready, by API.",
      labelNames: ["api"],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.#inFlight = new Gauge({
      name: "chronik_requests_in_flight",
      help: "Requests being handled or waiting to be answered in order.",
      registers,
    });
    this.#bytesIn = new Counter({
      name: "chronik_network_bytes_in_total",
      help: "Request frame bytes read (with size prefixes).",
      registers,
    });
    this.#bytesOut = new Counter({
      name: "chronik_network_bytes_out_total",
      help: "Response frame bytes written (with size prefixes).",
      registers,
    });
    this.#open = new Gauge({
      name: "chronik_connections",
      help: "Open Kafka client connections.",
      registers,
    });
    this.#accepted = new Counter({
      name: "chronik_connections_accepted_total",
      help: "Kafka client connections accepted.",
      registers,
    });
    this.#refused = new Counter({
      name: "chronik_connections_refused_total",
      help: "Connections closed on accept because server.max.connections was reached.",
      registers,
    });
    this.#closed = new Counter({
      name: "chronik_connections_closed_total",
      help: "Kafka client connections closed, by reason.",
      labelNames: ["reason"],
      registers,
    });
    this.#inflightBytes = new Gauge({
      name: "chronik_inflight_bytes",
      help: "Request and queued response bytes held by all connections.",
      registers,
    });
  }

  requestStarted(apiKey: number): void {
    this.#requests.inc({ api: apiLabel(apiKey) });
    this.#inFlight.inc();
  }
  requestFinished(apiKey: number, latencySeconds: number, failed: boolean): void {
    const api = apiLabel(apiKey);
    this.#latency.observe({ api }, latencySeconds);
    if (failed) this.#failed.inc({ api });
    this.#inFlight.dec();
  }
  bytesIn(bytes: number): void {
    this.#bytesIn.inc(bytes);
  }
  bytesOut(bytes: number): void {
    this.#bytesOut.inc(bytes);
  }
  connectionOpened(): void {
    this.#accepted.inc();
    this.#open.inc();
  }
  connectionClosed(reason: CloseReason): void {
    this.#closed.inc({ reason });
    this.#open.dec();
  }
  connectionRefused(): void {
    this.#refused.inc();
  }
  inflightBytes(totalBytes: number): void {
    this.#inflightBytes.set(totalBytes);
  }
}

class PromLogProbe implements LogProbe {
  readonly #partitionBytes: Gauge<"topic" | "partition">;
  readonly #fsync: Histogram;
  readonly #openFiles: Gauge;
  readonly #fileEvents: Counter<"event">;
  readonly #indexBytes: Gauge;
  readonly #indexLoads: Counter;
  readonly #offThread: Counter;

  constructor(registers: Registry[]) {
    this.#partitionBytes = new Gauge({
      name: "chronik_log_partition_bytes",
      help: "On-disk size of each local partition log.",
      labelNames: ["topic", "partition"],
      registers,
    });
    this.#fsync = new Histogram({
      name: "chronik_log_fsync_latency_seconds",
      help: "Duration of fdatasync calls on partition logs.",
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.#openFiles = new Gauge({
      name: "chronik_log_open_files",
      help: "File descriptors the partition logs hold open (bounded by log.max.open.files).",
      registers,
    });
    this.#fileEvents = new Counter({
      name: "chronik_log_file_handles_total",
      help: "Log file descriptors opened, closed as idle above log.max.open.files (evicted), or " +
        "closed with their file.",
      labelNames: ["event"],
      registers,
    });
    this.#indexBytes = new Gauge({
      name: "chronik_log_index_cache_bytes",
      help: "Sealed segments' indexes held in memory (bounded by log.index.cache.bytes).",
      registers,
    });
    this.#indexLoads = new Counter({
      name: "chronik_log_index_loads_total",
      help: "Sealed segments' indexes read back from their files (at open, or after the cache " +
        "dropped them).",
      registers,
    });
    this.#offThread = new Counter({
      name: "chronik_produce_batches_checked_off_thread_total",
      help: "Produced batches whose records were checked by a worker thread (over " +
        "produce.validation.inline.max.bytes, stored or decompressed, or over " +
        "produce.validation.inline.max.records records).",
      registers,
    });
  }

  partitionBytes(topic: string, partition: number, bytes: number): void {
    this.#partitionBytes.set({ topic, partition: String(partition) }, bytes);
  }
  partitionRemoved(topic: string, partition: number): void {
    this.#partitionBytes.remove({ topic, partition: String(partition) });
  }
  fsyncObserved(latencySeconds: number): void {
    this.#fsync.observe(latencySeconds);
  }
  fileHandle(event: "opened" | "evicted" | "closed", openNow: number): void {
    this.#fileEvents.inc({ event });
    this.#openFiles.set(openNow);
  }
  indexCache(bytes: number, loaded: boolean): void {
    this.#indexBytes.set(bytes);
    if (loaded) this.#indexLoads.inc();
  }
  batchCheckedOffThread(): void {
    this.#offThread.inc();
  }
}

/**
 * Measures event-loop lag: a repeating timer notes how late it fires. Unref'd, so it never keeps
 * the process alive; {@link stop} clears it.
 */
export class EventLoopLagProbe {
  readonly #last: Gauge;
  readonly #histogram: Histogram;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #expectedAtMs = 0;
  #maxLagMs = 0;

  constructor(registers: Registry[], intervalMs: number) {
    if (!(intervalMs > 0)) {
      throw new Error(`event-loop lag interval must be > 0, got ${intervalMs}`);
    }
    this.#intervalMs = intervalMs;
    this.#last = new Gauge({
      name: "chronik_event_loop_lag_seconds",
      help: "How late the last event-loop probe timer fired.",
      registers,
    });
    this.#histogram = new Histogram({
      name: "chronik_event_loop_lag_observed_seconds",
      help: "Distribution of event-loop probe lateness.",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }

  /** Largest lag seen since start, in milliseconds (for /health and tests). */
  get maxLagMs(): number {
    return this.#maxLagMs;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#expectedAtMs = performance.now() + this.#intervalMs;
    const timer = setInterval(() => this.#tick(), this.#intervalMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const now = performance.now();
    const lagMs = Math.max(0, now - this.#expectedAtMs);
    this.#expectedAtMs = now + this.#intervalMs;
    this.#maxLagMs = Math.max(this.#maxLagMs, lagMs);
    this.#last.set(lagMs / 1000);
    this.#histogram.observe(lagMs / 1000);
  }
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Event-loop lag probe period; 0 = no probe. Default 500. */
  readonly eventLoopLagIntervalMs?: number;
  /** Constant labels of `chronik_build_info`. */
  readonly version?: string;
  readonly nodeId?: number;
}

/** The registry and every probe. One per node. */
export class Metrics {
  readonly registry = new Registry();
  readonly server: ServerProbe;
  readonly log: LogProbe;
  readonly eventLoop: EventLoopLagProbe | undefined;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.server = new PromServerProbe(registers);
    this.log = new PromLogProbe(registers);
    const lagMs = options.eventLoopLagIntervalMs ?? 500;
    this.eventLoop = lagMs > 0 ? new EventLoopLagProbe(registers, lagMs) : undefined;
    const info = new Gauge({
      name: "chronik_build_info",
      help: "Always 1; labels carry the version and node id.",
      labelNames: ["version", "node_id"],
      registers,
    });
    info.set({ version: options.version ?? "dev", node_id: String(options.nodeId ?? 0) }, 1);
    // Deno.memoryUsage needs no permission (unlike prom-client's default process metrics).
    new Gauge({
      name: "chronik_process_memory_bytes",
      help: "Process memory by kind (rss, heap_used, heap_total, external).",
      labelNames: ["kind"],
      registers,
      collect() {
        const m = Deno.memoryUsage();
        this.set({ kind: "rss" }, m.rss);
        this.set({ kind: "heap_used" }, m.heapUsed);
        this.set({ kind: "heap_total" }, m.heapTotal);
        this.set({ kind: "external" }, m.external);
      },
    });
    this.eventLoop?.start();
  }

  /** Prometheus text exposition of every series. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops the timers; the registry stays readable. */
  close(): void {
    this.eventLoop?.stop();
  }
}

/** A server probe that records nothing (tests, tools). */
export const NOOP_SERVER_PROBE: ServerProbe = {
  requestStarted() {},
  requestFinished() {},
  bytesIn() {},
  bytesOut() {},
  connectionOpened() {},
  connectionClosed() {},
  connectionRefused() {},
  inflightBytes() {},
};

/** A log probe that records nothing (tests, tools). */
export const NOOP_LOG_PROBE: LogProbe = {
  partitionBytes() {},
  partitionRemoved() {},
  fsyncObserved() {},
  fileHandle() {},
  indexCache() {},
  batchCheckedOffThread() {},
};
