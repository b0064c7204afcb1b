// Turns sample message values (Kafka JSON form) into wire bytes with Apache Kafka's own generated
// message classes, independently of Chronik's codec. Input: JSON lines of
// {"apiName", "version", "direction", "value"}; output: one line per input, "HEX <hex>" or "ERROR ...".
// Run: java -cp "$LIB/*" tools/golden/Golden.java samples.jsonl hex.txt

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.InvocationTargetException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

public class Golden {
  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      if (line.isBlank()) continue;
      JsonNode sample = mapper.readTree(line);
      String direction = sample.get("direction").asText();
      String cls = "org.apache.kafka.common.message." + sample.get("apiName").asText()
          + (direction.equals("request") ? "Request" : "Response") + "Data";
      short version = (short) sample.get("version").asInt();
      try {
        Class<?> converter = Class.forName(cls + "JsonConverter");
        Message message = (Message) converter.getMethod("read", JsonNode.class, short.class)
            .invoke(null, sample.get("value"), version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buf = ByteBuffer.allocate(message.size(cache, version));
        message.write(new ByteBufferAccessor(buf), cache, version);
        out.add("HEX " + hex(buf.array()));
      } catch (InvocationTargetException e) {
        out.add(("ERROR " + e.getCause()).replace('\n', ' '));
      } catch (Exception e) {
        out.add(("ERROR " + e).replace('\n', ' '));
      }
    }
    Files.write(Path.of(args[1]), out);
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) sb.append(String.format("%02x", b & 0xff));
    return sb.toString();
  }
}
