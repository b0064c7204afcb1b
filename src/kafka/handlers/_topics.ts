/** Topic administration shared by the handlers: one way to build the admin, one to auto-create. */
import { TopicAdmin } from "../../cluster/topic_admin.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { OFFSETS_TOPIC } from "../../groups/mod.ts";
import type { BrokerContext } from "./context.ts";

/**
 * Kafka's internal topics: the group coordinator's offsets, and the transaction and share-group
 * state topics (neither kept here, yet still refused to clients, as Kafka refuses them).
 */
const INTERNAL_TOPICS: ReadonlySet<string> = new Set([
  OFFSETS_TOPIC,
  "__transaction_state",
  "__share_group_state",
]);

/** Topics clients may read but never create, delete, grow or produce to; Metadata flags them. */
export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}

export function topicAdmin(broker: BrokerContext): TopicAdmin {
  return new TopicAdmin(broker.meta, {
    numPartitions: broker.settings.numPartitions,
    replicationFactor: broker.settings.defaultReplicationFactor,
    maxReplicasPerBroker: broker.settings.maxPartitionsPerBroker,
  });
}

/**
 * Creates `name` with the broker's defaults (auto.create.topics.enable) and waits for its
 * partitions to open. Returns NONE when the topic exists afterwards (created here or by a racing
 * request), else the creation's error code.
 */
export async function autoCreateTopic(broker: BrokerContext, name: string): Promise<number> {
  // Internal topics are created by their owner with their own settings, never by a client.
  if (isInternalTopic(name)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const created = await topicAdmin(broker).createTopic(
    { name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] },
    false,
  );
  await broker.partitions.settled();
  if (broker.meta.tables.topic(name) !== undefined) return ErrorCode.NONE;
  return created.errorCode === ErrorCode.NONE ? ErrorCode.LEADER_NOT_AVAILABLE : created.errorCode;
}

/** Clients may read internal topics but not create, delete, grow or write them. */
export function internalTopicRefusal(name: string | null | undefined): string | undefined {
  return name !== null && name !== undefined && isInternalTopic(name)
    ? `${name} is an internal topic`
    : undefined;
}
