/**
 * Where metadata commands become durable and get applied. A standalone node uses
 * {@link LocalMetaStore}; a cluster will use the `__meta` Raft group behind the same interface.
 *
 * @module
 */
import type { MetaCommand } from "./commands.ts";
import type { ApplyResult, MetaTables } from "./tables.ts";

export type ApplyListener = (cmd: MetaCommand, result: ApplyResult) => void;

export interface MetaStore {
  /** Tables as of the last applied command. Read-only to callers. */
  readonly tables: MetaTables;
  /** Makes `cmd` durable, applies it, and resolves with the result of applying it. */
  propose(cmd: MetaCommand): Promise<ApplyResult>;
  /** Called after every applied command, in log order (the reconciler listens here). */
  onApply(listener: ApplyListener): void;
  close(): Promise<void>;
}
