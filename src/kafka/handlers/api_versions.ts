/**
 * ApiVersions: the APIs this node serves and their version ranges. Only APIs with a handler are
 * advertised, so a client never negotiates an API the node would refuse.
 *
 * From v3 the client names its software (KIP-511). As Kafka does, a name or version that is not
 * letters, digits, '-' and '.', starting and ending with a letter or digit, is answered
 * INVALID_REQUEST with no API list.
 *
 * @module
 */
import { apiSpec } from "../protocol/apis.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { defineHandler } from "./_util.ts";

export function advertisedApis(handledKeys: Iterable<number>) {
  const out: { apiKey: number; minVersion: number; maxVersion: number }[] = [];
  for (const key of [...handledKeys].sort((a, b) => a - b)) {
    const spec = apiSpec(key);
    if (spec !== undefined) {
      out.push({ apiKey: key, minVersion: spec.minVersion, maxVersion: spec.maxVersion });
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
