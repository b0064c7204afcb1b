// Java client interop peer, producer half: creates the topic with the Admin client, then produces
// records 0..count-1 (the shared rule in docs/interop.md) with the given codec and idempotence.
// Kafka's ConsoleConsumer reads them back (see peers/java_peer.ts). Before that, the Admin client
// describes the brokers' log dirs (DescribeLogDirs, as kafka-log-dirs.sh does): partition 0 must
// have a size above 0 and its log dir a known volume size. Prints one JSON line.
//
// Usage: java -cp 'java-lib/*:classes' ProducerPeer BOOTSTRAP TOPIC COUNT CODEC IDEMPOTENT TIMEOUT_MS

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class ProducerPeer {
  public static void main(String[] args) {
    if (args.length != 6) {
      System.err.println("usage: ProducerPeer BOOTSTRAP TOPIC COUNT CODEC IDEMPOTENT TIMEOUT_MS");
      System.exit(2);
    }
    String bootstrap = args[0];
    String topic = args[1];
    int count = Integer.parseInt(args[2]);
    String codec = args[3];
    boolean idempotent = Boolean.parseBoolean(args[4]);
    long deadline = System.currentTimeMillis() + Long.parseLong(args[5]);
    int produced = 0;
    long partitionBytes = -1;
    String error = null;
    try {
      createTopic(bootstrap, topic, deadline);
      produced = produce(bootstrap, topic, count, codec, idempotent, deadline);
      partitionBytes = partitionBytes(bootstrap, topic, deadline);
    } catch (Exception e) {
      error = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    System.out.println("{\"client\":\"java\",\"produced\":" + produced
        + ",\"partitionBytes\":" + partitionBytes + ",\"error\":"
        + (error == null ? "null" : quote(error)) + "}");
    System.exit(error == null ? 0 : 1);
  }

  static void createTopic(String bootstrap, String topic, long deadline) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all()
          .get(remaining(deadline), TimeUnit.MILLISECONDS);
    }
  }

  static int produce(String bootstrap, String topic, int count, String codec, boolean idempotent,
      long deadline) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(idempotent));
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    if (!idempotent) props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    List<Future<RecordMetadata>> futures = new ArrayList<>(count);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < count; i++) {
        ProducerRecord<byte[], byte[]> record =
            new ProducerRecord<>(topic, 0, bytes(key(i)), bytes(value(i)));
        record.headers().add(new RecordHeader("idx", bytes(Integer.toString(i))));
        record.headers().add(new RecordHeader("mod13", bytes("h-" + (i % 13))));
        futures.add(producer.send(record));
      }
      producer.flush();
      int delivered = 0;
      for (Future<RecordMetadata> f : futures) {
        f.get(remaining(deadline), TimeUnit.MILLISECONDS);
        delivered++;
      }
      return delivered;
    }
  }

  /**
   * The size of partition 0 as the brokers' log dirs report it. Throws unless it is above 0 (the
   * records were produced), its log dir has no error and the dir's volume size is known.
   */
  static long partitionBytes(String bootstrap, String topic, long deadline) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    TopicPartition partition = new TopicPartition(topic, 0);
    try (Admin admin = Admin.create(props)) {
      List<Integer> brokers = new ArrayList<>();
      for (Node node : admin.describeCluster().nodes()
          .get(remaining(deadline), TimeUnit.MILLISECONDS)) {
        brokers.add(node.id());
      }
      Map<Integer, Map<String, LogDirDescription>> byBroker = admin.describeLogDirs(brokers)
          .allDescriptions().get(remaining(deadline), TimeUnit.MILLISECONDS);
      for (Map<String, LogDirDescription> dirs : byBroker.values()) {
        for (Map.Entry<String, LogDirDescription> dir : dirs.entrySet()) {
          ReplicaInfo replica = dir.getValue().replicaInfos().get(partition);
          if (replica == null) continue;
          String where = partition + " in log dir " + dir.getKey();
          if (dir.getValue().error() != null) {
            throw new IllegalStateException(where + ": " + dir.getValue().error());
          }
          if (replica.size() <= 0) {
            throw new IllegalStateException(where + " has size " + replica.size());
          }
          if (dir.getValue().totalBytes().orElse(-1) <= 0) {
            throw new IllegalStateException(where + ": volume size unknown");
          }
          return replica.size();
        }
      }
      throw new IllegalStateException(partition + " is in no log dir: " + byBroker);
    }
  }

  static String key(int i) {
    return String.format("key-%06d", i);
  }

  static String value(int i) {
    return "value-" + i + "-" + "abcdefghij".repeat(1 + i % 8);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static long remaining(long deadline) {
    return Math.max(1000, deadline - System.currentTimeMillis());
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }
}
