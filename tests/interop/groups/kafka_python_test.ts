import { groupSuite } from "./_scenario.ts";

await groupSuite("kafka-python");
