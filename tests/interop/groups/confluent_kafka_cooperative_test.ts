import { groupSuite } from "./_scenario.ts";

await groupSuite("confluent-kafka-python-cooperative");
