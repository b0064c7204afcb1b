/**
 * The deliberately broken cores of "the simulator can fail": each is a known Raft bug the
 * simulator must catch within a stated number of seeds.
 */

import { rawNodeFactory } from "./core.ts";
import type { CoreFactory } from "./node.ts";
import type { SimOptions } from "./simulator.ts";
import { defaultSimOptions } from "./simulator.ts";

export type BrokenKind =
  | "commitOldTermByCount"
  | "voteWithoutPersist"
  | "appendWithoutTruncate"
  | "evictedAnswersEmpty";

export const brokenKinds: readonly BrokenKind[] = [
  "commitOldTermByCount",
  "voteWithoutPersist",
  "appendWithoutTruncate",
  "evictedAnswersEmpty",
];

/** The core factory and option overrides that build one broken system. */
export function brokenSetup(
  kind: BrokenKind,
): { makeCore: CoreFactory; overrides: Partial<Omit<SimOptions, "seed" | "makeCore">> } {
  if (kind === "evictedAnswersEmpty") {
    return {
      makeCore: rawNodeFactory(),
      overrides: { storage: { ...defaultSimOptions.storage, answerEvictedWithEmpty: true } },
    };
  }
  return { makeCore: rawNodeFactory({ [kind]: true }), overrides: {} };
}
