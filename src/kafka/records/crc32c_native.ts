/**
 * The optional native CRC32C: `npm:@node-rs/crc32`, a Node-API module using the CPU's CRC32
 * instruction (16 GB/s on 100 KB against 1.3 GB/s for the portable code, measured here). The
 * broker verifies every produced batch's CRC, so this is most of the per-byte work of a produce
 * request.
 *
 * Loading a native module needs Deno's `--allow-ffi` for the module's directory
 * ({@link nativeCrc32cScope}); the `start` task grants exactly that. Without it, or where the
 * package has no build for the platform, or inside a bundle, the broker keeps the portable
 * implementation and says why. Nothing prompts: the permission is only queried.
 *
 * ```ts
 * const outcome = await enableNativeCrc32c();
 * // { native: true }, or { native: false, reason: "...", permitted } where `permitted` says
 * // whether --allow-ffi was granted (then the failure deserves a warning)
 * ```
 *
 * @module
 */
import { useCrc32c } from "./crc32c.ts";

/** The import-map name of the package (pinned in deno.json and deno.lock). */
const PACKAGE = "@node-rs/crc32";

/**
 * Whether the native CRC32C runs; if not, why, and whether the process was allowed to load it
 * (then its absence is worth a warning: an operator asked for it).
 */
export type NativeCrc32cOutcome =
  | { readonly native: true }
  | { readonly native: false; readonly reason: string; readonly permitted: boolean };

interface NativeModule {
  crc32c(input: Uint8Array, initialState?: number): number;
}

/**
 * The directory that holds the package and its platform builds (Deno's npm cache, e.g.
 * `~/.cache/deno/npm/registry.npmjs.org/@node-rs`): the scope of `--allow-ffi` that lets the
 * broker load it. Undefined where the package cannot be resolved (a bundle, say).
 */
export function nativeCrc32cScope(): string | undefined {
  let url: string;
  try {
    // A specifier in a variable, so a bundler leaves the package out of the bundle.
    const specifier = PACKAGE;
    url = import.meta.resolve(specifier);
  } catch {
    return undefined;
  }
  if (!url.startsWith("file:")) return undefined;
  // <scope>/crc32/<version>/index.js
  const path = decodeURIComponent(new URL(url).pathname);
  const parts = path.split("/");
  return parts.length > 4 ? parts.slice(0, -3).join("/") : undefined;
}

/**
 * The Deno flag that lets a child broker load the native CRC32C (`--allow-ffi=<scope>`), for
 * launchers (tests, bench); none where the package cannot be resolved.
 */
export function nativeCrc32cFlags(): string[] {
  const scope = nativeCrc32cScope();
  return scope === undefined ? [] : [`--allow-ffi=${scope}`];
}

/** Installs the native CRC32C when this process may load it; never prompts. */
export async function enableNativeCrc32c(): Promise<NativeCrc32cOutcome> {
  const scope = nativeCrc32cScope();
  if (scope === undefined) {
    return { native: false, reason: `${PACKAGE} cannot be resolved`, permitted: false };
  }
  const ffi = Deno.permissions.querySync({ name: "ffi", path: scope }).state;
  if (ffi !== "granted") {
    return { native: false, reason: `no --allow-ffi for ${scope}`, permitted: false };
  }
  let mod: NativeModule;
  try {
    const specifier = PACKAGE;
    mod = await import(specifier) as NativeModule;
  } catch (e) {
    // Deno fetches a package named only at run time lazily; `deno install` caches it beforehand.
    const reason = `${PACKAGE} did not load (is \`deno install\` done?): ${(e as Error).message}`;
    return { native: false, reason, permitted: true };
  }
  const native = mod.crc32c;
  if (typeof native !== "function") {
    return { native: false, reason: `${PACKAGE} has no crc32c function`, permitted: true };
  }
  const installed = useCrc32c((data, crc) => native(data, crc) >>> 0, PACKAGE);
  return installed
    ? { native: true }
    : { native: false, reason: `${PACKAGE} disagrees with the check vectors`, permitted: true };
}
