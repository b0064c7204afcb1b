/**
 * Chronik's entry point: parse the command line, build the node, run it, shut it down.
 *
 * @module
 */
if (import.meta.main) {
  console.log("chronik: not yet wired");
}
