import { groupSuite } from "./_scenario.ts";

await groupSuite("java-cooperative");
