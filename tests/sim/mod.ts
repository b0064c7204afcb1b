/**
 * The deterministic Raft simulator (after TigerBeetle's VOPR). One seed drives everything: the
 * cluster shape, the fault profile, and every fault. Real `RawNode`s run on virtual time over a
 * simulated network ({@link SimNetwork}: drop, duplicate, reorder, delay, symmetric and
 * asymmetric partitions) and simulated disks ({@link SimDisk}: asynchronous writes, crashes that
 * lose unsynced writes and tear the last one, a bounded page cache that answers `unavailable`).
 * The driver ({@link SimNode}) follows the Ready contract to the letter; the {@link Checker}
 * verifies the safety invariants after every step; a liveness phase heals everything and demands
 * a leader and fresh commits within stated bounds.
 *
 * ```ts
 * import { rawNodeFactory, runSeed } from "./mod.ts";
 * const r = runSeed(42, rawNodeFactory());
 * if (!r.ok) console.log(r.failure, r.traceTail);
 * console.log(r.digest); // equal on every run of seed 42
 * ```
 *
 * Command line: `deno task sim --seeds 200`, `deno task sim --seed 42`,
 * `deno task sim --stability 1000000`, `deno task sim --seeds 50 --break voteWithoutPersist`.
 * See `docs/simulator.md` for the fault model, the checks and the measured bounds.
 *
 * @module
 */

export { type BrokenKind, brokenKinds, brokenSetup } from "./broken.ts";
export { Checker, SafetyViolation } from "./checker.ts";
export { type CoreTuning, rawNodeFactory, simCoreTuning } from "./core.ts";
export { Fnv64, fnv64Hex } from "./digest.ts";
export { type CrashOutcome, type DiskWrite, LogImage, SimDisk } from "./disk.ts";
export { type NetworkFault, type NetworkOptions, SimNetwork } from "./network.ts";
export { type CoreConfig, type CoreFactory, type SimCore, SimNode } from "./node.ts";
export { fingerprint, proposalId, proposalPayload } from "./payload.ts";
export { SimRng } from "./rng.ts";
export {
  defaultSimOptions,
  drawProfile,
  type FaultProfile,
  LivenessFailure,
  runSeed,
  type SimOptions,
  type SimResult,
  Simulation,
} from "./simulator.ts";
export { runStability, type StabilityOptions, type StabilityResult } from "./stability.ts";
export { SimStorage, type StorageOptions } from "./storage.ts";
export { Trace } from "./trace.ts";
