/**
 * What the API handlers may use: the node's identity, broker settings, the metadata store, the
 * local partitions, the log directory, the producer-id allocator and the group coordinator.
 * Handlers never touch the disk themselves.
 *
 * @module
 */
import type { BufferPool } from "../../buffer_pool.ts";
import type { MetaStore } from "../../cluster/meta/store.ts";
import type { PartitionRegistry } from "../../cluster/partition.ts";
import type { GroupCoordinator } from "../../groups/mod.ts";
import type { VolumeSpace } from "../../log/mod.ts";
import type { RequestHeader } from "../protocol/header.ts";
import type { CloseConnection } from "../server/types.ts";

export interface BrokerSettings {
  readonly autoCreateTopics: boolean;
  readonly numPartitions: number;
  /** The most partition replicas one broker may hold; creations beyond are refused. */
  readonly maxPartitionsPerBroker: number;
  /** The most partitions one DescribeTopicPartitions answer holds. */
  readonly maxRequestPartitionSizeLimit: number;
  readonly defaultReplicationFactor: number;
  /** Cap on a Fetch response's total bytes, whatever the client asks. */
  readonly fetchMaxBytes: number;
  /** Cap on a Fetch's long-poll wait. */
  readonly fetchMaxWaitMs: number;
  /**
   * Broker-level config values by Kafka key (`log.retention.ms`, …): the defaults of topic configs
   * and what DescribeConfigs shows for the broker.
   */
  readonly brokerConfigs: Readonly<Record<string, string>>;
  /** Keys of `brokerConfigs` an operator set (flag, variable or file). */
  readonly brokerConfigsSet: ReadonlySet<string>;
  /** Built-in values by Kafka key; a key unset by default (`log.retention.ms`) has none. */
  readonly brokerConfigDefaults: Readonly<Record<string, string>>;
}

export interface ProducerIdAllocator {
  /** A producer id never handed out before on this cluster. */
  next(): Promise<bigint>;
}

/** The one directory this node keeps its partition logs in (Kafka's `log.dirs`, of one entry). */
export interface LogDir {
  /** Its absolute path. */
  readonly path: string;
  /** Total and usable bytes of the volume it is on; `null` when unknown. */
  space(): Promise<VolumeSpace | null>;
}

export interface BrokerContext {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly advertisedHost: string;
  readonly advertisedPort: number;
  readonly rack: string | null;
  readonly settings: BrokerSettings;
  readonly meta: MetaStore;
  readonly partitions: PartitionRegistry;
  readonly logDir: LogDir;
  readonly producerIds: ProducerIdAllocator;
  /** Consumer groups and committed offsets (`src/groups/`). */
  readonly groups: GroupCoordinator;
}

/** One decoded request as a handler receives it. */
export interface HandlerRequest<T> {
  readonly header: RequestHeader;
  /** The client's address as Kafka shows it (`/host`), for DescribeGroups. */
  readonly clientHost: string;
  readonly version: number;
  readonly body: T;
  /** Pooled memory for data the response carries (Fetch); absent: allocate. */
  readonly buffers?: ResponseBuffers;
}

/**
 * A pool a handler reads response data into, and the promise to give those buffers back after the
 * dispatcher has encoded (copied) the response, or once the handler has failed.
 */
export interface ResponseBuffers {
  readonly pool: BufferPool;
  /** Gives `buffer` (from `pool`) back once the response is encoded. */
  giveAfterEncoding(buffer: Uint8Array): void;
}

/**
 * What a handler answers: a response body, `null` for no response (acks=0 produce), or a
 * {@link CloseConnection} when the client must learn of a failure it gets no response for.
 */
export type HandlerOutcome = Record<string, unknown> | null | CloseConnection;

export type Handler = (
  broker: BrokerContext,
  request: HandlerRequest<never>,
) => Promise<HandlerOutcome> | HandlerOutcome;
