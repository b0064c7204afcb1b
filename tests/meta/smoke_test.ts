import assert from "node:assert/strict";

Deno.test("the test runner finds tests", () => {
  assert.equal(1 + 1, 2);
});
