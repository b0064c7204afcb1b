// Interop: franz-go against the broker chosen by CHRONIK_INTEROP_TARGET (see _suite.ts).
import { interopSuite } from "./_suite.ts";

await interopSuite("franz-go");
