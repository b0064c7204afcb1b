import assert from "node:assert/strict";
import { type NetworkOptions, SimNetwork } from "./network.ts";
import { SimRng } from "./rng.ts";

interface Packet {
  readonly from: number;
  readonly to: number;
  readonly n: number;
}

const clean: NetworkOptions = {
  dropProbability: 0,
  duplicateProbability: 0,
  minDelayUnits: 1,
  maxDelayUnits: 5,
  reorderProbability: 0,
  reorderDelayUnits: 0,
  maxInFlightPerLink: 100,
};

function harness(options: NetworkOptions, seed = 1) {
  const scheduled: { at: number; p: Packet }[] = [];
  const faults: string[] = [];
  const net = new SimNetwork<Packet>(
    options,
    new SimRng(seed),
    (at, p) => scheduled.push({ at, p }),
    (f) => faults.push(f),
  );
  return { net, scheduled, faults };
}

Deno.test("SimNetwork", async (t) => {
  await t.step("delivers within the delay range on a clean network", () => {
    const { net, scheduled, faults } = harness(clean);
    for (let i = 0; i < 100; i++) net.send(10, { from: 1, to: 2, n: i });
    assert.equal(scheduled.length, 100);
    assert.equal(faults.length, 0);
    for (const s of scheduled) assert.ok(s.at >= 11 && s.at <= 15);
    for (const s of scheduled) assert.ok(net.arrive(s.p));
  });

  await t.step("drops, duplicates and reorders at the configured rates", () => {
    const { net, scheduled, faults } = harness({
      ...clean,
      dropProbability: 0.5,
      duplicateProbability: 0.5,
      reorderProbability: 0.5,
      reorderDelayUnits: 100,
      maxInFlightPerLink: 10_000,
    });
    for (let i = 0; i < 1000; i++) net.send(0, { from: 1, to: 2, n: i });
    const count = (f: string) => faults.filter((x) => x === f).length;
    assert.ok(count("drop") > 400 && count("drop") < 600);
    assert.ok(count("duplicate") > 150 && count("duplicate") < 350);
    assert.ok(count("reorder") > 0);
    assert.ok(scheduled.some((s) => s.at > 5), "a reordered packet is held back");
  });

  await t.step("a symmetric partition cuts both ways, an asymmetric one only one way", () => {
    const { net, scheduled } = harness(clean);
    net.partition([1], [2, 3], true);
    net.send(0, { from: 1, to: 2, n: 0 });
    net.send(0, { from: 3, to: 1, n: 1 });
    net.send(0, { from: 2, to: 3, n: 2 });
    assert.deepEqual(scheduled.map((s) => s.p.n), [2]);
    net.heal();
    net.partition([1], [2], false);
    net.send(0, { from: 1, to: 2, n: 3 });
    net.send(0, { from: 2, to: 1, n: 4 });
    assert.deepEqual(scheduled.map((s) => s.p.n), [2, 4]);
  });

  await t.step("a packet in flight is lost when its link is cut before arrival", () => {
    const { net, scheduled, faults } = harness(clean);
    net.send(0, { from: 1, to: 2, n: 0 });
    net.cut(1, 2);
    assert.equal(net.arrive(scheduled[0]!.p), false);
    assert.deepEqual(faults, ["partitionDrop"]);
  });

  await t.step("in-flight packets per link are bounded", () => {
    const { net, scheduled, faults } = harness({ ...clean, maxInFlightPerLink: 3 });
    for (let i = 0; i < 5; i++) net.send(0, { from: 1, to: 2, n: i });
    assert.equal(scheduled.length, 3);
    assert.equal(faults.filter((f) => f === "linkFull").length, 2);
    net.arrive(scheduled[0]!.p);
    net.send(0, { from: 1, to: 2, n: 9 });
    assert.equal(scheduled.length, 4);
  });
});
