/**
 * Every API the codec speaks has its own metric label, Kafka's name in snake case, so no served
 * API is counted as "unknown".
 */
import assert from "node:assert/strict";
import { APIS } from "../../src/kafka/protocol/apis.ts";
import { apiLabel } from "../../src/observability/_api_names.ts";

Deno.test("every API the codec speaks has its snake-case name as metric label", () => {
  for (const api of APIS) {
    const snake = api.name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
    assert.equal(apiLabel(api.apiKey), snake, `api ${api.apiKey}`);
  }
  assert.equal(apiLabel(1_000), "unknown");
});
