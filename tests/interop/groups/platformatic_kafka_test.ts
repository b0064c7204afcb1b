import { groupSuite } from "./_scenario.ts";

await groupSuite("platformatic-kafka");
