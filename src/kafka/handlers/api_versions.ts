/**
 * ApiVersions: the APIs this node serves and their version ranges. Only APIs with a handler are
 * advertised, so a client never negotiates an API the node would refuse.
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

export function apiVersionsHandler(handledKeys: () => Iterable<number>) {
  return defineHandler<Record<string, never>>(() => ({
    errorCode: ErrorCode.NONE,
    apiKeys: advertisedApis(handledKeys()),
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  }));
}
