/**
 * A Chronik broker as a child process for the produce benchmark: fresh data dir, a Kafka port and
 * an admin port (for `/health` and `/metrics`), optional V8 CPU profile; CPU time read from
 * `/proc` so a run can tell whether the broker's single event loop was saturated.
 */
import { brokerPermissions } from "../tests/_support/broker_process.ts";
import { waitForPort } from "../tests/_support/kafka_client.ts";
import { processCpuSeconds } from "./_machine.ts";

const REPO = new URL("../", import.meta.url).pathname;
const OUTPUT_TAIL_BYTES = 16_384;
const STOP_TIMEOUT_MS = 15_000;

export interface BrokerOptions {
  readonly kafkaPort: number;
  readonly adminPort: number;
  readonly dataDir: string;
  /** Write a `.cpuprofile` here on exit (Deno's `--cpu-prof`). */
  readonly cpuProfDir?: string;
  /** Extra environment, e.g. `CHRONIK_*` settings for one run. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What the broker's own probes said about a run. */
export interface BrokerHealth {
  readonly eventLoopLagMaxMs: number;
  /** Event-loop probes that fired more than 10 ms late, and all probes. */
  readonly lagProbesOver10Ms: number;
  readonly lagProbes: number;
  /** Produce requests answered, and their summed broker-side latency (read to answer). */
  readonly produceRequests: number;
  readonly produceLatencySumSec: number;
  /** fdatasync calls of partition logs, and their summed duration. */
  readonly fsyncs: number;
  readonly fsyncSumSec: number;
  /**
   * Resident memory at the end of the run. A broker that keeps what it should let go shows here:
   * with a leak found in session 16 it was 470 MB after 10 s of 64 producers at 60,000 msg/s;
   * after the fix, 209-241 MB 15 s into the same load.
   */
  readonly rssBytes: number;
}

export class Broker {
  readonly #child: Deno.ChildProcess;
  readonly #drained: Promise<unknown>;
  readonly options: BrokerOptions;
  #tail = "";
  #status: Promise<Deno.CommandStatus> | undefined;

  private constructor(options: BrokerOptions) {
    this.options = options;
    const denoFlags = options.cpuProfDir === undefined
      ? []
      : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`];
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...brokerPermissions(),
        ...denoFlags,
        `${REPO}main.ts`,
        "--kafka-port",
        String(options.kafkaPort),
        "--data-dir",
        options.dataDir,
        "--admin-port",
        String(options.adminPort),
        "--log-level",
        "warning",
      ],
      cwd: REPO,
      ...(options.env === undefined ? {} : { env: { ...options.env } }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const decoder = new TextDecoder();
    const drain = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) {
        this.#tail = (this.#tail + decoder.decode(chunk, { stream: true })).slice(
          -OUTPUT_TAIL_BYTES,
        );
      }
    };
    this.#drained = Promise.all([drain(this.#child.stdout), drain(this.#child.stderr)]);
  }

  /** Starts the broker and waits until both ports accept connections. */
  static async start(options: BrokerOptions): Promise<Broker> {
    await Deno.mkdir(options.dataDir, { recursive: true });
    const broker = new Broker(options);
    try {
      await waitForPort(options.kafkaPort);
      await waitForPort(options.adminPort);
    } catch (error) {
      await broker.stop("SIGKILL");
      throw new Error(`broker did not start: ${error}\n${broker.outputTail()}`);
    }
    return broker;
  }

  get pid(): number {
    return this.#child.pid;
  }

  outputTail(): string {
    return this.#tail;
  }

  /** User + system CPU seconds the broker process has used so far. */
  cpuSeconds(): Promise<number> {
    return processCpuSeconds(this.#child.pid);
  }

  /** Event-loop lag as the broker measured it since it started (`/health`, `/metrics`). */
  async health(): Promise<BrokerHealth> {
    const base = `http://127.0.0.1:${this.options.adminPort}`;
    const health = await (await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) }))
      .json() as { eventLoopLagMaxMs?: number };
    const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) }))
      .text();
    const sample = (pattern: RegExp) => Number(metrics.match(pattern)?.[1] ?? NaN);
    const probes = sample(/^chronik_event_loop_lag_observed_seconds_count (\S+)$/m);
    const within10Ms = sample(
      /^chronik_event_loop_lag_observed_seconds_bucket\{le="0\.01"\} (\S+)$/m,
    );
    return {
      eventLoopLagMaxMs: health.eventLoopLagMaxMs ?? NaN,
      lagProbesOver10Ms: probes - within10Ms,
      lagProbes: probes,
      produceRequests: sample(/^chronik_request_latency_seconds_count\{api="produce"\} (\S+)$/m),
      produceLatencySumSec: sample(
        /^chronik_request_latency_seconds_sum\{api="produce"\} (\S+)$/m,
      ),
      fsyncs: sample(/^chronik_log_fsync_latency_seconds_count (\S+)$/m),
      fsyncSumSec: sample(/^chronik_log_fsync_latency_seconds_sum (\S+)$/m),
      rssBytes: sample(/^chronik_process_memory_bytes\{kind="rss"\} (\S+)$/m),
    };
  }

  /** SIGTERM (a clean shutdown, which also writes the CPU profile); SIGKILL if it hangs. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    if (this.#status === undefined) {
      try {
        this.#child.kill(signal);
      } catch { /* already exited */ }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          try {
            this.#child.kill("SIGKILL");
          } catch { /* already exited */ }
          resolve();
        }, STOP_TIMEOUT_MS);
      });
      this.#status = this.#child.status;
      await Promise.race([this.#status, killed]);
      clearTimeout(timer);
    }
    const status = await this.#status;
    await this.#drained;
    return status;
  }
}
