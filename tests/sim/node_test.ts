import assert from "node:assert/strict";
import type { ConfChange, Entry, Message, ProposeResult, Ready } from "../../src/raft/types.ts";
import { Checker } from "./checker.ts";
import { LogImage } from "./disk.ts";
import { type CoreConfig, type NodeHost, type SimCore, SimNode } from "./node.ts";
import { SimRng } from "./rng.ts";

const conf = { voters: [1, 2, 3], learners: [] };

/** A scripted core: hands out the queued Readies and records what the driver does. */
class ScriptedCore implements SimCore {
  readonly log: string[];
  readonly queue: Ready[] = [];
  #outstanding: Ready | undefined;
  constructor(log: string[]) {
    this.log = log;
  }
  tick(): void {
    this.log.push("tick");
  }
  step(msg: Message): void {
    this.log.push(`step ${msg.type}`);
  }
  propose(_data: Uint8Array): ProposeResult {
    return { ok: false, error: "notLeader", leader: 0 };
  }
  proposeConfChange(_cc: ConfChange): ProposeResult {
    return { ok: false, error: "notLeader", leader: 0 };
  }
  transferLeader(): boolean {
    return false;
  }
  readIndex(_context: number): { ok: boolean } {
    return { ok: false };
  }
  hasReady(): boolean {
    return this.#outstanding === undefined && this.queue.length > 0;
  }
  ready(): Ready {
    const rd = this.queue.shift();
    if (rd === undefined) throw new Error("no ready");
    this.#outstanding = rd;
    this.log.push("ready");
    return rd;
  }
  advance(rd: Ready): void {
    assert.equal(rd, this.#outstanding);
    this.#outstanding = undefined;
    this.log.push("advance");
  }
  appliedTo(index: number): void {
    this.log.push(`appliedTo ${index}`);
  }
}

function ready(parts: Partial<Ready>): Ready {
  return {
    softState: undefined,
    hardState: undefined,
    snapshot: undefined,
    entries: [],
    messages: [],
    committedEntries: [],
    readStates: [],
    mustSync: false,
    ...parts,
  };
}

function setup() {
  const events: string[] = [];
  let diskDone: (() => void) | undefined;
  const core = new ScriptedCore(events);
  const host: NodeHost = {
    nowUnits: 0,
    rng: new SimRng(1),
    checker: new Checker(),
    storageOptions: { pageEntries: 8, maxCachedPages: 4, answerEvictedWithEmpty: false },
    tearProbability: 0,
    maxUnsyncedWrites: 8,
    maxReadiesPerPump: 100,
    contractChecks: true,
    send: (m) => events.push(`send ${m.type}`),
    scheduleDiskDone: (node) => {
      events.push("disk write");
      diskDone = () => node.diskDone();
    },
    scheduleRead: () => {},
    traceEvent: () => {},
    onApplied: (_n, e) => events.push(`apply ${e.index}`),
    onReadState: (_n, rs) => events.push(`read ${rs.context}`),
  };
  const node = new SimNode(1, host, (_c: CoreConfig) => core, LogImage.empty(conf));
  return { node, core, events, finishWrite: () => diskDone?.() };
}

const entry = (index: number): Entry => ({
  index,
  term: 1,
  type: "normal",
  data: new Uint8Array(),
});

Deno.test("SimNode follows the Ready contract", async (t) => {
  await t.step("persist, then send, then apply, then advance; ticks go on meanwhile", () => {
    const { node, core, events, finishWrite } = setup();
    core.queue.push(ready({
      entries: [entry(1)],
      hardState: { term: 1, vote: 1, commit: 1 },
      messages: [{ type: "voteResponse", from: 1, to: 1, term: 1, reject: false }],
      committedEntries: [entry(1)],
      mustSync: true,
    }));
    core.queue.push(ready({ messages: [] }));
    node.pump();
    assert.deepEqual(events, ["ready", "disk write"]);
    node.tick();
    assert.deepEqual(events.slice(2), ["tick"], "no second Ready before advance");
    assert.equal(node.disk.visible.lastIndex(), 0, "not persisted before the write completes");
    finishWrite();
    assert.deepEqual(events.slice(3), [
      "send voteResponse",
      "apply 1",
      "advance",
      "appliedTo 1",
      "ready",
      "advance",
    ]);
    assert.equal(node.disk.durable.lastIndex(), 1);
    assert.equal(node.appliedIndex, 1);
  });

  await t.step("a vote promised before it is stored is caught", () => {
    const { node, core } = setup();
    core.queue.push(ready({
      messages: [{ type: "voteResponse", from: 1, to: 2, term: 3, reject: false }],
    }));
    assert.throws(() => node.pump(), /persist before send/);
  });

  await t.step("applying with a gap is caught", () => {
    const { node, core } = setup();
    core.queue.push(ready({ committedEntries: [entry(2)] }));
    assert.throws(() => node.pump(), /gap or repeat/);
  });

  await t.step("a crash voids the write in flight and restart boots from the disk", () => {
    const { node, core, finishWrite } = setup();
    core.queue.push(ready({ entries: [entry(1)], mustSync: true }));
    node.pump();
    const inc = node.incarnation;
    node.crash();
    assert.equal(node.state, "down");
    assert.ok(node.incarnation > inc);
    assert.ok(node.disk.durable.lastIndex() <= 1);
    node.restart();
    assert.equal(node.state, "up");
    assert.throws(() => finishWrite(), /nothing in flight/);
  });
});
