/**
 * Scenario scripts over `tests/testdata/raft/*.txt`, in the style of etcd raft's interaction tests.
 * Each block is a command line, a `----` line, and the expected trace up to a blank line. Lines
 * starting with `#` are comments. `REWRITE=1 deno test -A tests/raft/scenario_test.ts` rewrites the
 * expectations from the actual traces (review the diff by hand).
 *
 * Commands (ids are node ids; `k=v` options):
 *   add-nodes <n> voters=(1,2,3) [learners=(4)] [index=N] [prevote=true] [checkquorum=true]
 *             [election=T] [inflight=N] [max-msg=B] [chunk=B] [knob=<testing knob>]
 *   campaign <id> | tick <id> [n] | tick-election <id> | tick-heartbeat <id>
 *   process-ready <id...> | deliver-msgs [id...] | drop [from=F] [to=T] | stabilize [id...]
 *   partition <ids> | <ids> [| ...] | heal | restart <id>
 *   propose <id> <data> | propose-conf-change <id> add-voter|add-learner|remove <node>
 *   transfer-leader <from> <to> | read-index <id> <context> | compact <id> <index>
 *   unavailable <id> <lo> <hi> [terms=true] | available <id> | snapshot-unavailable <id> <bool>
 *   status <id> | log <id> | applied <id> | raft-state | unavailable-answers <id>
 */

import { scriptTest } from "../_support/scripts.ts";
import type { ConfChange, NodeId } from "../../src/raft/mod.ts";
import { Cluster, newStorage, type NodeOptions } from "./_cluster.ts";

function ids(list: string): NodeId[] {
  const m = /^\((.*)\)$/.exec(list);
  if (!m) throw new Error(`expected (a,b,...), got ${list}`);
  return (m[1] as string).split(",").filter((s) => s !== "").map(Number);
}

class Runner {
  readonly c = new Cluster();
  #nextId = 1;

  run(command: string): string[] {
    const [cmd, ...rest] = command.split(/\s+/);
    const args = rest.filter((a) => !a.includes("="));
    const kv = new Map(
      rest.filter((a) => a.includes("=")).map((a) => a.split("=", 2) as [string, string]),
    );
    const n = (k: number) => Number(args[k]);
    const out: string[] = [];
    const c = this.c;
    switch (cmd) {
      case "add-nodes":
        this.#addNodes(n(0), kv, out);
        break;
      case "campaign":
        c.get(n(0)).node.campaign();
        break;
      case "tick":
        for (let i = 0; i < (args[1] ? n(1) : 1); i++) c.get(n(0)).node.tick();
        break;
      case "tick-election": {
        // Tick until the election timer fires once (it resets to 0), at most 2 timeouts.
        const node = c.get(n(0)).node;
        const max = 2 * (c.get(n(0)).options.electionTicks ?? 10);
        for (let i = 0; i < max; i++) {
          node.tick();
          if (node.status().electionElapsed === 0) break;
        }
        break;
      }
      case "tick-heartbeat":
        for (let i = 0; i < (c.get(n(0)).options.heartbeatTicks ?? 1); i++) c.get(n(0)).node.tick();
        break;
      case "process-ready":
        for (const a of args) if (!c.processReady(Number(a), out)) out.push(`> ${a}: no Ready`);
        break;
      case "deliver-msgs":
        c.deliver(args.map(Number), out);
        break;
      case "drop":
        c.drop(Number(kv.get("from") ?? 0), Number(kv.get("to") ?? 0), out);
        break;
      case "stabilize":
        c.stabilize(args.map(Number), out);
        break;
      case "partition":
        c.partition(rest.join(" ").split("|").map((s) => s.trim().split(/\s+/).map(Number)));
        break;
      case "heal":
        c.heal();
        break;
      case "restart":
        c.restart(n(0));
        break;
      default:
        this.#more(cmd as string, args, kv, out);
    }
    return out.length > 0 ? out : ["ok"];
  }

  #more(cmd: string, args: string[], kv: Map<string, string>, out: string[]): void {
    const c = this.c;
    const n = (k: number) => Number(args[k]);
    switch (cmd) {
      case "propose":
        out.push(JSON.stringify(c.propose(n(0), args[1] ?? "")));
        return;
      case "propose-conf-change": {
        const kinds: Record<string, ConfChange["kind"]> = {
          "add-voter": "addVoter",
          "add-learner": "addLearner",
          "remove": "removeNode",
        };
        const kind = kinds[args[1] ?? ""];
        if (kind === undefined) throw new Error(`unknown conf change ${args[1]}`);
        out.push(JSON.stringify(c.get(n(0)).node.proposeConfChange({ kind, node: n(2) })));
        return;
      }
      case "transfer-leader":
        out.push(`transfer ${c.get(n(0)).node.transferLeader(n(1)) ? "started" : "refused"}`);
        return;
      case "read-index":
        out.push(JSON.stringify(c.get(n(0)).node.readIndex(n(1))));
        return;
      case "compact": {
        const sim = c.get(n(0));
        const index = n(1);
        if (index > sim.appliedIndex) throw new Error(`compact ${index} > applied`);
        const data = new TextEncoder().encode(sim.applied.join(","));
        sim.storage.compact(index, data, sim.appliedConf);
        out.push(`compacted ${sim.id} to ${index} (snapshot ${data.length} bytes)`);
        return;
      }
      case "set-log": {
        // Replaces a node's durable log by entries with the given terms, then restarts it.
        const sim = c.get(n(0));
        const terms = ids(kv.get("terms") ?? "()");
        sim.storage.ents = terms.map((term, i) => ({
          term,
          index: i + 1,
          type: "normal" as const,
          data: new Uint8Array(0),
        }));
        const term = Number(kv.get("term") ?? Math.max(0, ...terms));
        sim.storage.hardState = { term, vote: 0, commit: Number(kv.get("commit") ?? 0) };
        c.restart(sim.id);
        out.push(`${sim.id}: log ${terms.length} entries, term ${term}`);
        return;
      }
      case "unavailable":
        c.get(n(0)).storage.unavailableRange = {
          lo: n(1),
          hi: n(2),
          terms: kv.get("terms") === "true",
        };
        return;
      case "available":
        c.get(n(0)).storage.unavailableRange = undefined;
        return;
      case "snapshot-unavailable":
        c.get(n(0)).storage.snapshotUnavailable = args[1] === "true";
        return;
      default:
        this.#report(cmd, args, out);
    }
  }

  #report(cmd: string, args: string[], out: string[]): void {
    const c = this.c;
    switch (cmd) {
      case "status": {
        const s = c.get(Number(args[0])).node.status();
        out.push(
          `${s.id} ${s.role} term=${s.term} vote=${s.vote} lead=${s.leader} commit=${s.commit}` +
            ` applied=${s.applied} log=[${s.firstIndex},${s.lastIndex}]` +
            ` voters=(${s.confState.voters}) learners=(${s.confState.learners})` +
            (s.leadTransferee !== 0 ? ` transferee=${s.leadTransferee}` : ""),
        );
        for (const [id, p] of s.progress) {
          out.push(
            `  ${id}: ${p.state} match=${p.match} next=${p.next}${p.paused ? " paused" : ""}` +
              `${p.isLearner ? " learner" : ""}`,
          );
        }
        return;
      }
      case "log": {
        const st = c.get(Number(args[0])).storage;
        out.push(`snapshot ${st.snap.meta.term}/${st.snap.meta.index}`);
        for (const e of st.ents) {
          out.push(
            `${e.term}/${e.index} ${
              e.type === "confChange" ? "cc" : JSON.stringify(new TextDecoder().decode(e.data))
            }`,
          );
        }
        return;
      }
      case "applied": {
        const sim = c.get(Number(args[0]));
        out.push(`index=${sim.appliedIndex} data=[${sim.applied.join(" ")}]`);
        return;
      }
      case "unavailable-answers":
        out.push(`${c.get(Number(args[0])).storage.unavailableAnswers}`);
        return;
      case "raft-state":
        for (const [id, sim] of c.nodes) {
          const s = sim.node.status();
          out.push(`${id}: ${s.role} term=${s.term} lead=${s.leader} commit=${s.commit}`);
        }
        return;
      default:
        throw new Error(`unknown command ${cmd}`);
    }
  }

  #addNodes(count: number, kv: Map<string, string>, out: string[]): void {
    const voters = ids(kv.get("voters") ?? "()");
    const learners = ids(kv.get("learners") ?? "()");
    const index = Number(kv.get("index") ?? 0);
    const knob = kv.get("knob");
    const opts: NodeOptions = {
      preVote: kv.get("prevote") === "true",
      checkQuorum: kv.get("checkquorum") === "true",
      electionTicks: Number(kv.get("election") ?? 10),
      maxInflightMsgs: Number(kv.get("inflight") ?? 256),
      maxSizePerMsgBytes: Number(kv.get("max-msg") ?? 1 << 20),
      snapshotChunkBytes: Number(kv.get("chunk") ?? 1 << 20),
      testingKnobs: knob ? { [knob]: true } : {},
    };
    for (let i = 0; i < count; i++) {
      const id = this.#nextId++;
      this.c.add(id, newStorage(voters, learners, index), opts);
      out.push(`added ${id} voters=(${voters}) learners=(${learners}) index=${index}`);
    }
  }
}

scriptTest(
  "raft scenario scripts",
  new URL("../testdata/raft/", import.meta.url),
  () => new Runner(),
);
