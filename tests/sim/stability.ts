/**
 * The stability run: three voters on a healthy network whose delivery jitter reaches 30% of the
 * election timeout, with light proposals and compaction, for a long stretch of ticks. Pre-vote and
 * check-quorum must keep the first leader in office: exactly one election, term 1 throughout.
 */

import type { CoreFactory } from "./node.ts";
import { defaultSimOptions, type FaultProfile, type SimResult, Simulation } from "./simulator.ts";

export interface StabilityOptions {
  readonly seed: number;
  readonly ticks: number;
  /** Delivery delay is drawn from [1 unit, jitterFraction * election timeout]. */
  readonly jitterFraction: number;
  readonly makeCore: CoreFactory;
}

export interface StabilityResult {
  readonly result: SimResult;
  /** Terms in which some node became leader. */
  readonly elections: number;
  readonly maxTerm: number;
  readonly elapsedMs: number;
  readonly ticksPerSecond: number;
}

export function stabilityProfile(jitterFraction: number): FaultProfile {
  const { tickUnits, electionTicks } = defaultSimOptions;
  return {
    network: {
      dropProbability: 0,
      duplicateProbability: 0,
      minDelayUnits: 1,
      maxDelayUnits: Math.max(1, Math.floor(jitterFraction * electionTicks * tickUnits)),
      reorderProbability: 0,
      reorderDelayUnits: 0,
      maxInFlightPerLink: 1024,
    },
    crashPerTick: 0,
    crashAfterVoteGrant: 0,
    tearProbability: 0,
    pausePerTick: 0,
    partitionPerTick: 0,
    proposePerTick: 0.01,
    confChangePerTick: 0,
    transferPerTick: 0,
    compactPerTick: 0.001,
    evictPerTick: 0,
    readIndexPerTick: 0,
    maxDiskWriteUnits: 2,
    maxDiskReadUnits: 2,
  };
}

export function runStability(options: StabilityOptions): StabilityResult {
  const start = performance.now();
  const sim = new Simulation({
    ...defaultSimOptions,
    seed: options.seed,
    makeCore: options.makeCore,
    safetyTicks: options.ticks,
    voters: 3,
    learners: 0,
    profile: stabilityProfile(options.jitterFraction),
    traceText: false,
  });
  const result = sim.run();
  const elapsedMs = performance.now() - start;
  return {
    result,
    elections: result.leaderElections,
    maxTerm: result.maxTerm,
    elapsedMs,
    ticksPerSecond: Math.round(result.ticks / (elapsedMs / 1000)),
  };
}
