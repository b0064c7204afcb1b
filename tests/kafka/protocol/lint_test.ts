import assert from "node:assert/strict";
import { APIS } from "../../../src/kafka/protocol/apis.ts";
import { lintApi, lintApis } from "../../../src/kafka/protocol/lint.ts";
import { type ApiSpec, arr, f, struct } from "../../../src/kafka/protocol/schema.ts";

const base: ApiSpec = {
  apiKey: 900,
  name: "Test",
  minVersion: 2,
  maxVersion: 6,
  flexibleMin: 4,
  request: [],
  response: [],
};
const lint = (request: ApiSpec["request"]) => lintApi({ ...base, request });

Deno.test("table lint", async (t) => {
  await t.step("our tables are clean", () => {
    assert.deepStrictEqual(lintApis(APIS), []);
  });

  await t.step("a field outside the API's range", () => {
    assert.match(lint([f("a", "int32", "0+")]).join(), /versions 0\+ outside 2-6/);
    assert.match(lint([f("a", "int32", "2-9")]).join(), /outside/);
  });

  await t.step("a nested field outside its parent's versions", () => {
    assert.match(
      lint([arr("xs", "3+", [f("a", "int32", "2+")])]).join(),
      /Test.*xs\.a.*outside 3\+/,
    );
  });

  await t.step("duplicate tags within one struct", () => {
    const problems = lint([f("a", "int32", "4+", { tag: 0 }), f("b", "int32", "4+", { tag: 0 })]);
    assert.match(problems.join(), /tag 0 also used by a/);
    assert.deepStrictEqual(
      lint([
        f("a", "int32", "4+", { tag: 0 }),
        struct("s", "4+", [f("b", "int8", "4+", { tag: 0 })]),
      ]),
      [],
    );
  });

  await t.step("tagged fields only in flexible versions", () => {
    assert.match(lint([f("a", "int32", "3+", { tag: 0 })]).join(), /non-flexible/);
    assert.match(
      lintApi({ ...base, flexibleMin: null, request: [f("a", "int32", "2+", { tag: 1 })] }).join(),
      /non-flexible/,
    );
  });

  await t.step("nullable only where the type allows, inside the field's versions", () => {
    assert.match(lint([f("a", "int32", "2+", { nullable: "2+" })]).join(), /cannot be null/);
    assert.match(lint([f("a", "string", "4+", { nullable: "2+" })]).join(), /nullable 2\+ outside/);
    assert.deepStrictEqual(lint([f("a", "string", "2+", { nullable: "3+", default: null })]), []);
  });

  await t.step("defaults must fit the type", () => {
    assert.match(lint([f("a", "int32", "2+", { default: "x" })]).join(), /does not fit/);
    assert.match(lint([f("a", "string", "2+", { default: null })]).join(), /never nullable/);
  });

  await t.step("API ranges and duplicates", () => {
    assert.match(lintApi({ ...base, minVersion: 5, maxVersion: 3 }).join(), /bad version range/);
    assert.match(lintApi({ ...base, flexibleMin: 9 }).join(), /flexible/);
    assert.match(lintApis([base, { ...base, name: "Other" }]).join(), /duplicate api key/);
  });
});
