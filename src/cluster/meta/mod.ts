/**
 * Cluster metadata as a command log applied to plain tables (DESIGN.md decision 7).
 *
 * - `commands.ts`: the numbered, versioned {@link MetaCommand}s and their encoding.
 * - `tables.ts`: {@link MetaTables}, the deterministic result of applying commands.
 * - `store.ts`: the {@link MetaStore} seam; `local_store.ts` is the standalone implementation
 *   (a local fsync'd command file), the `__meta` Raft group will be the replicated one.
 * - `topic_configs.ts`: the topic configs Chronik honours, their defaults and validation.
 *
 * @module
 */
export * from "./commands.ts";
export * from "./tables.ts";
export * from "./store.ts";
export * from "./local_store.ts";
export * from "./topic_configs.ts";
