/**
 * Turns produce-benchmark results into Markdown: one table per (acks, record size) with a row per
 * (producers, partitions), the disk's synced rate, and the issue's three targets (reported, never
 * asserted).
 */
import type { ClientResult } from "./_client.ts";
import type { DiskFloor, DiskRate, SyncLatency } from "./_disk.ts";
import type { MachineShare } from "./_machine.ts";
import type { ProfileSummary } from "./_profile.ts";

export interface BenchCase {
  readonly acks: "1" | "all";
  readonly recordBytes: number;
  readonly producers: number;
  readonly partitions: number;
}

/**
 * The acks=all 1 KiB cases: the ingest target takes the best of them, and the p99 target names
 * each of them.
 */
export function isTargetCase(c: BenchCase): boolean {
  return c.acks === "all" && c.recordBytes === 1024;
}

/** One client run, and what the broker's process and the machine did meanwhile. */
export interface Measured {
  readonly client: ClientResult;
  /** Broker CPU seconds over wall seconds of the run: 1.0 = one core busy throughout. */
  readonly brokerCores: number;
  /** Seconds the client process ran (setup, warm-up, window, drain). */
  readonly wallSec: number;
  /** Both cores over the same seconds: how busy, and how much the hypervisor took. */
  readonly machine: MachineShare;
}

/** A run against Chronik, with what its own probes said. */
export interface RunResult extends Measured {
  readonly eventLoopLagMaxMs: number;
  readonly lagProbesOver10Ms: number;
  readonly lagProbes: number;
  /** Broker-side figures over the whole run (warm-up included): see `BrokerHealth`. */
  readonly produceRequests: number;
  readonly produceLatencySumSec: number;
  readonly fsyncs: number;
  readonly fsyncSumSec: number;
  /** The broker's resident memory at the end of the run. */
  readonly rssBytes: number;
}

/**
 * A run against Apache Kafka (`--kafka`): the same client and load on the same machine, for
 * reference. Kafka's own probes are not read; its CPU comes from `/proc`.
 */
export type KafkaRun = Measured;

/** CPU seconds of the client process per wall second of its run. */
export function clientCores(r: Measured): number {
  return r.client.clientCpuSec / r.wallSec;
}

/** Broker-side means of a run: produce requests/s, ms per produce request, ms per fdatasync. */
export function brokerMeans(r: RunResult): { reqPerSec: number; reqMs: number; fsyncMs: number } {
  return {
    reqPerSec: r.produceRequests / r.wallSec,
    reqMs: (r.produceLatencySumSec / Math.max(1, r.produceRequests)) * 1000,
    fsyncMs: (r.fsyncSumSec / Math.max(1, r.fsyncs)) * 1000,
  };
}

export interface CaseResult {
  readonly case: BenchCase;
  /** The median (by msg/s) of this case's max-load runs. */
  readonly max: RunResult;
  /** msg/s of every max-load run, in the order run (one per `--repeat` round). */
  readonly maxRuns: readonly number[];
  /**
   * Rate-limited to half of `max`'s msg/s; absent when the max run acked nothing. For the cases
   * the p99 target names under `--repeat`, the run with the median p99 of `halfRuns`.
   */
  readonly half?: RunResult;
  /** p99 ms of every half-load run, in the order run, when there was more than one. */
  readonly halfRuns?: readonly number[];
  /** The disk alone, group-committing the half run's bytes/s: the latency floor at that load. */
  readonly halfFloor?: DiskFloor;
  /**
   * The half rate again, with the broker acknowledging before fdatasync
   * (`log.flush.ack.before.sync=true`): what the broker, client and machine add without waiting
   * for the disk. Run for the cases the p99 target names.
   */
  readonly halfAckBeforeSync?: RunResult;
  /** Like `halfFloor`, with appends overlapping syncs as the broker does them. */
  readonly halfFloorOverlap?: DiskFloor;
  /**
   * With `--kafka`, for the cases the p99 target names: Apache Kafka at the same half rate, with
   * its default flushing (the page cache; no fsync before acknowledging) ...
   */
  readonly kafkaHalf?: KafkaRun;
  /** ... and with `log.flush.interval.messages=1` (an fsync of every append before it answers). */
  readonly kafkaHalfFsync?: KafkaRun;
  readonly profile?: ProfileSummary;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly command: string;
  readonly secondsPerCase: number;
  readonly warmupSeconds: number;
  /** Max-load runs per case, taken in rounds over all cases; the median counts. */
  readonly repeat: number;
  readonly lingerMs: number;
  /** GOMAXPROCS the Go client ran with, when the run set it. */
  readonly clientProcs?: number;
  readonly cores: number;
  readonly diskBefore: DiskRate;
  readonly diskAfter: DiskRate;
  readonly diskSyncLatency: SyncLatency;
  readonly cases: readonly CaseResult[];
  /** The Apache Kafka version of the `--kafka` runs, if any. */
  readonly kafkaVersion?: string;
}

export function caseId(c: BenchCase): string {
  return `acks=${c.acks} ${c.recordBytes}B ${c.producers}prod ${c.partitions}part`;
}

const f0 = (n: number) => Math.round(n).toLocaleString("en-US");
const f1 = (n: number) => n.toFixed(1);
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function errorsOf(r: Measured): string {
  const failed = r.client.errors + r.client.canceled;
  return failed === 0 ? "0" : `${f0(failed)} (${r.client.errorKinds ?? r.client.firstError})`;
}

/** Mean synced MB/s of the two disk measurements. */
export function diskMbPerSec(report: BenchReport): number {
  return (report.diskBefore.mbPerSec + report.diskAfter.mbPerSec) / 2;
}

function floorCell(floor: DiskFloor | undefined): string {
  return floor === undefined ? "-" : `${ms(floor.p50Ms)} / ${ms(floor.p99Ms)}`;
}

/** The client's cores and the share of CPU time the hypervisor stole, for one table cell. */
function clientCpuCell(r: RunResult): string {
  return `${clientCores(r).toFixed(2)}, ${(r.machine.stealShare * 100).toFixed(1)}%`;
}

function caseTable(cases: readonly CaseResult[]): string[] {
  const lines = [
    "| producers | partitions | max msg/s | max MB/s | p50 / p99 / p999 ms at max | broker cores | client cores, CPU stolen | loop lag max ms | produce req/s, broker ms/req, ms/fsync | half-load msg/s | p50 / p99 / p999 ms at half | disk alone at that rate, p50 / p99 ms | req/s, ms/req at half | errors |",
    "|---:|---:|---:|---:|---|---:|---|---:|---|---:|---|---|---|---|",
  ];
  for (const r of cases) {
    const m = r.max;
    const h = r.half;
    const b = brokerMeans(m);
    lines.push(
      `| ${r.case.producers} | ${r.case.partitions} | ${f0(m.client.msgPerSec)} | ` +
        `${f1(m.client.mbPerSec)} | ${ms(m.client.p50Ms)} / ${ms(m.client.p99Ms)} / ` +
        `${ms(m.client.p999Ms)} | ${m.brokerCores.toFixed(2)} | ${clientCpuCell(m)} | ` +
        `${f0(m.eventLoopLagMaxMs)} | ` +
        `${f0(b.reqPerSec)}, ${ms(b.reqMs)}, ${ms(b.fsyncMs)} | ` +
        (h === undefined
          ? "- | - | - | - | "
          : `${f0(h.client.msgPerSec)} | ${ms(h.client.p50Ms)} / ${ms(h.client.p99Ms)} / ` +
            `${ms(h.client.p999Ms)} | ${floorCell(r.halfFloor)} | ${
              f0(brokerMeans(h).reqPerSec)
            }, ` +
            `${ms(brokerMeans(h).reqMs)} | `) +
        `${errorsOf(m)}${h === undefined ? "" : ` / ${errorsOf(h)}`} |`,
    );
  }
  return lines;
}

/** The three targets of the issue, each with its figure and a met/missed word. */
export function targetLines(report: BenchReport): string[] {
  const disk = diskMbPerSec(report);
  const lines: string[] = [];
  const allKib = report.cases.filter((c) => isTargetCase(c.case));
  if (allKib.length > 0) {
    const best = allKib.reduce((a, b) => (b.max.client.mbPerSec > a.max.client.mbPerSec ? b : a));
    const ratio = best.max.client.mbPerSec / disk;
    lines.push(
      `- acks=all 1 KiB ingest / disk synced rate: ${f1(best.max.client.mbPerSec)} / ${f1(disk)} ` +
        `MB/s = **${ratio.toFixed(2)}** (target >= 0.7: ${ratio >= 0.7 ? "met" : "missed"}; ` +
        `best case ${caseId(best.case)})`,
    );
    for (const c of allKib) {
      if (c.half === undefined) continue;
      const p99 = c.half.client.p99Ms;
      const floor = c.halfFloor === undefined
        ? ""
        : `; the disk alone at that rate: p99 ${ms(c.halfFloor.p99Ms)} ms` +
          (c.halfFloorOverlap === undefined
            ? ""
            : `, ${ms(c.halfFloorOverlap.p99Ms)} ms with writes overlapping syncs`);
      const early = c.halfAckBeforeSync === undefined
        ? ""
        : `; the broker acknowledging before fdatasync at that rate: p99 ` +
          `${ms(c.halfAckBeforeSync.client.p99Ms)} ms`;
      const kafka = c.kafkaHalf === undefined || c.kafkaHalfFsync === undefined
        ? ""
        : `; Apache Kafka ${report.kafkaVersion ?? ""} at that rate: p99 ` +
          `${kafkaP99(c.kafkaHalf, c.half)} with its default flushing, ` +
          `${kafkaP99(c.kafkaHalfFsync, c.half)} with an fsync of every append`;
      const runs = c.halfRuns === undefined
        ? ""
        : ` (median of ${c.halfRuns.length}; runs ${c.halfRuns.map(ms).join(", ")} ms)`;
      lines.push(
        `- p99 at half load, ${caseId(c.case)}: **${ms(p99)} ms** at ` +
          `${f0(c.half.client.msgPerSec)} msg/s (target < 10 ms: ${p99 < 10 ? "met" : "missed"}` +
          `${floor}${early}${kafka})${runs}`,
      );
    }
  }
  for (const one of report.cases.filter((c) => c.case.producers === 1)) {
    const many = report.cases.find((c) =>
      c.case.producers === 64 && c.case.acks === one.case.acks &&
      c.case.recordBytes === one.case.recordBytes && c.case.partitions === one.case.partitions
    );
    if (many === undefined || one.max.client.msgPerSec === 0) continue;
    const ratio = many.max.client.msgPerSec / one.max.client.msgPerSec;
    const runs = one.maxRuns.length > 1
      ? ` (median of ${one.maxRuns.length}; runs ${many.maxRuns.map(f0).join(", ")} vs ` +
        `${one.maxRuns.map(f0).join(", ")})`
      : "";
    lines.push(
      `- 64 vs 1 producers, acks=${one.case.acks} ${one.case.recordBytes}B ` +
        `${one.case.partitions}part: ${f0(many.max.client.msgPerSec)} vs ` +
        `${f0(one.max.client.msgPerSec)} msg/s = **${ratio.toFixed(2)}** ` +
        `(target >= 1: ${ratio >= 1 ? "met" : "missed"})${runs}`,
    );
  }
  return lines;
}

/** A Kafka run's p99, and its msg/s when it fell short of the rate asked for. */
function kafkaP99(k: KafkaRun, asked: RunResult): string {
  const short = k.client.msgPerSec < 0.95 * asked.client.msgPerSec
    ? ` (it kept up only ${f0(k.client.msgPerSec)} msg/s)`
    : "";
  return `${ms(k.client.p99Ms)} ms${short}`;
}

/** Chronik and Apache Kafka at the same half loads, for the cases that ran both. */
export function kafkaTable(report: BenchReport): string[] {
  const rows = report.cases.filter((c) =>
    c.half !== undefined && c.kafkaHalf !== undefined && c.kafkaHalfFsync !== undefined
  );
  if (rows.length === 0) return [];
  const run = (r: Measured | undefined) =>
    r === undefined
      ? "- | -"
      : `${f0(r.client.msgPerSec)} | ${ms(r.client.p50Ms)} / ${ms(r.client.p99Ms)} / ` +
        `${ms(r.client.p999Ms)}, ${r.brokerCores.toFixed(2)}, ${errorsOf(r)}`;
  const lines = [
    `Apache Kafka ${report.kafkaVersion ?? ""} (one KRaft node, the JVM options of its start ` +
    "scripts) and Chronik at the same half loads, with the same client on the same machine. Per " +
    "run: msg/s, then p50 / p99 / p999 ms, the broker's cores and failed records.",
    "",
    "| producers, partitions | Chronik | | Chronik acknowledging before fdatasync | | Kafka, default flushing | | Kafka, fsync of every append | |",
    "|---|---:|---|---:|---|---:|---|---:|---|",
  ];
  for (const c of rows) {
    lines.push(
      `| ${c.case.producers}, ${c.case.partitions} | ${run(c.half)} | ` +
        `${run(c.halfAckBeforeSync)} | ${run(c.kafkaHalf)} | ${run(c.kafkaHalfFsync)} |`,
    );
  }
  return lines;
}

export function profileLines(c: CaseResult): string[] {
  const p = c.profile;
  if (p === undefined) return [];
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
  return [
    `CPU profile of the broker, ${caseId(c.case)} (max load): ${p.samples} samples, main thread ` +
    `busy ${pct(p.busyShare)}`,
    "",
    "| self time | function |",
    "|---:|---|",
    ...p.byFunction.map((r) => `| ${pct(r.share)} | \`${r.name}\` |`),
    "",
    "| self time | file |",
    "|---:|---|",
    ...p.byFile.map((r) => `| ${pct(r.share)} | \`${r.name}\` |`),
  ];
}

/** The whole report as Markdown. */
export function reportMarkdown(report: BenchReport): string {
  const disk = diskMbPerSec(report);
  const lines = [
    `Run ${report.startedAt}: \`${report.command}\`, ${report.secondsPerCase} s per run after ` +
    `${report.warmupSeconds} s warm-up, client linger ${report.lingerMs} ms, ` +
    (report.clientProcs === undefined ? "" : `client GOMAXPROCS ${report.clientProcs}, `) +
    `${report.cores} cores shared by broker and client` +
    (report.repeat > 1
      ? `; each case's max load is the median of ${report.repeat} runs taken in rounds over ` +
        `all cases, so a slow minute of the disk does not land on one case only, and so is the ` +
        `half-load p99 of the cases the p99 target names.`
      : "."),
    "",
    `Disk synced sequential write (1 MiB blocks, fdatasync each, data dir's filesystem): ` +
    `${f1(report.diskBefore.mbPerSec)} MB/s before, ${f1(report.diskAfter.mbPerSec)} MB/s ` +
    `after, mean **${f1(disk)} MB/s**. The same disk's latency of one ` +
    `${report.diskSyncLatency.blockBytes / 1024} KiB append + fdatasync: p50 ` +
    `${ms(report.diskSyncLatency.p50Ms)}, p99 ${ms(report.diskSyncLatency.p99Ms)}, p999 ` +
    `${ms(report.diskSyncLatency.p999Ms)}, max ${ms(report.diskSyncLatency.maxMs)} ms ` +
    `(${report.diskSyncLatency.syncs} syncs).`,
    "",
  ];
  const groups = new Map<string, CaseResult[]>();
  for (const c of report.cases) {
    const key = `acks=${c.case.acks}, ${c.case.recordBytes} B records`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const [key, cases] of groups) {
    const best = Math.max(...cases.map((c) => c.max.client.mbPerSec));
    lines.push(`#### ${key} (best ${f1(best)} MB/s = ${(best / disk).toFixed(2)} x disk)`, "");
    lines.push(...caseTable(cases), "");
  }
  lines.push("Targets (reported, not asserted):", "", ...targetLines(report), "");
  const kafka = kafkaTable(report);
  if (kafka.length > 0) lines.push(...kafka, "");
  for (const c of report.cases) {
    const p = profileLines(c);
    if (p.length > 0) lines.push(...p, "");
  }
  return lines.join("\n");
}
