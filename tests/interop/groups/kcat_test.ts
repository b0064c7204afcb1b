import { groupSuite } from "./_scenario.ts";

await groupSuite("kcat");
