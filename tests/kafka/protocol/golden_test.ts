// Golden fixtures: bytes produced by Apache Kafka's own message classes (tools/golden/) for every
// advertised version of every API, both directions. Our decoder must read them back to the sample
// value, and our encoder must reproduce them byte for byte. No Java needed here.
import assert from "node:assert/strict";
import { APIS } from "../../../src/kafka/protocol/apis.ts";
import { decodeMessage, encodeMessage } from "../../../src/kafka/protocol/codec.ts";
import { type Json, messageFromJson } from "../../../src/kafka/protocol/json.ts";

interface Fixture {
  apiKey: number;
  apiName: string;
  version: number;
  direction: "request" | "response";
  value: Json;
  hex: string;
}

const dir = new URL("../../testdata/kafka/golden/", import.meta.url);

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

async function load(file: string): Promise<Fixture> {
  return JSON.parse(await Deno.readTextFile(new URL(file, dir))) as Fixture;
}

Deno.test("golden fixtures", async (t) => {
  for (const api of APIS) {
    await t.step(api.name, async (t) => {
      for (let version = api.minVersion; version <= api.maxVersion; version++) {
        for (const direction of ["request", "response"] as const) {
          const file = `${snake(api.name)}_v${version}_${direction}.json`;
          await t.step(`v${version} ${direction}`, async () => {
            const fx = await load(file);
            assert.equal(fx.apiKey, api.apiKey);
            assert.equal(fx.version, version);
            const expected = messageFromJson(api.apiKey, version, direction, fx.value);
            const bytes = fromHex(fx.hex);
            const decoded = decodeMessage(api.apiKey, version, direction, bytes);
            assert.deepStrictEqual(decoded, expected);
            const encoded = encodeMessage(api.apiKey, version, direction, expected);
            assert.equal(toHex(encoded), fx.hex);
          });
        }
      }
    });
  }
});

Deno.test("golden fixtures: no stray files", async () => {
  const expected = new Set<string>();
  for (const api of APIS) {
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      expected.add(`${snake(api.name)}_v${v}_request.json`);
      expected.add(`${snake(api.name)}_v${v}_response.json`);
    }
  }
  const present: string[] = [];
  for await (const e of Deno.readDir(dir)) present.push(e.name);
  assert.deepStrictEqual(present.sort(), [...expected].sort());
});
