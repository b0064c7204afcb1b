/**
 * ApiVersions v3+ client software names (KIP-511): a malformed name or version is refused with
 * INVALID_REQUEST as Kafka refuses it, and every client our interop tests run is accepted.
 */
import assert from "node:assert/strict";
import { validClientSoftware } from "../../../src/kafka/handlers/api_versions.ts";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { type Any, withBroker } from "./_harness.ts";

/** What the interop clients send as (name, version) in ApiVersions v3+. */
const INTEROP_CLIENTS: [string, string][] = [
  ["apache-kafka-java", "4.3.1"], // kafka-clients 4.3.1
  ["kgo", "v1.22.2"], // franz-go, its module version
  ["kgo", "unknown"], // franz-go without build info
  ["librdkafka", "2.0.2"], // kcat 1.7.1 on librdkafka 2.0.2 (defaults)
  ["confluent-kafka-python", "1.7.0-rdkafka-2.0.2"],
  ["platformatic-kafka", "2.12.1"],
  // kafkajs 2.2.4 and kafka-python 2.0.2 send ApiVersions v0-v2 only: nothing to check.
];

Deno.test("every interop client's software name and version is accepted", () => {
  for (const [name, version] of INTEROP_CLIENTS) {
    const body = { clientSoftwareName: name, clientSoftwareVersion: version };
    assert.ok(validClientSoftware(3, body), `${name} ${version}`);
  }
});

Deno.test("a malformed client software name or version is INVALID_REQUEST", async () => {
  await withBroker(async (h) => {
    const send = async (version: number, name: string, softwareVersion: string) =>
      await h.call(ApiKey.ApiVersions, version, {
        clientSoftwareName: name,
        clientSoftwareVersion: softwareVersion,
      }) as Any;

    for (const [name, version] of [["t", "1"], ["a.b-c", "1.0-rc1"]]) {
      const ok = await send(3, name!, version!);
      assert.equal(ok.errorCode, ErrorCode.NONE, `${name} ${version}`);
      assert.ok(ok.apiKeys.length > 0);
    }
    const malformed = [
      ["", "1"], // empty
      ["a", ""],
      ["-a", "1"], // must start with a letter or digit
      ["a", "1."], // and end with one
      ["my client", "1"], // no spaces
      ["a_b", "1"], // nor underscores
      ["a", "1+build"],
      ["caf\u00e9", "1"], // ASCII only
    ];
    for (const [name, version] of malformed) {
      for (const apiVersion of [3, 4]) {
        const res = await send(apiVersion, name!, version!);
        const label = `v${apiVersion} "${name}" "${version}"`;
        // Kafka's error answer: no API list, no features.
        assert.equal(res.errorCode, ErrorCode.INVALID_REQUEST, label);
        assert.deepEqual(res.apiKeys, [], label);
        assert.equal(res.throttleTimeMs, 0, label);
        assert.deepEqual(res.supportedFeatures, [], label);
        assert.deepEqual(res.finalizedFeatures, [], label);
      }
    }
    // v0-v2 carry no software name: nothing to validate.
    const old = await h.call(ApiKey.ApiVersions, 2, {}) as Any;
    assert.equal(old.errorCode, ErrorCode.NONE);
  });
});
