/**
 * The pure Raft consensus core: one `RawNode` per Raft group, driven by an I/O shell.
 *
 * - `types.ts`: the contract (entries, messages, `LogStorage`, `Ready` and its ordering rules).
 * - `raw_node.ts`: `RawNode` with `tick`, `step`, `propose`, `proposeConfChange`,
 *   `transferLeader`, `readIndex`, `hasReady`, `ready`, `advance`, `appliedTo`, `status`.
 * - `quorum.ts`, `progress.ts`, `log.ts`, `conf_change.ts`: the sub-algorithms, each pure.
 *
 * Two rules the driver can rely on. A Ready's messages never promise more than its own persist
 * holds: messages of an older term are dropped when the term moves, and an acknowledgement never
 * passes the last persisted entry (asserted in `ready()`). A node campaigns only on the membership
 * its commit index proves: every conf change up to commit must have been handed out (after a
 * restart, the snapshot's ConfState plus the conf changes up to `applied`, replayed by the core);
 * when storage cannot answer, it refuses rather than guesses and tries again next timeout.
 *
 * No I/O, timers, clocks, randomness or async code live here (a test scans for them): time is
 * `tick()`, randomness an injected `Rng`, the network the messages in each `Ready`, the disk a
 * read-only `LogStorage` plus the driver's persistence of each `Ready`. Design notes, including
 * membership (single-server changes), snapshot chunking and the testing knobs: `docs/raft.md`.
 *
 * @module
 */

export * from "./types.ts";
export * from "./raw_node.ts";
export { applyConfChange, decodeConfChange, encodeConfChange } from "./conf_change.ts";
export type { ConfChangeResult } from "./conf_change.ts";
export { hasQuorum, majority, majorityCommitIndex, voteOutcome } from "./quorum.ts";
export type { VoteOutcome } from "./quorum.ts";
export type { ProgressState } from "./progress.ts";
