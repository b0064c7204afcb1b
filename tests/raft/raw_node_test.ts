import assert from "node:assert/strict";
import { defaultRaftConfig, type Message, RawNode } from "../../src/raft/mod.ts";
import { Cluster, newStorage, SeededRng } from "./_cluster.ts";
import { MemoryStorage } from "./_memory_storage.ts";

const enc = new TextEncoder();

/** A cluster with node 1 elected and everything stable. */
function elected(n: number, opts: Parameters<Cluster["add"]>[2] = {}): Cluster {
  const c = new Cluster();
  c.quiet = true;
  const voters = Array.from({ length: n }, (_, i) => i + 1);
  for (const id of voters) c.add(id, newStorage(voters), opts);
  c.get(1).node.campaign();
  c.stabilize([], []);
  assert.equal(c.leader(), 1);
  return c;
}

Deno.test("raw_node", async (t) => {
  await t.step("defaults and config validation", () => {
    assert.equal(defaultRaftConfig.heartbeatTicks, 1);
    assert.equal(defaultRaftConfig.electionTicks, 10);
    const storage = newStorage([1]);
    const rng = new SeededRng(1);
    assert.throws(() => new RawNode({ id: 0, storage, rng }), /id must be >= 1/);
    assert.throws(
      () => new RawNode({ id: 1, storage, rng, electionTicks: 2, heartbeatTicks: 2 }),
      /electionTicks \(2\) must exceed heartbeatTicks \(2\)/,
    );
    assert.throws(() => new RawNode({ id: 1, storage, rng, maxInflightMsgs: 0 }), RangeError);
  });

  await t.step("a single voter commits its own proposal in the same Ready", () => {
    const storage = newStorage([1]);
    const node = new RawNode({ id: 1, storage, rng: new SeededRng(1) });
    node.campaign();
    assert.equal(node.status().role, "leader");
    const res = node.propose(enc.encode("x"));
    assert.deepEqual(res, { ok: true, index: 2, term: 1 });
    const rd = node.ready();
    assert.deepEqual(rd.entries.map((e) => e.index), [1, 2]);
    assert.deepEqual(rd.committedEntries.map((e) => e.index), [1, 2]);
    assert.equal(rd.mustSync, true);
    assert.deepEqual(rd.softState, { leader: 1, role: "leader" });
    storage.persist(rd);
    node.advance(rd);
    node.appliedTo(2);
    assert.equal(node.hasReady(), false);
    assert.equal(node.status().applied, 2);
  });

  await t.step("Ready contract: nothing new until advance; tick and step stay legal", () => {
    const c = elected(3);
    const leader = c.get(1);
    leader.node.propose(enc.encode("a"));
    const rd = leader.node.ready();
    assert.equal(rd.entries.length, 1);
    assert.equal(leader.node.hasReady(), false, "outstanding Ready");
    leader.node.tick(); // heartbeat while persisting
    leader.node.propose(enc.encode("b"));
    const empty = leader.node.ready();
    assert.equal(empty.entries.length + empty.messages.length, 0);
    assert.throws(() => leader.node.advance({ ...rd }), /not the outstanding one/);
    leader.storage.persist(rd);
    leader.node.advance(rd);
    assert.equal(leader.node.hasReady(), true);
    const next = leader.node.ready();
    assert.deepEqual(next.entries.map((e) => new TextDecoder().decode(e.data)), ["b"]);
    assert.ok(next.messages.some((m) => m.type === "heartbeat"), "the tick's heartbeats");
    leader.storage.persist(next);
    leader.node.advance(next);
  });

  await t.step("a follower refuses proposals and names the leader", () => {
    const c = elected(3);
    const r = c.get(2).node.propose(enc.encode("x"));
    assert.deepEqual(r, { ok: false, error: "notLeader", leader: 1 });
  });

  await t.step("election timeout is drawn from [electionTicks, 2*electionTicks)", () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 200; seed++) {
      const node = new RawNode({
        id: 1,
        storage: newStorage([1, 2, 3]),
        rng: new SeededRng(seed),
        electionTicks: 10,
        preVote: false,
      });
      let ticks = 0;
      while (node.status().role === "follower" && ticks < 100) {
        node.tick();
        ticks++;
      }
      assert.ok(ticks >= 10 && ticks < 20, `seed ${seed}: campaigned after ${ticks} ticks`);
      seen.add(ticks);
    }
    assert.ok(seen.size >= 8, `timeouts should spread, saw ${[...seen]}`);
  });

  await t.step("an idle follower's tick produces no Ready", () => {
    const c = elected(3);
    const f = c.get(2).node;
    for (let i = 0; i < 5; i++) f.tick();
    assert.equal(f.hasReady(), false);
    assert.equal(f.status().electionElapsed, 5);
  });

  await t.step("ReadIndex on the leader and through a follower (thesis §6.4)", () => {
    const c = elected(3);
    assert.deepEqual(c.get(1).node.readIndex(7), { ok: true });
    assert.deepEqual(c.get(3).node.readIndex(8), { ok: true });
    const seen: string[] = [];
    for (let round = 0; round < 20; round++) {
      for (const id of [1, 2, 3]) {
        const sim = c.get(id);
        if (!sim.node.hasReady()) continue;
        const rd = sim.node.ready();
        for (const rs of rd.readStates) seen.push(`${id}:${rs.context}@${rs.index}`);
        sim.storage.persist(rd);
        c.queue.push(...rd.messages);
        sim.node.advance(rd);
      }
      c.deliver([], []);
    }
    assert.deepEqual(seen.sort(), ["1:7@1", "3:8@1"]);
    assert.throws(() => c.get(1).node.readIndex(0), RangeError);
  });

  await t.step("reads wait for the leader's first commit in its term", () => {
    const c = new Cluster();
    c.quiet = true;
    for (const id of [1, 2, 3]) c.add(id, newStorage([1, 2, 3]));
    c.get(1).node.campaign();
    // Deliver votes only, so 1 leads but has not committed its no-op yet.
    c.processReady(1, []);
    c.deliver([2, 3], []);
    c.processReady(2, []);
    c.processReady(3, []);
    c.deliver([1], []);
    assert.equal(c.get(1).node.status().role, "leader");
    assert.deepEqual(c.get(1).node.readIndex(5), { ok: true });
    const rd = c.get(1).node.ready();
    assert.equal(rd.messages.some((m) => m.type === "heartbeat" && m.context === 5), false);
    c.get(1).storage.persist(rd);
    c.queue.push(...rd.messages);
    c.get(1).node.advance(rd);
    const out: string[] = [];
    c.quiet = false;
    c.stabilize([], out);
    assert.ok(out.some((l) => l.includes("ReadState ctx=5 index=1")), out.join("\n"));
  });

  await t.step("voteWithoutPersist: a restart forgets the vote and votes twice", () => {
    for (const broken of [false, true]) {
      const storage = newStorage([1, 2, 3]);
      const rng = new SeededRng(3);
      const knobs = { voteWithoutPersist: broken };
      let node = new RawNode({ id: 3, storage, rng, testingKnobs: knobs });
      const vote = (from: number): boolean => {
        node.step({
          type: "vote",
          from,
          to: 3,
          term: 1,
          lastIndex: 0,
          lastTerm: 0,
          transfer: false,
        });
        const rd = node.ready();
        storage.persist(rd);
        node.advance(rd);
        const resp = rd.messages.find((m) => m.type === "voteResponse");
        return resp !== undefined && resp.type === "voteResponse" && !resp.reject;
      };
      assert.equal(vote(1), true);
      node = new RawNode({ id: 3, storage, rng, testingKnobs: knobs }); // crash and restart
      assert.equal(vote(2), broken, broken ? "double vote in term 1" : "vote was persisted");
    }
  });

  await t.step("appendWithoutTruncate: storage keeps the stale entry the core acknowledged", () => {
    for (const broken of [false, true]) {
      const storage = newStorage([1, 2]);
      storage.append([
        { term: 1, index: 1, type: "normal", data: enc.encode("x") },
        { term: 1, index: 2, type: "normal", data: enc.encode("stale") },
      ]);
      storage.hardState = { term: 1, vote: 0, commit: 1 };
      const node = new RawNode({
        id: 2,
        storage,
        rng: new SeededRng(2),
        testingKnobs: { appendWithoutTruncate: broken },
      });
      const entries = [2, 3].map((index) => ({
        term: 2,
        index,
        type: "normal" as const,
        data: enc.encode(`new${index}`),
      }));
      node.step({
        type: "append",
        from: 1,
        to: 2,
        term: 2,
        prevIndex: 1,
        prevTerm: 1,
        entries,
        commit: 1,
      });
      const rd = node.ready();
      storage.persist(rd);
      node.advance(rd);
      const resp = rd.messages[0] as Message;
      assert.equal(resp.type === "appendResponse" && !resp.reject && resp.index, 3);
      const at2 = storage.entries(2, 3, 100);
      assert.ok(at2.ok);
      const text = new TextDecoder().decode(at2.value[0]?.data);
      assert.equal(text, broken ? "stale" : "new2");
    }
  });

  await t.step(
    "snapshot chunks: out of order answered with the expected offset; too big refused",
    () => {
      const storage = newStorage([1, 2]);
      const node = new RawNode({ id: 2, storage, rng: new SeededRng(2), maxSnapshotBytes: 6 });
      const meta = { index: 10, term: 1, confState: { voters: [1, 2], learners: [] } };
      const chunk = (offset: number, text: string, done: boolean): void =>
        node.step({
          type: "snapshotChunk",
          from: 1,
          to: 2,
          term: 1,
          meta,
          offset,
          data: enc.encode(text),
          done,
        });
      chunk(3, "def", false); // no transfer under way
      chunk(0, "abc", false);
      chunk(6, "ghi", true); // gap
      let rd = node.ready();
      const answers = rd.messages.map((m) =>
        m.type === "snapshotChunkResponse" ? `${m.nextOffset}${m.reject ? "R" : ""}` : m.type
      );
      assert.deepEqual(answers, ["0", "3", "3"]);
      storage.persist(rd);
      node.advance(rd);
      chunk(3, "defg", true); // 7 bytes > maxSnapshotBytes
      rd = node.ready();
      assert.deepEqual(rd.messages.map((m) => m.type === "snapshotChunkResponse" && m.reject), [
        true,
      ]);
      assert.equal(rd.snapshot, undefined);
      storage.persist(rd);
      node.advance(rd);
      chunk(0, "abc", false);
      chunk(3, "d", true);
      rd = node.ready();
      assert.equal(new TextDecoder().decode(rd.snapshot?.data), "abcd");
      assert.deepEqual(rd.messages.map((m) => m.type === "appendResponse" && m.index), [false, 10]);
      storage.persist(rd);
      node.advance(rd);
      assert.equal(node.status().commit, 10);
      assert.equal(storage.firstIndex(), 11);
    },
  );

  await t.step("maxUncommittedBytes refuses proposals with tooLarge", () => {
    const c = elected(3, { maxUncommittedBytes: 10 });
    c.partition([[1], [2, 3]]);
    assert.equal(c.propose(1, "12345678").ok, true);
    const r = c.propose(1, "abc");
    assert.deepEqual(r, { ok: false, error: "tooLarge", leader: 1 });
  });

  await t.step("a removed leader steps down once the change is handed out", () => {
    const c = elected(3);
    const r = c.get(1).node.proposeConfChange({ kind: "removeNode", node: 1 });
    assert.equal(r.ok, true);
    c.stabilize([], []);
    const st = c.get(1).node.status();
    assert.equal(st.role, "follower");
    assert.deepEqual(st.confState.voters, [2, 3]);
  });

  await t.step("unreadable committed entries wait for the next tick instead of spinning", () => {
    const c = elected(3);
    c.propose(1, "x");
    c.processReady(1, []);
    c.deliver([2, 3], []);
    c.processReady(2, []);
    c.processReady(3, []);
    c.deliver([1], []);
    const leader = c.get(1);
    leader.storage.unavailableRange = { lo: 2, hi: 3, terms: false };
    assert.equal(leader.node.hasReady(), true);
    const rd = leader.node.ready();
    assert.equal(rd.committedEntries.length, 0);
    leader.node.advance(rd);
    assert.equal(leader.node.hasReady(), false, "no busy loop");
    leader.storage.unavailableRange = undefined;
    leader.node.tick();
    const again = leader.node.ready();
    assert.deepEqual(again.committedEntries.map((e) => e.index), [2]);
    leader.node.advance(again);
  });

  await t.step("the outbox is bounded: excess messages are dropped and counted", () => {
    const storage = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
    const node = new RawNode({ id: 1, storage, rng: new SeededRng(1), maxOutboxMsgs: 3 });
    for (let i = 0; i < 3; i++) node.readIndex(i + 1); // no leader: refused, not queued
    // Heartbeats of one term (a term change would drop older-term messages instead).
    for (let i = 0; i < 4; i++) {
      node.step({ type: "heartbeat", from: 2, to: 1, term: 5, commit: 0, context: 0 });
    }
    assert.equal(node.status().droppedMsgs, 1);
    assert.equal(node.ready().messages.length, 3);
  });

  await t.step("a term change drops queued messages of the older term", () => {
    const storage = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
    const node = new RawNode({ id: 1, storage, rng: new SeededRng(1), preVote: false });
    node.step({ type: "heartbeat", from: 2, to: 1, term: 1, commit: 0, context: 0 });
    node.step({ type: "heartbeat", from: 3, to: 1, term: 2, commit: 0, context: 0 });
    const rd = node.ready();
    assert.deepEqual(rd.messages.map((m) => [m.to, m.term]), [[3, 2]]);
    assert.equal(rd.hardState?.term, 2);
  });
});
