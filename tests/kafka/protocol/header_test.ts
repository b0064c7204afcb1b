import assert from "node:assert/strict";
import { ApiKey, supportedApiVersions } from "../../../src/kafka/protocol/apis.ts";
import { decodeMessage } from "../../../src/kafka/protocol/codec.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import {
  apiVersionsFallbackResponse,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  SCRATCH_KEEP_BYTES,
} from "../../../src/kafka/protocol/header.ts";
import { rng } from "./_sample.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const unprefix = (frame: Uint8Array) => {
  assert.equal(new DataView(frame.buffer, frame.byteOffset).getInt32(0), frame.length - 4);
  return frame.subarray(4);
};

Deno.test("headers and frames", async (t) => {
  await t.step("request header v1 (non-flexible) and v2 (flexible) bytes", () => {
    const v1 = encodeRequest(
      { requestApiKey: 12, requestApiVersion: 0, correlationId: 7, clientId: "c" },
      { groupId: "", generationId: 0, memberId: "" },
    );
    assert.equal(hex(v1.subarray(4, 15)), "000c0000000000070001" + "63");
    const v2 = encodeRequest(
      { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: null },
      { clientSoftwareName: "x", clientSoftwareVersion: "1" },
    );
    // Client id stays a classic nullable string even in header v2, then an empty tag section.
    assert.equal(hex(v2.subarray(4, 15)), "0012000300000001ffff00");
  });

  await t.step("decodeRequest returns header and body", () => {
    const frame = unprefix(encodeRequest(
      { requestApiKey: ApiKey.Metadata, requestApiVersion: 12, correlationId: 42, clientId: "me" },
      { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true },
    ));
    const d = decodeRequest(frame);
    assert.equal(d.kind, "ok");
    if (d.kind !== "ok") return;
    assert.equal(d.api.name, "Metadata");
    assert.deepStrictEqual(d.header, {
      requestApiKey: 3,
      requestApiVersion: 12,
      correlationId: 42,
      clientId: "me",
    });
    assert.equal(d.body.topics, null);
    assert.equal(d.body.allowAutoTopicCreation, false);
  });

  await t.step("bytes after a request's body are counted, not refused, as in Kafka", () => {
    const frame = unprefix(encodeRequest(
      { requestApiKey: ApiKey.Metadata, requestApiVersion: 1, correlationId: 3, clientId: "me" },
      { topics: [{ name: "t" }] },
    ));
    const d = decodeRequest(Uint8Array.of(...frame, 1, 2, 3));
    assert.equal(d.kind, "ok");
    if (d.kind !== "ok") return;
    assert.equal(d.trailingBytes, 3);
    assert.equal((d.body.topics as { name: string }[])[0]!.name, "t");
    const exact = decodeRequest(frame);
    assert.equal(exact.kind === "ok" && exact.trailingBytes, 0);
  });

  await t.step("unknown api key and unsupported version are told apart", () => {
    const unknown = decodeRequest(Uint8Array.of(0x03, 0xe7, 0, 0, 0, 0, 0, 5, 0xff, 0xff));
    assert.equal(unknown.kind, "unknown_api_key");
    assert.equal(unknown.header?.correlationId, 5);
    const old = decodeRequest(Uint8Array.of(0, 0, 0, 2, 0, 0, 0, 6, 0, 1, 0x61));
    assert.equal(old.kind, "unsupported_version");
    assert.equal(old.header?.clientId, "a");
    if (old.kind === "unsupported_version") assert.equal(old.api.name, "Produce");
  });

  await t.step("malformed frames are reported, never thrown", () => {
    assert.deepStrictEqual(decodeRequest(Uint8Array.of(0, 1)).kind, "malformed");
    const cut = decodeRequest(Uint8Array.of(0, 12, 0, 0, 0, 0, 0, 9, 0, 1));
    assert.equal(cut.kind, "malformed");
    assert.equal(cut.header?.correlationId, 9);
    const next = rng(7);
    for (let i = 0; i < 2000; i++) {
      const junk = new Uint8Array(8 + Math.floor(next() * 40));
      for (let k = 0; k < junk.length; k++) junk[k] = Math.floor(next() * 256);
      // Point most at a real API so the body decoder is exercised.
      junk[0] = 0;
      junk[1] = [0, 1, 3, 18, 11, 19][i % 6]!;
      junk[2] = 0;
      junk[3] = Math.floor(next() * 14);
      const d = decodeRequest(junk);
      assert.ok(["ok", "malformed", "unsupported_version"].includes(d.kind));
    }
  });

  await t.step("responses: header v1 when flexible, v0 otherwise", () => {
    const flex = unprefix(
      encodeResponse(ApiKey.Heartbeat, 4, 77, { throttleTimeMs: 0, errorCode: 0 }),
    );
    assert.equal(hex(flex), "0000004d" + "00" + "00000000" + "0000" + "00");
    const old = unprefix(encodeResponse(ApiKey.Heartbeat, 0, 77, { errorCode: 16 }));
    assert.equal(hex(old), "0000004d" + "0010");
    assert.deepStrictEqual(decodeResponse(flex, ApiKey.Heartbeat, 4), {
      header: { correlationId: 77 },
      body: { throttleTimeMs: 0, errorCode: 0 },
    });
  });

  await t.step("ApiVersions responses always use header v0, even when flexible", () => {
    const body = { errorCode: 0, apiKeys: supportedApiVersions(), throttleTimeMs: 0 };
    const frame = unprefix(encodeResponse(ApiKey.ApiVersions, 3, 9, body));
    // correlation id, then straight into the body: error code 0, compact array count.
    assert.equal(
      hex(frame.subarray(0, 7)),
      "00000009" + "0000" + (supportedApiVersions().length + 1).toString(16),
    );
    assert.equal(decodeResponse(frame, ApiKey.ApiVersions, 3).body.errorCode, 0);
  });

  await t.step(
    "ApiVersions fallback: v0 body listing our versions with UNSUPPORTED_VERSION",
    () => {
      const frame = unprefix(apiVersionsFallbackResponse(11));
      const { header, body } = decodeResponse(frame, ApiKey.ApiVersions, 0);
      assert.equal(header.correlationId, 11);
      assert.equal(body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
      assert.deepStrictEqual(body.apiKeys, supportedApiVersions());
      assert.deepStrictEqual(
        decodeMessage(ApiKey.ApiVersions, 0, "response", frame.subarray(4)),
        body,
      );
    },
  );
});

Deno.test("a response encoded into given memory has the same bytes, at its start", () => {
  const body = { throttleTimeMs: 5, errorCode: 0 };
  const plain = encodeResponse(ApiKey.Heartbeat, 4, 9, body);
  const memory = new Uint8Array(64).fill(0xee);
  let asked = 0;
  const into = encodeResponse(ApiKey.Heartbeat, 4, 9, body, {
    alloc: (bytes) => {
      asked = bytes;
      return memory;
    },
  });
  assert.equal(asked, plain.length);
  assert.equal(into.buffer, memory.buffer);
  assert.equal(into.byteOffset, 0);
  assert.deepStrictEqual(into, plain);
  assert.ok(memory.subarray(plain.length).every((b) => b === 0xee), "nothing written past it");
  assert.throws(
    () => encodeResponse(ApiKey.Heartbeat, 4, 9, body, { alloc: () => new Uint8Array(3) }),
    RangeError,
  );
});

Deno.test("large frames encode the same whatever the scratch keeps between them", () => {
  const value = new Uint8Array(300_000).fill(5);
  const body = { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [] };
  const frames = [0, 64 * 1024, SCRATCH_KEEP_BYTES].flatMap((keep) => {
    // A big frame first, so the scratch has grown when the keep bound applies.
    const big = encodeRequest(
      { requestApiKey: ApiKey.Produce, requestApiVersion: 9, correlationId: 1, clientId: "t" },
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: 1,
        topicData: [{ name: "t", partitionData: [{ index: 0, records: value }] }],
      },
      { keepScratchBytes: keep },
    );
    return [big, encodeResponse(ApiKey.Fetch, 12, 2, body, { keepScratchBytes: keep })];
  });
  for (let i = 2; i < frames.length; i++) assert.deepStrictEqual(frames[i], frames[i % 2]);
  assert.equal(frames[0]!.length > 300_000, true);
});
