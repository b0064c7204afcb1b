/**
 * `deno task sim`: runs the deterministic Raft simulator.
 *
 * ```sh
 * deno task sim --seeds 200          # seeds 1..200, then a summary
 * deno task sim --seed 42            # replay one seed; prints "digest <16 hex>"
 * deno task sim --stability 1000000  # one healthy run: exactly one election expected
 * deno task sim --seeds 50 --break voteWithoutPersist   # a deliberately broken core
 * ```
 *
 * A failing seed prints the seed, what broke, the cluster state and the tail of the trace, and
 * the process exits 1.
 *
 * @module
 */

import { Command, InvalidArgumentError } from "commander";
import { type BrokenKind, brokenKinds, brokenSetup } from "./broken.ts";
import { rawNodeFactory } from "./core.ts";
import { runStability } from "./stability.ts";
import { defaultSimOptions, runSeed, type SimResult } from "./simulator.ts";

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("must be an integer >= 1");
  return n;
}

function brokenKind(value: string): BrokenKind {
  if (!(brokenKinds as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`one of ${brokenKinds.join(", ")}`);
  }
  return value as BrokenKind;
}

interface CliOptions {
  seeds?: number;
  seed?: number;
  from: number;
  stability?: number;
  break?: BrokenKind;
  safetyTicks: number;
  tail: number;
  contractChecks: boolean;
}

function printFailure(r: SimResult, tail: number): void {
  console.log(`FAIL seed ${r.seed}: ${r.failure}`);
  console.log(`replay: deno task sim --seed ${r.seed}`);
  console.log("cluster state:");
  for (const line of r.clusterState ?? []) console.log(`  ${line}`);
  const lines = r.traceTail ?? [];
  console.log(`trace tail (last ${Math.min(tail, lines.length)} events):`);
  for (const line of lines.slice(-tail)) console.log(`  ${line}`);
}

function main(args: string[]): number {
  const program = new Command()
    .name("sim")
    .description("deterministic Raft simulator: seeded faults, safety and liveness checks")
    .option("--seeds <n>", "run seeds from..from+n-1 and print a summary", positive)
    .option("--seed <s>", "replay one seed and print its trace digest", positive)
    .option("--from <n>", "first seed for --seeds", positive, 1)
    .option("--stability <ticks>", "run the healthy-network stability check", positive)
    .option("--break <kind>", `run a broken system: ${brokenKinds.join(", ")}`, brokenKind)
    .option(
      "--safety-ticks <n>",
      "ticks of the fault phase",
      positive,
      defaultSimOptions.safetyTicks,
    )
    .option("--tail <n>", "trace lines printed on failure", positive, 40)
    .option("--no-contract-checks", "check only consequences, not the core's promises")
    .exitOverride();
  try {
    program.parse(args, { from: "user" });
  } catch (err) {
    return (err as { exitCode?: number }).exitCode ?? 2;
  }
  const o = program.opts<CliOptions>();
  const setup = o.break === undefined
    ? { makeCore: rawNodeFactory(), overrides: {} }
    : brokenSetup(o.break);
  const overrides = {
    ...setup.overrides,
    safetyTicks: o.safetyTicks,
    contractChecks: o.contractChecks,
    traceRingEvents: Math.max(o.tail, 1),
  };

  if (o.stability !== undefined) {
    const s = runStability({
      seed: o.seed ?? 1,
      ticks: o.stability,
      jitterFraction: 0.3,
      makeCore: setup.makeCore,
    });
    console.log(
      `stability: ${s.result.ticks} ticks, ${s.elections} election(s), max term ${s.maxTerm}, ` +
        `${s.result.proposalsAccepted} proposals, ${s.result.steps} steps, ` +
        `${
          (s.elapsedMs / 1000).toFixed(1)
        } s, ${s.ticksPerSecond} ticks/s, digest ${s.result.digest}`,
    );
    if (!s.result.ok) {
      printFailure(s.result, o.tail);
      return 1;
    }
    return s.elections === 1 && s.maxTerm === 1 ? 0 : 1;
  }

  if (o.seed !== undefined) {
    const r = runSeed(o.seed, setup.makeCore, overrides);
    console.log(
      `seed ${r.seed}: ${r.ok ? "ok" : "FAIL"}, ${r.steps} steps, ${r.ticks} ticks, ` +
        `${r.checks} checks, commit ${r.committedMax}, ${r.leaderElections} elections, ` +
        `digest ${r.digest}`,
    );
    if (!r.ok) {
      printFailure(r, o.tail);
      return 1;
    }
    return 0;
  }

  const count = o.seeds ?? 20;
  const start = performance.now();
  const faults: Record<string, number> = {};
  let steps = 0;
  let checks = 0;
  let ticks = 0;
  let commits = 0;
  const failed: SimResult[] = [];
  for (let seed = o.from; seed < o.from + count; seed++) {
    const r = runSeed(seed, setup.makeCore, overrides);
    steps += r.steps;
    checks += r.checks;
    ticks += r.ticks;
    commits += r.committedMax;
    for (const [k, v] of Object.entries(r.faults)) faults[k] = (faults[k] ?? 0) + v;
    if (!r.ok) {
      failed.push(r);
      console.log(`seed ${seed}: FAIL ${r.failure}`);
    }
  }
  const elapsedMs = performance.now() - start;
  const kinds = Object.keys(faults).sort().map((k) => `${k}=${faults[k]}`).join(" ");
  console.log(
    `seeds ${o.from}..${o.from + count - 1}: ${count - failed.length} passed, ${failed.length} ` +
      `failed; steps ${steps}; ticks ${ticks}; checks ${checks}; entries committed ${commits}; ` +
      `elapsed ${(elapsedMs / 1000).toFixed(1)} s`,
  );
  console.log(`faults: ${kinds}`);
  const first = failed[0];
  if (first !== undefined) {
    printFailure(first, o.tail);
    return 1;
  }
  return 0;
}

Deno.exit(main(Deno.args));
