import assert from "node:assert/strict";
import {
  ErrorCode,
  errorInfo,
  errorName,
  ERRORS,
  isRetriable,
} from "../../../src/kafka/protocol/errors.ts";

Deno.test("error codes", async (t) => {
  await t.step("codes the broker relies on", () => {
    assert.equal(ErrorCode.NONE, 0);
    assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
    assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
    assert.equal(ErrorCode.NOT_ENOUGH_REPLICAS, 19);
    assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
    assert.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100);
  });

  await t.step("retriable flags", () => {
    assert.ok(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER));
    assert.ok(isRetriable(ErrorCode.NOT_ENOUGH_REPLICAS));
    assert.ok(isRetriable(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));
    assert.ok(!isRetriable(ErrorCode.OFFSET_OUT_OF_RANGE));
    assert.ok(!isRetriable(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
    assert.ok(!isRetriable(ErrorCode.NONE));
    assert.ok(!isRetriable(9999));
  });

  await t.step("the table is dense, sorted and unique, and maps both ways", () => {
    assert.equal(ERRORS[0]!.code, -1);
    for (let i = 1; i < ERRORS.length; i++) assert.equal(ERRORS[i]!.code, ERRORS[i - 1]!.code + 1);
    for (const e of ERRORS) {
      assert.deepStrictEqual(errorInfo(e.code), e);
      assert.equal(ErrorCode[e.name as keyof typeof ErrorCode], e.code);
    }
    assert.equal(errorInfo(9999), undefined);
    assert.equal(errorName(9999), "UNKNOWN_ERROR_9999");
    assert.equal(errorName(3), "UNKNOWN_TOPIC_OR_PARTITION");
  });
});
