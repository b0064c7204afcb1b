/**
 * ACLs, client quotas and SCRAM users as one Apache Kafka 4.x broker answers them with no
 * authorizer, no quotas and no SCRAM credentials: ACL requests get SECURITY_DISABLED (kafka
 * `AclApis`), ACL filters with an UNKNOWN element close the connection (the `*AclsRequest`
 * parsers), DescribeClientQuotas checks its filter as `ClientQuotasImage.describe` does and finds
 * nothing, DescribeUserScramCredentials finds no user (`ScramImage.describe`).
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { type Any, type Harness, withBroker } from "./_harness.ts";

// Codes of Kafka's ResourceType, PatternType, AclOperation and AclPermissionType.
const ANY = 1;
const TOPIC = 2;
const LITERAL = 3;
const READ = 3;
const ALLOW = 3;

/** A DescribeAcls / DeleteAcls filter matching everything (AclBindingFilter.ANY). */
const ANY_FILTER = {
  resourceTypeFilter: ANY,
  resourceNameFilter: null,
  patternTypeFilter: ANY,
  principalFilter: null,
  hostFilter: null,
  operation: ANY,
  permissionType: ANY,
};

/** `User:alice` may read topic `t` from anywhere. */
const CREATION = {
  resourceType: TOPIC,
  resourceName: "t",
  resourcePatternType: LITERAL,
  principal: "User:alice",
  host: "*",
  operation: READ,
  permissionType: ALLOW,
};

/** Each field an UNKNOWN (0) value makes Kafka refuse to parse, by its filter and creation names. */
const UNKNOWN_FIELDS: [filterField: string, creationField: string][] = [
  ["resourceTypeFilter", "resourceType"],
  ["patternTypeFilter", "resourcePatternType"],
  ["operation", "operation"],
  ["permissionType", "permissionType"],
];

const NO_AUTHORIZER = "No Authorizer is configured.";

async function closes(call: Promise<unknown>, label: string): Promise<void> {
  await assert.rejects(call, /connection closed: .*UNKNOWN/, label);
}

Deno.test("DescribeAcls v1-v3 is SECURITY_DISABLED with Kafka's message and no resources", async () => {
  await withBroker(async (h) => {
    // Any filter Kafka parses, codes it has no name for included, meets the missing authorizer.
    const filters = [
      ANY_FILTER,
      { ...ANY_FILTER, resourceTypeFilter: TOPIC, resourceNameFilter: "t", patternTypeFilter: 4 },
      { ...ANY_FILTER, principalFilter: "User:alice", hostFilter: "*", operation: READ },
      { ...ANY_FILTER, resourceTypeFilter: 99, operation: -5 },
    ];
    for (const version of [1, 2, 3]) {
      for (const filter of filters) {
        const res: Any = await h.call(ApiKey.DescribeAcls, version, filter);
        assert.deepEqual(res, {
          throttleTimeMs: 0,
          errorCode: ErrorCode.SECURITY_DISABLED,
          errorMessage: "No Authorizer is configured on the broker",
          resources: [],
        }, `v${version} ${JSON.stringify(filter)}`);
      }
    }
  });
});

Deno.test("CreateAcls v1-v3 refuses each creation SECURITY_DISABLED", async () => {
  await withBroker(async (h) => {
    for (const version of [1, 2, 3]) {
      const creations = [CREATION, { ...CREATION, resourceType: 99, resourceName: "" }];
      const res: Any = await h.call(ApiKey.CreateAcls, version, { creations });
      const refused = { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER };
      assert.deepEqual(res, { throttleTimeMs: 0, results: [refused, refused] }, `v${version}`);

      const none: Any = await h.call(ApiKey.CreateAcls, version, { creations: [] });
      assert.deepEqual(none, { throttleTimeMs: 0, results: [] }, `v${version} none`);
    }
  });
});

Deno.test("DeleteAcls v1-v3 refuses each filter SECURITY_DISABLED, matching nothing", async () => {
  await withBroker(async (h) => {
    for (const version of [1, 2, 3]) {
      const filters = [ANY_FILTER, { ...ANY_FILTER, resourceTypeFilter: TOPIC }, ANY_FILTER];
      const res: Any = await h.call(ApiKey.DeleteAcls, version, { filters });
      const refused = {
        errorCode: ErrorCode.SECURITY_DISABLED,
        errorMessage: NO_AUTHORIZER,
        matchingAcls: [],
      };
      assert.deepEqual(
        res,
        { throttleTimeMs: 0, filterResults: [refused, refused, refused] },
        `v${version}`,
      );

      const none: Any = await h.call(ApiKey.DeleteAcls, version, { filters: [] });
      assert.deepEqual(none, { throttleTimeMs: 0, filterResults: [] }, `v${version} none`);
    }
  });
});

Deno.test("an ACL filter or creation with an UNKNOWN element closes the connection", async () => {
  // Kafka's request parser throws, and the network thread closes the connection.
  await withBroker(async (h: Harness) => {
    for (const [filterField, creationField] of UNKNOWN_FIELDS) {
      for (const version of [1, 2, 3]) {
        const label = `v${version} ${filterField}`;
        const filter = { ...ANY_FILTER, [filterField]: 0 };
        await closes(h.call(ApiKey.DescribeAcls, version, filter), `DescribeAcls ${label}`);
        // One bad filter or creation among good ones is enough.
        await closes(
          h.call(ApiKey.DeleteAcls, version, { filters: [ANY_FILTER, filter] }),
          `DeleteAcls ${label}`,
        );
        const creation = { ...CREATION, [creationField]: 0 };
        await closes(
          h.call(ApiKey.CreateAcls, version, { creations: [CREATION, creation] }),
          `CreateAcls ${label}`,
        );
      }
    }
    // The broker still answers good requests afterwards.
    const res: Any = await h.call(ApiKey.DescribeAcls, 3, ANY_FILTER);
    assert.equal(res.errorCode, ErrorCode.SECURITY_DISABLED);
  });
});

type Component = { entityType: string; matchType: number; match: string | null };

const EXACT = 0;
const DEFAULT = 1;
const SPECIFIED = 2;

async function describeQuotas(
  h: Harness,
  version: number,
  components: Component[],
  strict = false,
): Promise<Any> {
  return await h.call(ApiKey.DescribeClientQuotas, version, { components, strict });
}

Deno.test("DescribeClientQuotas v0-v1 finds no quotas for any valid filter", async () => {
  await withBroker(async (h) => {
    const filters: Component[][] = [
      [], // every entity
      // kafka-configs.sh --describe --entity-type clients / users (no name)
      [{ entityType: "client-id", matchType: SPECIFIED, match: null }],
      [{ entityType: "user", matchType: SPECIFIED, match: null }],
      // --entity-type users --entity-name alice --entity-type clients --entity-default
      [
        { entityType: "user", matchType: EXACT, match: "alice" },
        { entityType: "client-id", matchType: DEFAULT, match: null },
      ],
      [{ entityType: "ip", matchType: EXACT, match: "10.0.0.1" }],
      [{ entityType: "user", matchType: EXACT, match: "" }], // an empty name is a name
    ];
    for (const version of [0, 1]) {
      for (const components of filters) {
        for (const strict of [false, true]) {
          const res = await describeQuotas(h, version, components, strict);
          assert.deepEqual(res, {
            throttleTimeMs: 0,
            errorCode: ErrorCode.NONE,
            // Kafka's generated default, not null: what Kafka 4.3.1 was seen to send.
            errorMessage: "",
            entries: [],
          }, `v${version} strict=${strict} ${JSON.stringify(components)}`);
        }
      }
    }
  });
});

Deno.test("DescribeClientQuotas refuses a bad filter as Kafka does, with null entries", async () => {
  const user = (matchType: number, match: string | null) => ({
    entityType: "user",
    matchType,
    match,
  });
  const cases: [Component[], number, string][] = [
    [
      [{ entityType: "", matchType: SPECIFIED, match: null }],
      ErrorCode.INVALID_REQUEST,
      "Invalid empty entity type.",
    ],
    [
      [user(SPECIFIED, null), user(EXACT, "a")],
      ErrorCode.INVALID_REQUEST,
      "Entity type user cannot appear more than once in the filter.",
    ],
    [
      [{ entityType: "group", matchType: SPECIFIED, match: null }],
      ErrorCode.UNSUPPORTED_VERSION,
      "Unsupported entity type group",
    ],
    [
      [user(EXACT, null)],
      ErrorCode.INVALID_REQUEST,
      "Request specified MATCH_TYPE_EXACT, but set match string to null.",
    ],
    [
      [user(DEFAULT, "a")],
      ErrorCode.INVALID_REQUEST,
      "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.",
    ],
    [
      [user(SPECIFIED, "a")],
      ErrorCode.INVALID_REQUEST,
      "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.",
    ],
    [[user(3, null)], ErrorCode.INVALID_REQUEST, "Unknown match type 3"],
    [[user(-1, "a")], ErrorCode.INVALID_REQUEST, "Unknown match type -1"],
    [
      [{ entityType: "ip", matchType: SPECIFIED, match: null }, user(DEFAULT, null)],
      ErrorCode.INVALID_REQUEST,
      "Invalid entity filter component combination. IP filter component should not be used " +
      "with user or clientId filter component.",
    ],
    [
      [
        { entityType: "client-id", matchType: EXACT, match: "c" },
        { entityType: "ip", matchType: DEFAULT, match: null },
      ],
      ErrorCode.INVALID_REQUEST,
      "Invalid entity filter component combination. IP filter component should not be used " +
      "with user or clientId filter component.",
    ],
    // The first bad component decides, in request order; the combination is checked last.
    [
      [{ entityType: "group", matchType: 9, match: null }, user(EXACT, null)],
      ErrorCode.UNSUPPORTED_VERSION,
      "Unsupported entity type group",
    ],
    [
      [user(EXACT, null), { entityType: "group", matchType: SPECIFIED, match: null }],
      ErrorCode.INVALID_REQUEST,
      "Request specified MATCH_TYPE_EXACT, but set match string to null.",
    ],
    [
      [
        { entityType: "ip", matchType: SPECIFIED, match: null },
        user(SPECIFIED, null),
        { entityType: "ip", matchType: EXACT, match: "h" },
      ],
      ErrorCode.INVALID_REQUEST,
      "Entity type ip cannot appear more than once in the filter.",
    ],
  ];
  await withBroker(async (h) => {
    for (const version of [0, 1]) {
      for (const [components, errorCode, errorMessage] of cases) {
        for (const strict of [false, true]) {
          const res = await describeQuotas(h, version, components, strict);
          assert.deepEqual(
            res,
            { throttleTimeMs: 0, errorCode, errorMessage, entries: null },
            `v${version} strict=${strict} ${JSON.stringify(components)}`,
          );
        }
      }
    }
  });
});

async function describeScram(h: Harness, users: string[] | null): Promise<Any> {
  const body = { users: users === null ? null : users.map((name) => ({ name })) };
  const res: Any = await h.call(ApiKey.DescribeUserScramCredentials, 0, body);
  assert.equal(res.throttleTimeMs, 0);
  assert.equal(res.errorCode, ErrorCode.NONE);
  assert.equal(res.errorMessage, ""); // as Kafka 4.3.1 sends it: the generated default
  return res.results;
}

const notFound = (user: string) => ({
  user,
  errorCode: ErrorCode.RESOURCE_NOT_FOUND,
  errorMessage: `Attempt to describe a user credential that does not exist: ${user}`,
  credentialInfos: [],
});

const duplicate = (user: string) => ({
  user,
  errorCode: ErrorCode.DUPLICATE_RESOURCE,
  errorMessage:
    `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`,
  credentialInfos: [],
});

Deno.test("DescribeUserScramCredentials lists no users when asked for all", async () => {
  await withBroker(async (h) => {
    assert.deepEqual(await describeScram(h, null), []);
    assert.deepEqual(await describeScram(h, []), []);
  });
});

Deno.test("DescribeUserScramCredentials: a named user does not exist, a repeated one is a duplicate", async () => {
  await withBroker(async (h) => {
    assert.deepEqual(await describeScram(h, ["alice"]), [notFound("alice")]);
    assert.deepEqual(await describeScram(h, [""]), [notFound("")]);
    // Each name once, however often it was asked for.
    assert.deepEqual(await describeScram(h, ["bob", "bob", "bob"]), [duplicate("bob")]);
    // Each name once, where it was first asked for.
    assert.deepEqual(await describeScram(h, ["carol", "alice", "bob", "alice"]), [
      notFound("carol"),
      duplicate("alice"),
      notFound("bob"),
    ]);
  });
});
