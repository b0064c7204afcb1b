/**
 * `deno task bench`: the produce benchmark with a real Kafka client.
 *
 * Builds the franz-go load generator (`bench/go/`, into `bench/.cache/`), then for every case of
 * acks {1, all} x record size {100 B, 1 KiB} x producers {1, 64} x partitions {1, 16}:
 * starts a fresh broker on a fresh data dir, drives it as fast as the clients go (max load), then
 * on another fresh broker at half that rate (rate-limited; the latency test); for acks=all 1 KiB
 * also that half rate with the broker acknowledging before fdatasync (what the rest of the path
 * adds). Prints msg/s, MB/s, p50/p99/p999 produce latency, the broker's and the client's CPU
 * (cores), the share of CPU the hypervisor stole, event-loop lag and the broker's resident memory
 * at the end of each run, the disk's own synced write rate (1 MiB blocks, fdatasync each, same
 * filesystem as the data dir, measured before and after) and the issue's targets as met/missed.
 * Nothing is asserted. After each run its data is removed and the bench waits for the disk to go
 * quiet (`settleDisk`).
 *
 * Flags:
 * - `--help`: print these flags and exit;
 * - `--quick`: 3 s per run, 1 s warm-up (default 10 s, 1 s);
 * - `--seconds N`, `--warmup N`: override the run and warm-up lengths;
 * - `--linger-ms N`: the clients' linger (default 0: a batch leaves as soon as the connection
 *   has an in-flight slot, so batches grow only under load);
 * - `--client-procs N`: run the Go client with `GOMAXPROCS=N` (default: Go's own, one per CPU).
 *   The client shares the machine with the broker, and the Go runtime's own threads then compete
 *   with the broker's; fewer also change how the client batches (docs/benchmarks.md, session 11);
 * - `--repeat N`: run every case's max load N times, in rounds over all cases, and keep the
 *   median (default 1); the disk's speed drifts by the minute, and rounds spread that drift
 *   over every case instead of landing on one. The half loads of the cases the p99 target names
 *   run N times too, in rounds after the max loads, and the run with the median p99 counts;
 * - `--only a,b`: run only cases whose id contains one of the parts, e.g.
 *   `--only "acks=all 1024B"`;
 * - `--profile`: run the max-load broker under `--cpu-prof` and print where its time went
 *   (profiles are kept in `bench/.cache/profiles/`);
 * - `--markdown PATH`: also write the report as Markdown;
 * - `--data-dir DIR`: where brokers keep data (default `bench/.cache/data`), removed afterwards;
 * - `--port-base P`: Chronik's Kafka and admin ports P..P+19 (default 19500);
 * - `--all`: afterwards run the other benches (`codec_bench.ts`, `log_bench.ts`,
 *   `raft_bench.ts`) as subprocesses;
 * - `--kafka`: for the cases the p99 target names, also run Apache Kafka (a single KRaft node from
 *   Maven Central's jars, fetched by `mvn` on first use) at the same half rate, once with its
 *   default flushing and once with an fsync of every append: a reference from the same machine.
 *   It takes Kafka and controller ports P+20..P+39.
 *
 * The JSON of the last run is written to `bench/.cache/produce-results.json`.
 *
 * @module
 */
import { buildClient, type ClientRun, runClient } from "./_client.ts";
import {
  DEFAULT_DISK_RATE,
  type DiskFloor,
  settleDisk,
  syncedWriteRate,
  syncFloorAtRate,
  syncLatency,
} from "./_disk.ts";
import { Broker } from "./_broker.ts";
import { cpuTimes, machineShare, processCpuSeconds } from "./_machine.ts";
import { KAFKA_JAR_VERSION, type RunningBroker, startBroker } from "../tests/interop/_broker.ts";
import { apacheJars } from "../tests/interop/setup.ts";
import { newestProfile, summarizeProfile } from "./_profile.ts";
import {
  type BenchCase,
  type BenchReport,
  brokerMeans,
  caseId,
  type CaseResult,
  clientCores,
  isTargetCase,
  type KafkaRun,
  type Measured,
  profileLines,
  reportMarkdown,
  type RunResult,
} from "./_report.ts";

const BENCH = new URL("./", import.meta.url).pathname;
const REPO = new URL("../", import.meta.url).pathname;
const PORT_SLOTS = 10;
const OTHER_BENCH_TIMEOUT_MS = 5 * 60_000;
/** Every client's buffer together stays near these (franz-go blocks Produce beyond them). */
const TOTAL_BUFFER_BYTES = 16 * 1024 * 1024;
const TOTAL_BUFFER_RECORDS = 40_000;
/** Longest disk-floor measurement after a half-load run. */
const FLOOR_MAX_SECONDS = 5;
/** The broker setting of the reference run that does not wait for the disk. */
const ACK_BEFORE_SYNC = { CHRONIK_LOG_FLUSH_ACK_BEFORE_SYNC: "true" };
/** What `kafka-server-start.sh` and `kafka-run-class.sh` give the broker's JVM by default. */
const KAFKA_JVM = [
  "-Xms1G",
  "-Xmx1G",
  "-server",
  "-XX:+UseG1GC",
  "-XX:MaxGCPauseMillis=20",
  "-XX:InitiatingHeapOccupancyPercent=35",
  "-XX:+ExplicitGCInvokesConcurrent",
  "-XX:MaxInlineLevel=15",
  "-Djava.awt.headless=true",
];
/** Kafka's flushing: its default (the page cache), or an fsync of every append. */
type KafkaFlush = "default" | "fsync";

interface Args {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly lingerMs: number;
  /** GOMAXPROCS of the Go client; undefined leaves Go's default. */
  readonly clientProcs: number | undefined;
  readonly only: readonly string[];
  readonly profile: boolean;
  readonly markdown: string | undefined;
  readonly dataDir: string;
  readonly portBase: number;
  readonly all: boolean;
  readonly quick: boolean;
  readonly repeat: number;
  readonly kafka: boolean;
}

class UsageError extends Error {
  override name = "UsageError";
}

/** `--help`: the flags, as this file's own manual lists them. */
class HelpRequest extends Error {
  override name = "HelpRequest";
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let all = false;
  let profile = false;
  let seconds: number | undefined;
  let warmupSeconds: number | undefined;
  let lingerMs = 0;
  let clientProcs: number | undefined;
  let only: string[] = [];
  let markdown: string | undefined;
  let dataDir = `${BENCH}.cache/data`;
  let portBase = 19500;
  let repeat = 1;
  let kafka = false;
  const value = (i: number): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new UsageError(`${argv[i]} needs a value`);
    return v;
  };
  const number = (i: number, min: number, max: number): number => {
    const n = Number(value(i));
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new UsageError(`${argv[i]} must be a number in [${min}, ${max}], not ${argv[i + 1]}`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case "--help":
      case "-h":
        throw new HelpRequest();
      case "--quick":
        quick = true;
        break;
      case "--all":
        all = true;
        break;
      case "--profile":
        profile = true;
        break;
      case "--kafka":
        kafka = true;
        break;
      case "--seconds":
        seconds = number(i++, 0.5, 120);
        break;
      case "--warmup":
        warmupSeconds = number(i++, 0, 30);
        break;
      case "--linger-ms":
        lingerMs = number(i++, 0, 1000);
        break;
      case "--client-procs":
        clientProcs = Math.round(number(i++, 1, 256));
        break;
      case "--only":
        only = value(i++).split(",").map((s) => s.trim()).filter((s) => s !== "");
        break;
      case "--markdown":
        markdown = value(i++);
        break;
      case "--data-dir":
        dataDir = value(i++);
        break;
      case "--repeat":
        repeat = number(i++, 1, 9);
        break;
      case "--port-base":
        portBase = number(i++, 1024, 65535 - 2 * PORT_SLOTS);
        break;
      default:
        throw new UsageError(`unknown argument ${argv[i]}`);
    }
  }
  return {
    seconds: seconds ?? (quick ? 3 : 10),
    warmupSeconds: warmupSeconds ?? 1,
    lingerMs,
    clientProcs,
    only,
    profile,
    markdown,
    dataDir,
    portBase,
    all,
    quick,
    repeat: Math.round(repeat),
    kafka,
  };
}

function allCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const acks of ["1", "all"] as const) {
    for (const recordBytes of [100, 1024]) {
      for (const partitions of [1, 16]) {
        for (const producers of [1, 64]) cases.push({ acks, recordBytes, producers, partitions });
      }
    }
  }
  return cases;
}

/** Mutable run state: which broker is up, so Ctrl-C can take it down too. */
class Runner {
  #slot = 0;
  #runs = 0;
  current: Broker | undefined;
  currentKafka: RunningBroker | undefined;

  constructor(readonly args: Args, readonly binary: string, readonly dataRoot: string) {}

  /**
   * One client run against a fresh broker; `cpuProfDir` profiles the broker, `env` adds settings.
   * The run's data is removed afterwards and the disk left to go quiet before the next run.
   */
  async run(
    c: BenchCase,
    ratePerSec: number,
    options: { cpuProfDir?: string; env?: Record<string, string> } = {},
  ): Promise<RunResult> {
    const kafkaPort = this.args.portBase + 2 * this.#slot;
    this.#slot = (this.#slot + 1) % PORT_SLOTS;
    const dataDir = `${this.dataRoot}/run-${++this.#runs}`;
    const broker = await Broker.start({
      kafkaPort,
      adminPort: kafkaPort + 1,
      dataDir,
      ...options,
    });
    this.current = broker;
    try {
      const run = this.#clientRun(c, ratePerSec, `127.0.0.1:${kafkaPort}`);
      const measured = await this.#measure(run, () => broker.cpuSeconds());
      return { ...measured, ...await broker.health() };
    } catch (error) {
      throw new Error(`${caseId(c)}: ${error}\nbroker output:\n${broker.outputTail()}`);
    } finally {
      this.current = undefined;
      const status = await broker.stop();
      if (!status.success && status.signal !== "SIGKILL") {
        console.error(`broker exited ${status.code}:\n${broker.outputTail()}`);
      }
      await Deno.remove(dataDir, { recursive: true });
      await this.settle();
    }
  }

  /**
   * The same client run against a fresh single-node Apache Kafka whose data dir is under the
   * bench's; removed afterwards, and the disk left to go quiet.
   */
  async runKafka(c: BenchCase, ratePerSec: number, flush: KafkaFlush): Promise<KafkaRun> {
    const min = this.args.portBase + 2 * PORT_SLOTS;
    const kafka = await startBroker({
      target: "apache",
      portRange: { min, max: min + 2 * PORT_SLOTS - 1 },
      dataRoot: this.dataRoot,
      apacheJvm: KAFKA_JVM,
      apacheProperties: flush === "fsync" ? ["log.flush.interval.messages=1"] : [],
    });
    this.currentKafka = kafka;
    this.#runs++;
    try {
      const run = this.#clientRun(c, ratePerSec, kafka.bootstrap);
      return await this.#measure(run, () => processCpuSeconds(kafka.pid()));
    } catch (error) {
      throw new Error(
        `Apache Kafka, ${caseId(c)}: ${error}\nbroker output:\n${kafka.outputTail()}`,
      );
    } finally {
      this.currentKafka = undefined;
      await kafka.stop();
      await this.settle();
    }
  }

  /** Runs the client once; the broker's CPU (`brokerCpuSeconds`) and the machine's around it. */
  async #measure(run: ClientRun, brokerCpuSeconds: () => Promise<number>): Promise<Measured> {
    const cpu0 = await brokerCpuSeconds();
    const machine0 = await cpuTimes();
    const t0 = performance.now();
    const client = await runClient(this.binary, run);
    const wallSec = (performance.now() - t0) / 1000;
    const machine = machineShare(machine0, await cpuTimes(), wallSec);
    const brokerCores = (await brokerCpuSeconds() - cpu0) / wallSec;
    return { client, brokerCores, wallSec, machine };
  }

  #clientRun(c: BenchCase, ratePerSec: number, bootstrap: string): ClientRun {
    return {
      bootstrap,
      topic: `bench-${this.#runs}`,
      partitions: c.partitions,
      acks: c.acks,
      recordBytes: c.recordBytes,
      producers: c.producers,
      seconds: this.args.seconds,
      warmupSeconds: this.args.warmupSeconds,
      ratePerSec,
      lingerMs: this.args.lingerMs,
      ...(this.args.clientProcs === undefined ? {} : { goMaxProcs: this.args.clientProcs }),
      bufferBytesPerClient: Math.max(64 * 1024, Math.floor(TOTAL_BUFFER_BYTES / c.producers)),
      bufferRecordsPerClient: Math.max(256, Math.floor(TOTAL_BUFFER_RECORDS / c.producers)),
    };
  }

  /** Waits until the disk is quiet again after a removal (see `settleDisk`). */
  async settle(): Promise<void> {
    const settled = await settleDisk(this.dataRoot);
    if (!settled.quiet) {
      console.log(
        `  disk still not quiet after ${(settled.waitedMs / 1000).toFixed(1)} s ` +
          `(slowest fdatasync ${settled.worstSyncMs.toFixed(0)} ms); going on`,
      );
    }
  }
}

/** The run with the median `key` (the lower middle of an even count). */
function medianBy(runs: readonly RunResult[], key: (r: RunResult) => number): RunResult {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** One run's figures on a line; Chronik's own probes (lag, requests, fsync) when it has them. */
function runLine(label: string, r: RunResult | KafkaRun): string {
  const c = r.client;
  const failed = c.errors + c.canceled;
  let probes = "";
  if ("eventLoopLagMaxMs" in r) {
    const b = brokerMeans(r);
    probes = `, lag max ${r.eventLoopLagMaxMs.toFixed(0)} ms, ${b.reqPerSec.toFixed(0)} req/s at ` +
      `${b.reqMs.toFixed(1)} ms, fsync ${b.fsyncMs.toFixed(2)} ms, rss ${
        (r.rssBytes / 1e6).toFixed(0)
      } MB`;
  }
  return `  ${label.padEnd(5)} ${Math.round(c.msgPerSec).toString().padStart(8)} msg/s ` +
    `${c.mbPerSec.toFixed(1).padStart(7)} MB/s  p50 ${c.p50Ms.toFixed(2)} p99 ` +
    `${c.p99Ms.toFixed(2)} p999 ${c.p999Ms.toFixed(2)} ms  broker ${r.brokerCores.toFixed(2)} ` +
    `cores${probes}, client ` +
    `${clientCores(r).toFixed(2)} cores, machine ${r.machine.busyCores.toFixed(2)} cores busy, ` +
    `${(r.machine.stealShare * 100).toFixed(1)}% stolen` +
    (failed > 0 ? `, ${failed} failed: ${c.errorKinds ?? c.firstError}` : "") +
    (c.pacingBehindSec > 0 ? `, pacing fell ${c.pacingBehindSec.toFixed(2)} s behind` : "") +
    (c.slowWindows !== undefined && c.slowWindows.length > 0
      ? `, records over 10 ms in ${c.slowWindows.length}${
        c.slowWindows.length === 40 ? "+" : ""
      } ` +
        `of ${Math.round(r.client.windowSec * 10)} 100-ms windows`
      : "");
}

async function profileCase(runner: Runner, c: BenchCase): Promise<CaseResult["profile"]> {
  const dir = `${runner.dataRoot}/prof`;
  await Deno.mkdir(dir, { recursive: true });
  const keep = `${BENCH}.cache/profiles`;
  await Deno.mkdir(keep, { recursive: true });
  await runner.run(c, 0, { cpuProfDir: dir });
  const path = await newestProfile(dir);
  if (path === undefined) {
    console.error("  no .cpuprofile written (did the broker exit cleanly?)");
    return undefined;
  }
  const kept = `${keep}/${caseId(c).replaceAll(/[^A-Za-z0-9]+/g, "_")}.cpuprofile`;
  await Deno.rename(path, kept);
  return await summarizeProfile(kept, REPO);
}

async function runOtherBenches(quick: boolean): Promise<void> {
  const benches: [string, string[]][] = [
    ["codec_bench.ts", []],
    ["log_bench.ts", quick ? ["1"] : []],
    ["raft_bench.ts", []],
  ];
  for (const [file, extra] of benches) {
    console.log(`\n## ${file}`);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", `${BENCH}${file}`, ...extra],
      cwd: REPO,
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already exited */ }
    }, OTHER_BENCH_TIMEOUT_MS);
    const status = await child.status;
    clearTimeout(timer);
    if (!status.success) console.error(`${file} exited ${status.code} (signal ${status.signal})`);
  }
}

/** The flags section of this module's doc comment, without its comment markers. */
async function usage(): Promise<string> {
  const source = await Deno.readTextFile(new URL(import.meta.url));
  const doc = source.slice(source.indexOf("/**"), source.indexOf("*/"));
  const lines = doc.split("\n").map((l) => l.replace(/^\s*\/?\*\*? ?/, ""));
  const from = lines.findIndex((l) => l.startsWith("Flags:"));
  const to = lines.findIndex((l, i) => i > from && l.startsWith("@module"));
  return ["usage: deno task bench [flags]", "", ...lines.slice(from, to)].join("\n").trimEnd();
}

async function main(argv: readonly string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (error instanceof HelpRequest) {
      console.log(await usage());
      return 0;
    }
    if (error instanceof UsageError) {
      console.error(`bench: ${error.message} (--help lists the flags)`);
      return 2;
    }
    throw error;
  }
  const cases = allCases().filter((c) =>
    args.only.length === 0 || args.only.some((part) => caseId(c).includes(part))
  );
  if (cases.length === 0) {
    console.error(`bench: --only ${args.only.join(",")} matches no case`);
    return 2;
  }
  const startedAt = new Date().toISOString();
  console.log("building the franz-go client (bench/go -> bench/.cache/producebench)");
  const binary = await buildClient();
  if (args.kafka) await apacheJars();
  const dataRoot = `${args.dataDir}/bench-${Deno.pid}`;
  await Deno.mkdir(dataRoot, { recursive: true });
  const runner = new Runner(args, binary, dataRoot);
  const onInterrupt = () => {
    const stopping = [runner.current?.stop("SIGKILL"), runner.currentKafka?.stop()];
    Promise.allSettled(stopping).finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  const runsPerCase = args.repeat + 1 + (args.profile ? 1 : 0);
  const floorSec = Math.min(args.seconds, FLOOR_MAX_SECONDS);
  // Each run: warm-up, window, start/stop about 3 s, and about 4 s for the disk to settle.
  const runSec = args.seconds + args.warmupSeconds + 7;
  const targetCases = cases.filter(isTargetCase).length;
  // A Kafka run also formats storage and starts a JVM: about 10 s more.
  const estimateSec = cases.length * (runsPerCase * runSec + floorSec + 4) +
    targetCases * (args.repeat * runSec + floorSec + 4 + (args.kafka ? 2 * (runSec + 10) : 0)) +
    10;
  console.log(
    `${cases.length} cases x ${runsPerCase} runs, ${args.seconds} s each: about ` +
      `${Math.ceil(estimateSec / 60)} min; data in ${dataRoot}`,
  );
  try {
    const diskBefore = await syncedWriteRate(dataRoot, DEFAULT_DISK_RATE);
    console.log(`disk synced write, 1 MiB blocks: ${diskBefore.mbPerSec.toFixed(1)} MB/s`);
    const diskSyncLatency = await syncLatency(dataRoot);
    console.log(
      `disk 64 KiB append + fdatasync: p50 ${diskSyncLatency.p50Ms.toFixed(2)} p99 ` +
        `${diskSyncLatency.p99Ms.toFixed(2)} p999 ${diskSyncLatency.p999Ms.toFixed(2)} ms`,
    );
    await runner.settle();
    // Max load first, in rounds over every case; then each case's half load and profile.
    const maxRuns = cases.map((): RunResult[] => []);
    for (let round = 1; round <= args.repeat; round++) {
      for (const [i, c] of cases.entries()) {
        const label = args.repeat > 1 ? `max ${round}/${args.repeat}` : "max";
        console.log(caseId(c));
        const run = await runner.run(c, 0);
        console.log(runLine(label, run));
        maxRuns[i]!.push(run);
      }
    }
    const maxes = maxRuns.map((runs) => medianBy(runs, (r) => r.client.msgPerSec));
    const halfRate = (i: number) => Math.max(1, Math.round(maxes[i]!.client.msgPerSec / 2));
    // The p99 target's half loads, in rounds like the max loads: one run's p99 moves from run to
    // run (1/1: 5.47-16.5 ms over the four recorded runs of sessions 8-9).
    const targetHalfRuns = cases.map((): RunResult[] => []);
    for (let round = 1; round <= args.repeat; round++) {
      for (const [i, c] of cases.entries()) {
        if (!isTargetCase(c) || maxes[i]!.client.msgPerSec === 0) continue;
        const label = args.repeat > 1 ? `half ${round}/${args.repeat}` : "half";
        console.log(caseId(c));
        const run = await runner.run(c, halfRate(i));
        console.log(runLine(label, run));
        targetHalfRuns[i]!.push(run);
      }
    }
    const results: CaseResult[] = [];
    for (const [i, c] of cases.entries()) {
      const runs = maxRuns[i]!;
      const max = maxes[i]!;
      console.log(`${caseId(c)}: max-load median ${Math.round(max.client.msgPerSec)} msg/s`);
      const halfRuns = targetHalfRuns[i]!;
      let half: RunResult | undefined;
      let halfFloor: DiskFloor | undefined;
      let halfAckBeforeSync: RunResult | undefined;
      let halfFloorOverlap: DiskFloor | undefined;
      let kafkaHalf: KafkaRun | undefined;
      let kafkaHalfFsync: KafkaRun | undefined;
      if (max.client.msgPerSec > 0) {
        const rate = halfRate(i);
        if (halfRuns.length > 0) {
          half = medianBy(halfRuns, (r) => r.client.p99Ms);
          if (halfRuns.length > 1) {
            console.log(`  half-load median p99 ${half.client.p99Ms.toFixed(2)} ms`);
          }
        } else {
          half = await runner.run(c, rate);
          console.log(runLine("half", half));
        }
        // The target cases get two references at the half rate: a run acknowledging before
        // fdatasync (here), and the disk alone with writes overlapping syncs (below).
        if (isTargetCase(c)) {
          halfAckBeforeSync = await runner.run(c, rate, { env: ACK_BEFORE_SYNC });
          console.log(runLine("early", halfAckBeforeSync));
          if (args.kafka) {
            kafkaHalf = await runner.runKafka(c, rate, "default");
            console.log(runLine("kafka", kafkaHalf));
            kafkaHalfFsync = await runner.runKafka(c, rate, "fsync");
            console.log(runLine("kafka fsync", kafkaHalfFsync));
          }
        }
        if (half.client.mbPerSec > 0) {
          halfFloor = await syncFloorAtRate(dataRoot, half.client.mbPerSec * 1e6, floorSec);
          await runner.settle();
          console.log(
            `  disk alone at ${half.client.mbPerSec.toFixed(1)} MB/s (group commit, no broker): ` +
              `p50 ${halfFloor.p50Ms.toFixed(2)} p99 ${halfFloor.p99Ms.toFixed(2)} p999 ` +
              `${halfFloor.p999Ms.toFixed(2)} ms`,
          );
          if (isTargetCase(c)) {
            halfFloorOverlap = await syncFloorAtRate(
              dataRoot,
              half.client.mbPerSec * 1e6,
              floorSec,
              true,
            );
            await runner.settle();
            console.log(
              `  the same with writes overlapping syncs (the broker's pattern): p50 ` +
                `${halfFloorOverlap.p50Ms.toFixed(2)} p99 ${halfFloorOverlap.p99Ms.toFixed(2)} ` +
                `p999 ${halfFloorOverlap.p999Ms.toFixed(2)} ms`,
            );
          }
        }
      }
      const profile = args.profile ? await profileCase(runner, c) : undefined;
      const result: CaseResult = {
        case: c,
        max,
        maxRuns: runs.map((r) => r.client.msgPerSec),
        ...(half === undefined ? {} : { half }),
        ...(halfRuns.length > 1 ? { halfRuns: halfRuns.map((r) => r.client.p99Ms) } : {}),
        ...(halfFloor === undefined ? {} : { halfFloor }),
        ...(halfAckBeforeSync === undefined ? {} : { halfAckBeforeSync }),
        ...(halfFloorOverlap === undefined ? {} : { halfFloorOverlap }),
        ...(kafkaHalf === undefined ? {} : { kafkaHalf }),
        ...(kafkaHalfFsync === undefined ? {} : { kafkaHalfFsync }),
        ...(profile === undefined ? {} : { profile }),
      };
      for (const line of profileLines(result)) console.log(`  ${line}`);
      results.push(result);
    }
    const diskAfter = await syncedWriteRate(dataRoot, DEFAULT_DISK_RATE);
    console.log(`disk synced write, 1 MiB blocks: ${diskAfter.mbPerSec.toFixed(1)} MB/s`);
    const report: BenchReport = {
      startedAt,
      command: ["deno task bench", ...argv].join(" "),
      secondsPerCase: args.seconds,
      warmupSeconds: args.warmupSeconds,
      repeat: args.repeat,
      lingerMs: args.lingerMs,
      ...(args.clientProcs === undefined ? {} : { clientProcs: args.clientProcs }),
      cores: navigator.hardwareConcurrency,
      diskBefore,
      diskAfter,
      diskSyncLatency,
      cases: results,
      ...(args.kafka ? { kafkaVersion: KAFKA_JAR_VERSION } : {}),
    };
    const markdown = reportMarkdown(report);
    console.log(`\n${markdown}`);
    await Deno.writeTextFile(
      `${BENCH}.cache/produce-results.json`,
      JSON.stringify(report, null, 2),
    );
    if (args.markdown !== undefined) await Deno.writeTextFile(args.markdown, markdown);
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    await Deno.remove(dataRoot, { recursive: true }).catch(() => {});
  }
  if (args.all) await runOtherBenches(args.quick);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
