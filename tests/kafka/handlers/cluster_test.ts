/**
 * DescribeCluster's endpoint types (KIP-919), answered as a Kafka broker answers them: brokers are
 * described, controllers are the wrong endpoint, any other type is unknown.
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { type Any, withBroker } from "./_harness.ts";

const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

Deno.test("DescribeCluster answers only broker endpoints, as a Kafka broker does", async () => {
  await withBroker(async (h) => {
    const describe = async (endpointType: number) =>
      await h.call(ApiKey.DescribeCluster, 1, {
        includeClusterAuthorizedOperations: true,
        endpointType,
      }) as Any;

    const brokers = await describe(1);
    assert.equal(brokers.errorCode, ErrorCode.NONE);
    assert.equal(brokers.endpointType, 1);
    assert.equal(brokers.brokers.length, 1);

    // Controllers exist but are not described here: the client asked the wrong endpoint.
    const controllers = await describe(2);
    assert.equal(controllers.errorCode, ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    for (const unknown of [0, 3, -1]) {
      const res = await describe(unknown);
      assert.equal(res.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `endpoint type ${unknown}`);
    }
    // Kafka's error answer leaves every other field at its default.
    assert.deepEqual(
      {
        endpointType: controllers.endpointType,
        clusterId: controllers.clusterId,
        controllerId: controllers.controllerId,
        brokers: controllers.brokers,
        clusterAuthorizedOperations: controllers.clusterAuthorizedOperations,
      },
      {
        endpointType: 1,
        clusterId: "",
        controllerId: -1,
        brokers: [],
        clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      },
    );
    assert.equal(typeof controllers.errorMessage, "string");
  });
});
