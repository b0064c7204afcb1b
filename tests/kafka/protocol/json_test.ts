import assert from "node:assert/strict";
import {
  base64Decode,
  base64Encode,
  messageFromJson,
  messageToJson,
} from "../../../src/kafka/protocol/json.ts";

Deno.test("Kafka JSON form", async (t) => {
  await t.step("base64 round-trip", () => {
    const b = Uint8Array.from({ length: 300 }, (_, i) => (i * 31) & 0xff);
    assert.deepStrictEqual(base64Decode(base64Encode(b)), b);
    assert.equal(base64Encode(Uint8Array.of(1, 2, 3)), "AQID");
  });

  await t.step("only fields of the version; int64 as numbers; bytes as base64", () => {
    const value = {
      throttleTimeMs: 5,
      responses: [{
        name: "t",
        partitionResponses: [{
          index: 0,
          errorCode: 0,
          baseOffset: 10n,
          logAppendTimeMs: -1n,
          logStartOffset: 0n,
        }],
      }],
    };
    const json = messageToJson(0, 3, "response", value);
    assert.deepStrictEqual(json, {
      responses: [{
        name: "t",
        partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 10, logAppendTimeMs: -1 }],
      }],
      throttleTimeMs: 5,
    });
    const back = messageFromJson(0, 3, "response", json);
    const p = (back.responses as { partitionResponses: Record<string, unknown>[] }[])[0]!
      .partitionResponses[0]!;
    assert.equal(p.baseOffset, 10n);
    assert.equal(p.logStartOffset, -1n); // v5+: default
    assert.deepStrictEqual(p.recordErrors, []);
  });

  await t.step("int64 beyond 2^53 becomes a decimal string and survives", () => {
    const json = messageToJson(22, 0, "response", {
      throttleTimeMs: 0,
      errorCode: 0,
      producerId: 2n ** 62n,
      producerEpoch: 1,
    });
    assert.equal((json as Record<string, unknown>).producerId, String(2n ** 62n));
    assert.equal(messageFromJson(22, 0, "response", json).producerId, 2n ** 62n);
  });

  await t.step("records as base64, null kept", () => {
    const json = messageToJson(0, 9, "request", {
      transactionalId: null,
      acks: 1,
      timeoutMs: 100,
      topicData: [{
        name: "t",
        partitionData: [{ index: 0, records: Uint8Array.of(255) }, { index: 1, records: null }],
      }],
    });
    const td = (json as { topicData: { partitionData: unknown[] }[] }).topicData[0]!;
    assert.deepStrictEqual(td.partitionData, [{ index: 0, records: "/w==" }, {
      index: 1,
      records: null,
    }]);
  });
});
