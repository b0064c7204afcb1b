/**
 * Wires the real `RawNode` into the simulator, with the knobs that make a deliberately broken
 * core for the "the simulator can fail" runs. Limits are kept small so a short run exercises
 * message splitting, flow control and chunked snapshots.
 */

import { RawNode, type TestingKnobs } from "../../src/raft/mod.ts";
import type { CoreFactory } from "./node.ts";

export interface CoreTuning {
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly maxSizePerMsgBytes: number;
  readonly maxInflightMsgs: number;
  readonly snapshotChunkBytes: number;
}

export const simCoreTuning: CoreTuning = Object.freeze({
  electionTicks: 10,
  heartbeatTicks: 1,
  maxSizePerMsgBytes: 64,
  maxInflightMsgs: 8,
  snapshotChunkBytes: 8,
});

export function rawNodeFactory(
  knobs: Partial<TestingKnobs> = {},
  tuning: CoreTuning = simCoreTuning,
): CoreFactory {
  return (c) =>
    new RawNode({
      id: c.id,
      storage: c.storage,
      rng: c.rng,
      applied: c.applied,
      electionTicks: tuning.electionTicks,
      heartbeatTicks: tuning.heartbeatTicks,
      preVote: true,
      checkQuorum: true,
      maxSizePerMsgBytes: tuning.maxSizePerMsgBytes,
      maxInflightMsgs: tuning.maxInflightMsgs,
      snapshotChunkBytes: tuning.snapshotChunkBytes,
      testingKnobs: knobs,
    });
}
