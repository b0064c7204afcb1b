// Property tests of the interpreter: random values per API/version round-trip, and the decoder
// meets truncated, mutated and random bytes with ProtocolError only, never anything else.
import assert from "node:assert/strict";
import { APIS } from "../../../src/kafka/protocol/apis.ts";
import {
  decodeMessage,
  defaultValue,
  encodeMessage,
  isDefaultValue,
  messagePlan,
} from "../../../src/kafka/protocol/codec.ts";
import { messageFromJson, messageToJson } from "../../../src/kafka/protocol/json.ts";
import { ProtocolError } from "../../../src/kafka/protocol/reader.ts";
import { f, struct } from "../../../src/kafka/protocol/schema.ts";
import { WriterLimitError } from "../../../src/kafka/protocol/writer.ts";
import { rng, sampleMessage } from "./_sample.ts";

const SEEDS = 6;
const DIRECTIONS = ["request", "response"] as const;

function* cases() {
  for (const api of APIS) {
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      for (const d of DIRECTIONS) yield { api, v, d };
    }
  }
}

function onlyProtocolErrors(run: () => unknown, what: string): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof ProtocolError)) {
      throw new Error(`${what}: threw ${e instanceof Error ? e.name : typeof e}: ${e}`);
    }
  }
}

Deno.test("codec", async (t) => {
  await t.step("random values round-trip at every version, both directions", () => {
    for (const { api, v, d } of cases()) {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const value = sampleMessage(api.apiKey, v, d, seed * 7919 + v);
        const bytes = encodeMessage(api.apiKey, v, d, value);
        const decoded = decodeMessage(api.apiKey, v, d, bytes);
        // Normalise the sample: defaults for everything it left out, as decoding does.
        const expected = messageFromJson(api.apiKey, v, d, messageToJson(api.apiKey, v, d, value));
        assert.deepStrictEqual(decoded, expected, `${api.name} v${v} ${d} seed ${seed}`);
        assert.deepStrictEqual(encodeMessage(api.apiKey, v, d, decoded), bytes);
      }
    }
  });

  await t.step("every truncation of a valid message is a ProtocolError", () => {
    for (const { api, v, d } of cases()) {
      const bytes = encodeMessage(api.apiKey, v, d, sampleMessage(api.apiKey, v, d, v + 1));
      for (let n = 0; n < bytes.length; n++) {
        assert.throws(
          () => decodeMessage(api.apiKey, v, d, bytes.subarray(0, n)),
          ProtocolError,
          `${api.name} v${v} ${d} cut at ${n}`,
        );
      }
    }
  });

  await t.step("mutated and random bytes: ProtocolError or a value, nothing else", () => {
    const next = rng(42);
    for (const { api, v, d } of cases()) {
      const bytes = encodeMessage(api.apiKey, v, d, sampleMessage(api.apiKey, v, d, v + 2));
      for (let i = 0; i < 40; i++) {
        const m = bytes.slice();
        const flips = 1 + Math.floor(next() * 3);
        for (let k = 0; k < flips && m.length > 0; k++) {
          m[Math.floor(next() * m.length)] = Math.floor(next() * 256);
        }
        onlyProtocolErrors(() => decodeMessage(api.apiKey, v, d, m), `${api.name} v${v} ${d}`);
      }
      for (let i = 0; i < 10; i++) {
        const junk = new Uint8Array(Math.floor(next() * 64));
        for (let k = 0; k < junk.length; k++) junk[k] = Math.floor(next() * 256);
        onlyProtocolErrors(() => decodeMessage(api.apiKey, v, d, junk), `${api.name} v${v} ${d}`);
      }
    }
  });

  await t.step("a huge array count in a tiny frame is refused without allocating", () => {
    // Metadata v1 request: topics array count 0x7fffffff, no elements.
    const bytes = Uint8Array.of(0x7f, 0xff, 0xff, 0xff);
    assert.throws(() => decodeMessage(3, 1, "request", bytes), ProtocolError);
  });

  await t.step("trailing bytes are refused", () => {
    const bytes = encodeMessage(12, 0, "response", { errorCode: 0 });
    assert.throws(
      () => decodeMessage(12, 0, "response", Uint8Array.of(...bytes, 0)),
      ProtocolError,
    );
  });

  await t.step(
    "missing properties are written as defaults; absent fields decode to defaults",
    () => {
      const bytes = encodeMessage(1, 4, "request", { maxWaitMs: 500, minBytes: 1, topics: [] });
      const req = decodeMessage(1, 4, "request", bytes);
      assert.equal(req.replicaId, -1);
      assert.equal(req.maxBytes, 0x7fffffff);
      assert.equal(req.sessionEpoch, -1); // v7+ only: the default
      assert.equal(req.clusterId, null); // tagged, v12+ only
      assert.deepEqual(req.forgottenTopicsData, []);
    },
  );

  await t.step("tagged fields are written only when not default, and read back", () => {
    const base = { maxWaitMs: 1, minBytes: 1, topics: [], rackId: "" };
    const plain = encodeMessage(1, 15, "request", base);
    const withDefaultState = encodeMessage(1, 15, "request", {
      ...base,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
    });
    assert.deepStrictEqual(withDefaultState, plain);
    const tagged = encodeMessage(1, 15, "request", {
      ...base,
      clusterId: "c1",
      replicaState: { replicaId: 3, replicaEpoch: 9n },
    });
    assert.ok(tagged.length > plain.length);
    const back = decodeMessage(1, 15, "request", tagged);
    assert.equal(back.clusterId, "c1");
    assert.deepStrictEqual(back.replicaState, { replicaId: 3, replicaEpoch: 9n });
  });

  await t.step("unknown tagged fields are skipped", () => {
    // ApiVersions v3 request: two compact strings, then a tag section with unknown tag 9.
    const bytes = Uint8Array.of(0x02, 0x61, 0x02, 0x62, 0x01, 0x09, 0x02, 0xaa, 0xbb);
    const req = decodeMessage(18, 3, "request", bytes);
    assert.deepStrictEqual(req, { clientSoftwareName: "a", clientSoftwareVersion: "b" });
  });

  await t.step("a wrongly typed value is a TypeError naming the field", () => {
    assert.throws(
      () => encodeMessage(12, 0, "response", { errorCode: "x" }),
      (e: unknown) => e instanceof TypeError && e.message.includes("errorCode"),
    );
    assert.throws(
      () => encodeMessage(12, 0, "response", { errorCode: 70000 }),
      TypeError,
    );
    assert.throws(
      () => encodeMessage(0, 3, "request", { transactionalId: null, topicData: [{ name: null }] }),
      (e: unknown) => e instanceof TypeError && e.message.includes("name"),
    );
  });

  await t.step("encoding is bounded by maxBytes", () => {
    const records = new Uint8Array(4096);
    const value = {
      acks: -1,
      timeoutMs: 1,
      topicData: [{ name: "t", partitionData: [{ index: 0, records }] }],
    };
    assert.throws(
      () => encodeMessage(0, 9, "request", value, { maxBytes: 1024 }),
      WriterLimitError,
    );
  });

  await t.step("plans are compiled once and reused", () => {
    assert.equal(messagePlan(0, 9, "request"), messagePlan(0, 9, "request"));
    assert.notEqual(messagePlan(0, 9, "request"), messagePlan(0, 9, "response"));
    assert.throws(() => messagePlan(0, 2, "request"), RangeError);
    assert.throws(() => messagePlan(999, 0, "request"), RangeError);
  });

  await t.step("defaults and default detection follow the field type", () => {
    const s = struct("s", "0+", [f("a", "int32", "0+", { default: -1 }), f("b", "int64", "0+")]);
    assert.deepStrictEqual(defaultValue(s), { a: -1, b: 0n });
    assert.ok(isDefaultValue(s, { a: -1 }));
    assert.ok(!isDefaultValue(s, { a: 2 }));
    assert.ok(isDefaultValue(f("x", "int64", "0+", { default: -1 }), -1n));
    assert.ok(isDefaultValue(f("x", "[]int32", "0+"), []));
    assert.ok(!isDefaultValue(f("x", "string", "0+", { nullable: "0+", default: null }), ""));
  });
});
