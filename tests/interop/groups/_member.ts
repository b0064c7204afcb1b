/**
 * The test's side of one group member process: spawns it, reads its JSON-line events into plain
 * state (current assignment, records consumed, offsets committed, rebalance events), sends it
 * commands, and waits on that state with a bound. Output kept per member is bounded.
 *
 * @module
 */

/** One event line a member prints (see `mod.ts` for the protocol). */
export type MemberEvent =
  | { event: "assignment"; partitions: number[]; generation?: number | null }
  | { event: "revoked"; partitions: number[] }
  | { event: "consumed"; records: [number, number, number][] }
  | { event: "committed"; offsets: [number, number][] }
  | { event: "commit_failed"; message: string }
  | { event: "warning"; message: string }
  | { event: "closed" }
  | { event: "error"; message: string };

/** A wait on a member's state passed its bound; the message says what was awaited and the state. */
export class MemberWaitTimeout extends Error {
  override name = "MemberWaitTimeout";
}

/** Bytes of stderr kept per member, for failure messages. */
const STDERR_TAIL_BYTES = 8_192;
/** Event lines kept per member, for failure messages. */
const EVENT_LOG_LINES = 40;
/** How often a wait re-checks its predicate. */
const WAIT_POLL_MS = 100;

export class Member {
  readonly name: string;
  /** Partitions the member holds now. */
  assignment: number[] = [];
  /** Generation reported with the last assignment, when the client exposes it. */
  generation: number | null = null;
  /** Record index → times this member consumed it. */
  readonly consumed = new Map<number, number>();
  /** Partition → highest committed next offset this member reported. */
  readonly committed = new Map<number, number>();
  /** Assignment and revocation events seen, in order. */
  rebalanceEvents = 0;
  commitFailures = 0;
  closed = false;
  error: string | null = null;
  exitCode: number | null = null;

  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #done: Promise<void>;
  #stderr = "";
  #log: string[] = [];

  constructor(name: string, argv: readonly string[], cwd: string) {
    this.name = name;
    const [cmd, ...args] = argv;
    this.#child = new Deno.Command(cmd!, {
      args,
      cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#done = Promise.all([
      this.#readEvents(this.#child.stdout),
      this.#readStderr(this.#child.stderr),
      this.#child.status.then((s) => {
        this.exitCode = s.code;
      }),
    ]).then(() => {});
  }

  /** Sends one command line; a member that already exited ignores it. */
  async send(command: { cmd: string }): Promise<void> {
    try {
      await this.#stdin.write(new TextEncoder().encode(JSON.stringify(command) + "\n"));
    } catch {
      // The process is gone; its exit shows in the state.
    }
  }

  /** Waits until `check()` is true; fails with the member's state after `timeoutMs`. */
  async waitFor(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) {
        throw new MemberWaitTimeout(
          `${this.name}: no ${what} within ${timeoutMs} ms\n${this.describe()}`,
        );
      }
      await delay(WAIT_POLL_MS);
    }
  }

  /** Asks for a clean close and waits for the process to exit (SIGKILL after `timeoutMs`). */
  async close(timeoutMs: number): Promise<void> {
    await this.send({ cmd: "close" });
    await this.#stdin.close().catch(() => {});
    await this.#settle(timeoutMs);
  }

  /** Kills the process at once (cleanup after a failure). */
  async kill(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await this.#done;
  }

  describe(): string {
    const held = `assignment=[${this.assignment}] generation=${this.generation} ` +
      `consumed=${this.consumed.size} committed=${JSON.stringify([...this.committed])} ` +
      `rebalanceEvents=${this.rebalanceEvents} commitFailures=${this.commitFailures} ` +
      `closed=${this.closed} exit=${this.exitCode} error=${this.error}`;
    return `  ${this.name}: ${held}\n  last events:\n    ${this.#log.join("\n    ")}\n` +
      `  stderr tail:\n${this.#stderr.slice(-2_000)}`;
  }

  async #settle(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const inTime = await Promise.race([
      this.#done.then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), timeoutMs)),
    ]);
    clearTimeout(timer);
    if (!inTime) await this.kill();
  }

  #apply(e: MemberEvent): void {
    switch (e.event) {
      case "assignment":
        this.assignment = [...e.partitions].sort((a, b) => a - b);
        this.generation = e.generation ?? null;
        this.rebalanceEvents++;
        break;
      case "revoked":
        this.assignment = this.assignment.filter((p) => !e.partitions.includes(p));
        this.rebalanceEvents++;
        break;
      case "consumed":
        for (const [, , index] of e.records) {
          this.consumed.set(index, (this.consumed.get(index) ?? 0) + 1);
        }
        break;
      case "committed":
        for (const [p, next] of e.offsets) {
          this.committed.set(p, Math.max(next, this.committed.get(p) ?? 0));
        }
        break;
      case "commit_failed":
        this.commitFailures++;
        break;
      case "closed":
        this.closed = true;
        break;
      case "error":
        this.error = e.message;
        break;
    }
  }

  async #readEvents(stream: ReadableStream<Uint8Array>): Promise<void> {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line.startsWith("{")) continue;
        let event: MemberEvent;
        try {
          event = JSON.parse(line) as MemberEvent;
        } catch {
          continue;
        }
        if (event.event !== "consumed" && event.event !== "committed") {
          this.#log.push(line.slice(0, 300));
          if (this.#log.length > EVENT_LOG_LINES) this.#log.shift();
        }
        this.#apply(event);
      }
    }
  }

  async #readStderr(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_BYTES);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
