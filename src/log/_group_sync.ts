// Group commit: at most one fdatasync in flight; callers arriving meanwhile share the next one.

import type { DiskFile } from "./disk.ts";

export class GroupSync {
  #inFlight: Promise<void> | null = null;
  #next: PromiseWithResolvers<void> | null = null;
  /** Completed syncs, for tests and metrics. */
  syncs = 0;

  /** @param target the file to sync when a sync starts (the active segment at that moment). */
  constructor(
    readonly target: () => DiskFile,
    readonly onSync?: (seconds: number) => void,
  ) {}

  /** Resolves once a sync that started after this call has completed. */
  request(): Promise<void> {
    if (this.#inFlight === null) return this.#start();
    this.#next ??= Promise.withResolvers<void>();
    return this.#next.promise;
  }

  /** Resolves when no sync is running or queued (errors are the requesters' to see). */
  async idle(): Promise<void> {
    while (this.#inFlight !== null) await this.#inFlight.catch(() => {});
  }

  #start(): Promise<void> {
    const file = this.target();
    const started = performance.now();
    const run = file.sync().then(() => {
      this.syncs++;
      this.onSync?.((performance.now() - started) / 1000);
    });
    this.#inFlight = run;
    const done = () => {
      this.#inFlight = null;
      const waiting = this.#next;
      this.#next = null;
      if (waiting) this.#start().then(waiting.resolve, waiting.reject);
    };
    run.then(done, done);
    return run;
  }
}
