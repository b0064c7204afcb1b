/** ManualClock: timers fire in deadline order, only inside advance, and cancel for good. */
import assert from "node:assert/strict";
import { ManualClock } from "../../src/groups/mod.ts";

Deno.test("ManualClock fires due timers in order and skips cancelled ones", () => {
  const clock = new ManualClock(1000);
  const fired: string[] = [];
  clock.setTimer(30, () => fired.push(`b@${clock.nowMs()}`));
  clock.setTimer(10, () => {
    fired.push(`a@${clock.nowMs()}`);
    clock.setTimer(5, () => fired.push(`a2@${clock.nowMs()}`));
  });
  const c = clock.setTimer(20, () => fired.push("c"));
  c.cancel();
  clock.advance(15);
  assert.deepEqual(fired, ["a@1010", "a2@1015"]);
  assert.equal(clock.nowMs(), 1015);
  clock.advance(100);
  assert.deepEqual(fired, ["a@1010", "a2@1015", "b@1030"]);
  assert.equal(clock.pendingTimers, 0);
  assert.throws(() => clock.advance(-1), RangeError);
});
