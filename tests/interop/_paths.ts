/**
 * Where the interop suite keeps things. Everything fetched or built lives under the gitignored
 * `tests/interop/.cache/`.
 *
 * @module
 */

/** `tests/interop/` */
export const INTEROP_DIR = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
/** The repository root. */
export const REPO_ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
/** Gitignored cache for jars, binaries and compiled classes. */
export const CACHE_DIR = `${INTEROP_DIR}/.cache`;
/** Java client + Kafka tools jars (from `java/pom.xml`). */
export const JAVA_LIB_DIR = `${CACHE_DIR}/java-lib`;
/** Apache Kafka broker jars (from `java/server/pom.xml`). */
export const KAFKA_LIB_DIR = `${CACHE_DIR}/kafka-lib`;
/** Compiled Java peer classes. */
export const JAVA_CLASSES_DIR = `${CACHE_DIR}/java-classes`;
/** The franz-go peer binary. */
export const FRANZ_BIN = `${CACHE_DIR}/franz_peer`;
/** Debian's python, which sees Debian's `python3-*` modules (the PATH one is pyenv's). */
export const DEBIAN_PYTHON = "/usr/bin/python3";
