/**
 * ApiVersions: the APIs this node serves and their version ranges. Only APIs with a handler are
 * advertised, so a client never negotiates an API the node would refuse.
 *
 * From v3 the client names its software (KIP-511). As Kafka does, a name or version that is not
 * letters, digits, '-' and '.', starting and ending with a letter or digit, is answered
 * INVALID_REQUEST with no API list.
 *
 * Produce is advertised from v0 although v0-v2 are refused (the connection is closed, as for any
 * version outside a table's range). Kafka 4 does the same (KAFKA-18659, librdkafka#4956): librdkafka
 * releases of early 2025 and before enable compression only when a broker lists Produce versions
 * below 3, and otherwise send every batch uncompressed without an error (kcat 1.7.1 with
 * librdkafka 2.0.2 did so for all four codecs). Clients negotiate the highest common version, so
 * none picks v0-v2 because of it.
 *
 * @module
 */
import { ApiKey, apiSpec } from "../protocol/apis.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { defineHandler } from "./_util.ts";

/** Kafka's `ApiKeys.PRODUCE_API_VERSIONS_RESPONSE_MIN_VERSION`; see the module note. */
const PRODUCE_ADVERTISED_MIN_VERSION = 0;

export function advertisedApis(handledKeys: Iterable<number>) {
  const out: { apiKey: number; minVersion: number; maxVersion: number }[] = [];
  for (const key of [...handledKeys].sort((a, b) => a - b)) {
    const spec = apiSpec(key);
    if (spec !== undefined) {
      const minVersion = key === ApiKey.Produce ? PRODUCE_ADVERTISED_MIN_VERSION : spec.minVersion;
      out.push({ apiKey: key, minVersion, maxVersion: spec.maxVersion });
    }
  }
  return out;
}

interface ApiVersionsRequest {
  clientSoftwareName?: string;
  clientSoftwareVersion?: string;
}

/** KIP-511's allowed client software names and versions. */
const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;

/** v0-v2 name no software; from v3 both the name and the version must be well formed. */
export function validClientSoftware(version: number, body: ApiVersionsRequest): boolean {
  if (version < 3) return true;
  return SOFTWARE_NAME_OR_VERSION.test(body.clientSoftwareName ?? "") &&
    SOFTWARE_NAME_OR_VERSION.test(body.clientSoftwareVersion ?? "");
}

export function apiVersionsHandler(handledKeys: () => Iterable<number>) {
  return defineHandler<ApiVersionsRequest>((_broker, { version, body }) => {
    const valid = validClientSoftware(version, body);
    return {
      errorCode: valid ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
      apiKeys: valid ? advertisedApis(handledKeys()) : [],
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
  });
}
