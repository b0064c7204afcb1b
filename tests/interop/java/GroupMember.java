// Java client consumer-group member for tests/interop/groups: one KafkaConsumer in a group,
// driven over stdin/stdout with JSON lines (protocol in tests/interop/groups/mod.ts). It commits
// synchronously after every poll and reports assignments, records and commits. Offsets whose
// commit failed (e.g. refused during a rebalance) stay pending and are committed again on the next
// poll while the partition is still held: a cooperative rebalance keeps the partition and its
// fetch position, so nothing else would ever commit them.
//
// Usage: java -cp 'java-lib/*:classes' GroupMember --bootstrap H:P --topic T --group G
//   --session-timeout-ms MS [--instance-id ID] [--timeout-ms MS] [--assignor NAME]

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class GroupMember {
  private static final ConcurrentLinkedQueue<String> commands = new ConcurrentLinkedQueue<>();
  private static final TreeSet<Integer> assigned = new TreeSet<>();
  /** Next offsets consumed but not yet committed, by partition. */
  private static final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) args.put(argv[i], argv[i + 1]);
    String topic = args.get("--topic");
    long deadline = System.currentTimeMillis() + Long.parseLong(args.getOrDefault("--timeout-ms", "300000"));
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args.get("--bootstrap"));
    props.put(ConsumerConfig.GROUP_ID_CONFIG, args.get("--group"));
    props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, args.get("--session-timeout-ms"));
    props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "interop-java-" + args.getOrDefault("--name", "member"));
    if (args.containsKey("--assignor")) {
      // e.g. "cooperative-sticky": incremental rebalances (KIP-429).
      String assignor = args.get("--assignor").equals("cooperative-sticky")
          ? "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
          : args.get("--assignor");
      props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor);
    }
    if (args.containsKey("--instance-id")) {
      props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, args.get("--instance-id"));
    }
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) commands.add(line);
      } catch (Exception e) {
        // stdin gone: treated as close below.
      }
      commands.add("{\"cmd\":\"close\"}");
    });
    reader.setDaemon(true);
    reader.start();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> parts) {
          if (parts.isEmpty()) return;
          // Last chance to commit what was read from them; the next owner starts from there.
          Map<TopicPartition, OffsetAndMetadata> last = new HashMap<>();
          for (TopicPartition tp : parts) {
            OffsetAndMetadata o = pending.remove(tp);
            if (o != null) last.put(tp, o);
          }
          commit(consumer, last);
          for (TopicPartition tp : parts) assigned.remove(tp.partition());
          emit("{\"event\":\"revoked\",\"partitions\":" + partitions(parts) + "}");
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> parts) {
          for (TopicPartition tp : parts) assigned.add(tp.partition());
          emit("{\"event\":\"assignment\",\"partitions\":" + assigned + ",\"generation\":"
              + consumer.groupMetadata().generationId() + "}");
        }
      });
      while (System.currentTimeMillis() < deadline) {
        String cmd = commands.poll();
        if (cmd != null && cmd.contains("\"close\"")) break;
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
        if (!records.isEmpty()) {
          StringBuilder line = new StringBuilder("{\"event\":\"consumed\",\"records\":[");
          boolean first = true;
          for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
            line.append(first ? "" : ",").append('[').append(r.partition()).append(',')
                .append(r.offset()).append(',').append(index(key)).append(']');
            first = false;
            pending.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          }
          emit(line.append("]}").toString());
        }
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : pending.entrySet()) {
          if (assigned.contains(e.getKey().partition())) next.put(e.getKey(), e.getValue());
        }
        if (commit(consumer, next)) {
          for (Map.Entry<TopicPartition, OffsetAndMetadata> e : next.entrySet()) {
            pending.remove(e.getKey(), e.getValue());
          }
        }
      }
      consumer.close(Duration.ofSeconds(15));
      emit("{\"event\":\"closed\"}");
    } catch (Exception e) {
      emit("{\"event\":\"error\",\"message\":" + quote(e.toString()) + "}");
      System.exit(1);
    }
    System.exit(0);
  }

  /** Commits `next` (nothing to do when empty) and reports the outcome; true on success. */
  static boolean commit(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, OffsetAndMetadata> next) {
    if (next.isEmpty()) return true;
    try {
      consumer.commitSync(next, Duration.ofSeconds(15));
    } catch (Exception e) {
      emit("{\"event\":\"commit_failed\",\"message\":" + quote(e.toString()) + "}");
      return false;
    }
    StringBuilder c = new StringBuilder("{\"event\":\"committed\",\"offsets\":[");
    boolean first = true;
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : next.entrySet()) {
      c.append(first ? "" : ",").append('[').append(e.getKey().partition()).append(',')
          .append(e.getValue().offset()).append(']');
      first = false;
    }
    emit(c.append("]}").toString());
    return true;
  }

  static int index(String key) {
    return key.startsWith("key-") ? Integer.parseInt(key.substring(4)) : -1;
  }

  static String partitions(Collection<TopicPartition> parts) {
    List<Integer> ids = new ArrayList<>();
    for (TopicPartition tp : parts) ids.add(tp.partition());
    ids.sort(null);
    return ids.toString();
  }

  static synchronized void emit(String line) {
    System.out.println(line);
    System.out.flush();
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
