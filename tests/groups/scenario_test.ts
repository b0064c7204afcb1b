/**
 * Scenario scripts over `tests/testdata/groups/*.txt`: the group state machine driven command by
 * command, with virtual time, in the style of etcd raft's interaction tests. Each block is a
 * command line, `----`, and the expected output up to a blank line; `#` lines are comments.
 * `REWRITE=1 deno test -A tests/groups/scenario_test.ts` rewrites the expectations from the
 * actual output (review the diff by hand).
 *
 * Commands (`k=v` options; member ids are allocated as `<client>-<n>` or `<instance>-<n>`):
 *   group [initial-delay=MS] [max-members=N]        start a fresh group "g" at time 0
 *   join <client> [member=ID] [instance=I] [protocols=name:meta,...] [session=MS]
 *        [rebalance=MS] [v=N]                       JoinGroup (v>=4 requires a known member id)
 *   sync <member> gen=N [instance=I] [assign=member:bytes,...] [protocol=NAME]
 *   heartbeat <member> gen=N [instance=I]
 *   leave <member|-> [instance=I] ...               one or more members (member:instance)
 *   commit <member|-> gen=N [instance=I] <topic:partition=offset>...
 *   advance <ms>                                    move time, firing due deadlines
 *   state                                           state, generation, leader, members
 *
 * Every command prints its immediate answer (or `waiting #ticket`), then the effects it caused:
 * `persist`, and answers to earlier waiting tickets (`-> #ticket ...`).
 */
import { scriptTest } from "../_support/scripts.ts";
import { Group, type GroupEffect } from "../../src/groups/group.ts";
import {
  DEFAULT_GROUP_LIMITS,
  type JoinResponse,
  type SyncResponse,
} from "../../src/groups/types.ts";
import { errorName } from "../../src/kafka/protocol/errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function showJoin(r: JoinResponse): string {
  if (r.errorCode !== 0) return `${errorName(r.errorCode)} member=${r.memberId || "-"}`;
  const members = r.members.map((m) => `${m.memberId}:${dec.decode(m.metadata)}`).join(",");
  return `NONE member=${r.memberId} gen=${r.generationId} protocol=${r.protocolName} ` +
    `leader=${r.leader}${r.skipAssignment ? " skip-assignment" : ""} members=[${members}]`;
}

function showSync(r: SyncResponse): string {
  if (r.errorCode !== 0) return errorName(r.errorCode);
  return `NONE protocol=${r.protocolName} assignment=${dec.decode(r.assignment) || "-"}`;
}

class Runner {
  nowMs = 0;
  group: Group | undefined;
  readonly #ids = new Map<string, number>();

  #g(): Group {
    if (this.group === undefined) throw new Error("no group: run `group` first");
    return this.group;
  }

  run(command: string): string[] {
    const [cmd, ...rest] = command.split(/\s+/);
    const args = rest.filter((a) => !a.includes("=") || /^[^=]+:\d+=/.test(a));
    const kv = new Map(
      rest.filter((a) => !args.includes(a)).map((a) => a.split("=", 2) as [string, string]),
    );
    const out: string[] = [];
    switch (cmd) {
      case "group":
        this.group = new Group("g", {
          ...DEFAULT_GROUP_LIMITS,
          initialRebalanceDelayMs: Number(kv.get("initial-delay") ?? 0),
          maxMembers: Number(kv.get("max-members") ?? 100),
        }, (prefix) => {
          const n = (this.#ids.get(prefix) ?? 0) + 1;
          this.#ids.set(prefix, n);
          return `${prefix}-${n}`;
        }, this.nowMs);
        out.push("ok");
        break;
      case "join":
        out.push(this.#join(args[0]!, kv));
        break;
      case "sync":
        out.push(this.#sync(args[0]!, kv));
        break;
      case "heartbeat":
        out.push(errorName(
          this.#g().heartbeat({
            groupId: "g",
            generationId: Number(kv.get("gen") ?? -1),
            memberId: args[0]!,
            groupInstanceId: kv.get("instance") ?? null,
          }, this.nowMs),
        ));
        break;
      default:
        this.#more(cmd!, args, kv, out);
    }
    this.#effects(out);
    return out;
  }

  #more(cmd: string, args: string[], kv: Map<string, string>, out: string[]): void {
    switch (cmd) {
      case "leave": {
        const results = this.#g().leave(
          args.map((a) => {
            const [memberId, instance] = a.split(":");
            return {
              memberId: memberId === "-" ? "" : memberId!,
              groupInstanceId: instance ?? null,
            };
          }),
          this.nowMs,
        );
        for (const r of results) {
          out.push(`${r.memberId || r.groupInstanceId}: ${errorName(r.errorCode)}`);
        }
        return;
      }
      case "commit": {
        const partitions = args.slice(1).map((a) => {
          const [tp, offset] = a.split("=");
          const [topic, partition] = tp!.split(":");
          return {
            topic: topic!,
            partition: Number(partition),
            offset: Number(offset),
            leaderEpoch: -1,
            metadata: null,
          };
        });
        const req = {
          groupId: "g",
          generationId: Number(kv.get("gen") ?? -1),
          memberId: args[0] === "-" ? "" : args[0]!,
          groupInstanceId: kv.get("instance") ?? null,
          retentionTimeMs: -1,
          partitions,
        };
        const error = this.#g().acceptCommit(req, this.nowMs);
        if (error === 0) {
          for (const p of partitions) {
            this.#g().setOffset(p.topic, p.partition, {
              offset: p.offset,
              leaderEpoch: -1,
              metadata: "",
              commitTimestampMs: this.nowMs,
              expireTimestampMs: null,
              topicId: null,
            });
          }
        }
        out.push(errorName(error));
        return;
      }
      case "advance":
        this.#advance(Number(args[0]), out);
        return;
      case "state":
        out.push(this.#state());
        return;
      default:
        throw new Error(`unknown command ${cmd}`);
    }
  }

  #join(client: string, kv: Map<string, string>): string {
    const protocols = (kv.get("protocols") ?? "range:t1").split(",").map((p) => {
      const [name, meta] = p.split(":");
      return { name: name!, metadata: enc.encode(meta ?? "") };
    });
    const session = Number(kv.get("session") ?? 10_000);
    const outcome = this.#g().join({
      groupId: "g",
      memberId: kv.get("member") ?? "",
      groupInstanceId: kv.get("instance") ?? null,
      protocolType: kv.get("type") ?? "consumer",
      protocols,
      sessionTimeoutMs: session,
      rebalanceTimeoutMs: Number(kv.get("rebalance") ?? 30_000),
      clientId: client,
      clientHost: "/127.0.0.1",
      requireKnownMemberId: Number(kv.get("v") ?? 9) >= 4,
    }, this.nowMs);
    return outcome.kind === "reply" ? showJoin(outcome.response) : `waiting #${outcome.ticket}`;
  }

  #sync(memberId: string, kv: Map<string, string>): string {
    const assignments = (kv.get("assign") ?? "").split(",").filter((s) => s !== "").map((a) => {
      const [member, bytes] = a.split(":");
      return { memberId: member!, assignment: enc.encode(bytes ?? "") };
    });
    const outcome = this.#g().sync({
      groupId: "g",
      generationId: Number(kv.get("gen") ?? -1),
      memberId,
      groupInstanceId: kv.get("instance") ?? null,
      protocolType: kv.has("protocol") ? "consumer" : null,
      protocolName: kv.get("protocol") ?? null,
      assignments,
    }, this.nowMs);
    return outcome.kind === "reply" ? showSync(outcome.response) : `waiting #${outcome.ticket}`;
  }

  #advance(ms: number, out: string[]): void {
    const target = this.nowMs + ms;
    // Bounded: every tick clears the deadline that fired.
    for (let i = 0; i < 10_000; i++) {
      const next = this.#g().nextDeadlineMs();
      if (next === undefined || next > target) break;
      this.nowMs = Math.max(this.nowMs, next);
      this.#g().tick(this.nowMs);
      this.#effects(out, `t=${this.nowMs}`);
    }
    this.nowMs = target;
    out.push(`now ${this.nowMs}`);
  }

  #state(): string {
    const g = this.#g();
    const members = [...g.members()].map((m) =>
      `${m.memberId}${m.groupInstanceId === null ? "" : `(${m.groupInstanceId})`}`
    ).join(",");
    const offsets = [...g.offsets()].flatMap(([t, ps]) =>
      [...ps].map(([p, o]) => `${t}:${p}=${o.offset}`)
    );
    return `${g.state} gen=${g.generationId} protocol=${g.protocolName ?? "-"} ` +
      `leader=${g.leaderId ?? "-"} members=[${members}]` +
      (offsets.length > 0 ? ` offsets=[${offsets.join(",")}]` : "");
  }

  #effects(out: string[], prefix = ""): void {
    if (this.group === undefined) return;
    const at = prefix === "" ? "" : `${prefix} `;
    for (const e of this.group.takeEffects() as GroupEffect[]) {
      if (e.type === "persist") out.push(`${at}persist`);
      else if (e.type === "join") out.push(`${at}-> #${e.ticket} join ${showJoin(e.response)}`);
      else out.push(`${at}-> #${e.ticket} sync ${showSync(e.response)}`);
    }
  }
}

scriptTest(
  "group scenario scripts",
  new URL("../testdata/groups/", import.meta.url),
  () => new Runner(),
);
