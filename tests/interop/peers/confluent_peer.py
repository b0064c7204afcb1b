"""librdkafka interop peer via Python confluent_kafka: create topic, produce, read back in assign mode.

Run with Debian's /usr/bin/python3. Prints one JSON verdict line; exit 0 only when all records came
back exactly. `--create-only` just creates the topic (the kcat peer uses it: kcat has no admin API).
"""

import json
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from _records import parse_args, record, report

CLIENT = "confluent-kafka-python"
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def create_topic(args, deadline):
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    futures = admin.create_topics([NewTopic(args.topic, num_partitions=1, replication_factor=1)])
    futures[args.topic].result(timeout=max(1.0, deadline - time.monotonic()))


def produce(args, deadline):
    producer = Producer({
        "bootstrap.servers": args.bootstrap,
        "compression.type": args.compression,
        "enable.idempotence": args.idempotent,
        "acks": "all",
        "linger.ms": 5,
        "queue.buffering.max.messages": 20_000,
    })
    failures = []
    delivered = [0]

    def on_delivery(err, _msg):
        if err is not None:
            failures.append(str(err))
        else:
            delivered[0] += 1

    for i in range(args.count):
        key, value, headers = record(i)
        while True:
            try:
                producer.produce(args.topic, value=value, key=key, headers=headers, partition=0,
                                 on_delivery=on_delivery)
                break
            except BufferError:
                if time.monotonic() > deadline:
                    raise TimeoutError("producer queue stayed full")
                producer.poll(0.1)
        producer.poll(0)
    remaining = producer.flush(max(1.0, deadline - time.monotonic()))
    if remaining:
        failures.append(f"{remaining} records undelivered at the deadline")
    return delivered[0], (failures[0] if failures else None)


def consume(args, deadline):
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": "chronik-interop-unused",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
    })
    seen = []
    try:
        consumer.assign([TopicPartition(args.topic, 0, 0)])
        while len(seen) < args.count and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=1000, timeout=0.5):
                if msg.error():
                    if msg.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise RuntimeError(f"consume: {msg.error()}")
                seen.append((msg.offset(), msg.key(), msg.value(), msg.headers() or []))
        # A little more polling to catch records beyond the expected count.
        for msg in consumer.consume(num_messages=1000, timeout=0.5):
            if not msg.error():
                seen.append((msg.offset(), msg.key(), msg.value(), msg.headers() or []))
    finally:
        consumer.close()
    return seen


def main():
    args = parse_args(CLIENT, CODECS)
    deadline = time.monotonic() + args.timeout_ms / 1000
    produced, seen, error = 0, [], None
    try:
        create_topic(args, deadline)
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
