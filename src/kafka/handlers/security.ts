/**
 * ACLs (DescribeAcls, CreateAcls, DeleteAcls), client quotas (DescribeClientQuotas) and SCRAM
 * users (DescribeUserScramCredentials), answered as one Apache Kafka 4.x broker answers them when
 * it has no authorizer, no client quotas and no SCRAM credentials: Chronik has none of the three.
 * Operator tools (`kafka-acls.sh --list`, `kafka-configs.sh --describe --entity-type clients|users`)
 * and admin UIs call these APIs and fail against a broker that does not advertise them; each answer
 * here is the one Kafka sends in that state, never a made-up success.
 *
 * - ACLs: SECURITY_DISABLED with Kafka's message, for the request (DescribeAcls) or for each
 *   creation or filter (kafka `AclApis`, no authorizer). Kafka refuses to parse a filter or
 *   creation with an UNKNOWN (0) pattern type, resource type, operation or permission type and
 *   closes the connection (the `*AclsRequest` constructors; `RequestChannel.Request` parses the
 *   body in the network thread); so does Chronik.
 * - Client quotas: no entries, once the filter passes the checks of Kafka's `ClientQuotasImage
 *   .describe` (empty, repeated or unknown entity types, match strings that do not fit the match
 *   type, an IP component with a user or client-id one); a filter that fails gets that error and
 *   message with null entries (`DescribeClientQuotasRequest.getErrorResponse`).
 * - SCRAM users: none, so null or no names list nobody; each name asked for is RESOURCE_NOT_FOUND
 *   and a name asked for twice DUPLICATE_RESOURCE (Kafka's `ScramImage.describe`), each name once
 *   where it was first asked for (Kafka's order is a hash map's, which promises none).
 *
 * With no authorizer every principal may call all of them, so there is no authorization error.
 *
 * @module
 */
import { ErrorCode } from "../protocol/errors.ts";
import { CloseConnection } from "../server/types.ts";
import { defineHandler } from "./_util.ts";

/** `AclApis` with no authorizer: DescribeAcls' message, then Create/DeleteAcls'. */
const NO_AUTHORIZER_DESCRIBE = "No Authorizer is configured on the broker";
const NO_AUTHORIZER = "No Authorizer is configured.";

/** The UNKNOWN value of Kafka's PatternType, ResourceType, AclOperation and AclPermissionType. */
const ACL_UNKNOWN = 0;

interface AclFilter {
  readonly resourceTypeFilter: number;
  readonly patternTypeFilter: number;
  readonly operation: number;
  readonly permissionType: number;
}

interface AclCreation {
  readonly resourceType: number;
  readonly resourcePatternType: number;
  readonly operation: number;
  readonly permissionType: number;
}

/**
 * Whether Kafka's request parser rejects a filter or creation with these resource type, pattern
 * type, operation and permission type. It compares the raw codes with UNKNOWN's, so a code it has
 * no name for (say 99) passes and meets SECURITY_DISABLED.
 */
function hasUnknownElement(...codes: number[]): boolean {
  return codes.includes(ACL_UNKNOWN);
}

function unknownFilter(f: AclFilter): boolean {
  return hasUnknownElement(
    f.resourceTypeFilter,
    f.patternTypeFilter,
    f.operation,
    f.permissionType,
  );
}

export const describeAclsHandler = defineHandler<AclFilter>((_broker, { body }) => {
  if (unknownFilter(body)) {
    return new CloseConnection("DescribeAcls filter contains UNKNOWN elements");
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.SECURITY_DISABLED,
    errorMessage: NO_AUTHORIZER_DESCRIBE,
    resources: [],
  };
});

export const createAclsHandler = defineHandler<{ creations: readonly AclCreation[] }>(
  (_broker, { body }) => {
    const unknown = body.creations.some((c) =>
      hasUnknownElement(c.resourceType, c.resourcePatternType, c.operation, c.permissionType)
    );
    if (unknown) return new CloseConnection("CreateAcls creations contain UNKNOWN elements");
    return {
      throttleTimeMs: 0,
      results: body.creations.map(() => ({
        errorCode: ErrorCode.SECURITY_DISABLED,
        errorMessage: NO_AUTHORIZER,
      })),
    };
  },
);

export const deleteAclsHandler = defineHandler<{ filters: readonly AclFilter[] }>(
  (_broker, { body }) => {
    if (body.filters.some(unknownFilter)) {
      return new CloseConnection("DeleteAcls filters contain UNKNOWN elements");
    }
    return {
      throttleTimeMs: 0,
      filterResults: body.filters.map(() => ({
        errorCode: ErrorCode.SECURITY_DISABLED,
        errorMessage: NO_AUTHORIZER,
        matchingAcls: [],
      })),
    };
  },
);

/** `DescribeClientQuotasRequest`'s match types. */
const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;
/** The entity types Kafka keeps quotas for (`ClientQuotaEntity`). */
const QUOTA_ENTITY_TYPES = new Set(["user", "client-id", "ip"]);

interface QuotaComponent {
  readonly entityType: string;
  readonly matchType: number;
  readonly match: string | null;
}

interface DescribeClientQuotasRequest {
  readonly components: readonly QuotaComponent[];
  readonly strict: boolean;
}

type Refusal = { readonly errorCode: number; readonly message: string };

export const describeClientQuotasHandler = defineHandler<DescribeClientQuotasRequest>(
  (_broker, { body }) => {
    const refusal = quotaFilterRefusal(body.components);
    return {
      throttleTimeMs: 0,
      errorCode: refusal?.errorCode ?? ErrorCode.NONE,
      // Kafka leaves the message at its generated default on success: "", not null.
      errorMessage: refusal?.message ?? "",
      // No quotas exist: nothing matches any valid filter, strict or not.
      entries: refusal === undefined ? [] : null,
    };
  },
);

/**
 * Why Kafka refuses the filter, checked component by component in request order as
 * `ClientQuotasImage.describe` does (the first failure wins), then the IP combination.
 */
function quotaFilterRefusal(components: readonly QuotaComponent[]): Refusal | undefined {
  const invalid = (message: string) => ({ errorCode: ErrorCode.INVALID_REQUEST, message });
  const seen = new Set<string>();
  for (const { entityType, matchType, match } of components) {
    if (entityType === "") return invalid("Invalid empty entity type.");
    if (seen.has(entityType)) {
      return invalid(`Entity type ${entityType} cannot appear more than once in the filter.`);
    }
    if (!QUOTA_ENTITY_TYPES.has(entityType)) {
      return {
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        message: `Unsupported entity type ${entityType}`,
      };
    }
    switch (matchType) {
      case MATCH_EXACT:
        if (match === null) {
          return invalid("Request specified MATCH_TYPE_EXACT, but set match string to null.");
        }
        break;
      case MATCH_DEFAULT:
        if (match !== null) {
          return invalid(
            "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.",
          );
        }
        break;
      case MATCH_SPECIFIED:
        if (match !== null) {
          return invalid(
            "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.",
          );
        }
        break;
      default:
        return invalid(`Unknown match type ${matchType}`);
    }
    seen.add(entityType);
  }
  if (seen.has("ip") && (seen.has("user") || seen.has("client-id"))) {
    return invalid(
      "Invalid entity filter component combination. IP filter component should not be used " +
        "with user or clientId filter component.",
    );
  }
  return undefined;
}

interface DescribeUserScramCredentialsRequest {
  readonly users: readonly { readonly name: string }[] | null;
}

export const describeUserScramCredentialsHandler = defineHandler<
  DescribeUserScramCredentialsRequest
>((_broker, { body }) => {
  // Null or empty asks for every user: there are none.
  const counts = new Map<string, number>();
  for (const { name } of body.users ?? []) counts.set(name, (counts.get(name) ?? 0) + 1);
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: "", // as Kafka's: the generated default, not null
    // Kafka answers in the order of a hash map of the names, which promises none; here each name
    // comes once, in the order it was first asked for.
    results: [...counts.keys()].map((user) =>
      counts.get(user)! > 1
        ? {
          user,
          errorCode: ErrorCode.DUPLICATE_RESOURCE,
          errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single ` +
            `request: ${user}`,
          credentialInfos: [],
        }
        : {
          user,
          errorCode: ErrorCode.RESOURCE_NOT_FOUND,
          errorMessage: `Attempt to describe a user credential that does not exist: ${user}`,
          credentialInfos: [],
        }
    ),
  };
});
