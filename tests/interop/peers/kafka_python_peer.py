"""kafka-python interop peer: create topic, produce, read back in assign mode (no group).

Run with Debian's /usr/bin/python3 (python3-kafka; snappy/lz4/zstd through python3-snappy,
python3-lz4, python3-zstandard). kafka-python 2.0.2 has no idempotent producer, so
`--idempotent true` is refused. Prints one JSON verdict line; exit 0 only on an exact read-back.
"""

import json
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from _records import parse_args, record, report

CLIENT = "kafka-python"
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def create_topic(args):
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, request_timeout_ms=30_000)
    try:
        admin.create_topics([NewTopic(args.topic, num_partitions=1, replication_factor=1)],
                            timeout_ms=30_000)
    finally:
        admin.close()


def produce(args, deadline):
    producer = KafkaProducer(
        bootstrap_servers=args.bootstrap,
        compression_type=None if args.compression == "none" else args.compression,
        acks="all",
        linger_ms=5,
        max_in_flight_requests_per_connection=1,
        buffer_memory=64 * 1024 * 1024,
    )
    futures = []
    try:
        for i in range(args.count):
            key, value, headers = record(i)
            futures.append(producer.send(args.topic, key=key, value=value, headers=headers,
                                         partition=0))
        producer.flush(timeout=max(1.0, deadline - time.monotonic()))
        delivered, error = 0, None
        for future in futures:
            if future.succeeded():
                delivered += 1
            elif error is None:
                error = f"produce: {future.exception!r}" if future.is_done else "produce: timed out"
        return delivered, error
    finally:
        producer.close(timeout=10)


def consume(args, deadline):
    consumer = KafkaConsumer(
        bootstrap_servers=args.bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    seen = []
    try:
        tp = TopicPartition(args.topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        extra_polls = 1
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=500, max_records=1000)
            for msg in batch.get(tp, []):
                seen.append((msg.offset, msg.key, msg.value, list(msg.headers or [])))
            if len(seen) >= args.count:
                if extra_polls == 0:
                    break
                extra_polls -= 1
    finally:
        consumer.close()
    return seen


def main():
    args = parse_args(CLIENT, CODECS)
    deadline = time.monotonic() + args.timeout_ms / 1000
    produced, seen, error = 0, [], None
    try:
        if args.idempotent:
            raise ValueError("kafka-python 2.0.2 has no idempotent producer")
        create_topic(args)
        if args.create_only:
            print(json.dumps({"client": CLIENT, "topic": args.topic, "created": True}), flush=True)
            return
        produced, error = produce(args, deadline)
        if error is None:
            seen = consume(args, deadline)
    except Exception as exc:  # the verdict line names any failure
        error = f"{type(exc).__name__}: {exc}"
    report(CLIENT, args, produced, seen, error)


if __name__ == "__main__":
    main()
