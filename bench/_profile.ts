/**
 * Reads a V8 `.cpuprofile` (Deno's `--cpu-prof`) and ranks where the broker spent its samples:
 * by function (self time) and by source file, with idle and GC shown as their own rows.
 */

const MAX_PROFILE_BYTES = 512 * 1024 * 1024;

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
}

export interface ProfileRow {
  readonly name: string;
  readonly share: number;
}

export interface ProfileSummary {
  readonly path: string;
  readonly samples: number;
  /** Share of samples not idle: how busy the main thread was. */
  readonly busyShare: number;
  readonly byFunction: readonly ProfileRow[];
  readonly byFile: readonly ProfileRow[];
}

function shortUrl(url: string, repo: string): string {
  if (url === "") return "(native)";
  const path = url.startsWith("file://") ? new URL(url).pathname : url;
  if (path.startsWith(repo)) return path.slice(repo.length);
  const npm = path.match(/\/npm\/[^/]+\/(.+)$/);
  return npm?.[1] ?? path;
}

function top(map: Map<string, number>, total: number, count: number): ProfileRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, hits]) => ({ name, share: hits / total }));
}

/** The newest `.cpuprofile` in `dir`, or undefined. */
export async function newestProfile(dir: string): Promise<string | undefined> {
  let best: { path: string; mtimeMs: number } | undefined;
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".cpuprofile")) continue;
    const path = `${dir}/${entry.name}`;
    const mtimeMs = (await Deno.stat(path)).mtime?.getTime() ?? 0;
    if (best === undefined || mtimeMs > best.mtimeMs) best = { path, mtimeMs };
  }
  return best?.path;
}

/** Ranks the `count` heaviest functions and files of the profile at `path`. */
export async function summarizeProfile(
  path: string,
  repo: string,
  count = 15,
): Promise<ProfileSummary> {
  const size = (await Deno.stat(path)).size;
  if (size > MAX_PROFILE_BYTES) throw new Error(`${path} is ${size} bytes, over the limit`);
  const profile = JSON.parse(await Deno.readTextFile(path)) as { nodes: ProfileNode[] };
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") idle += hits;
    const file = shortUrl(url, repo);
    const name = url === ""
      ? functionName || "(anonymous)"
      : `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    const fileKey = url === "" ? functionName || "(native)" : file;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + hits);
  }
  if (total === 0) throw new Error(`${path} holds no samples`);
  return {
    path,
    samples: total,
    busyShare: (total - idle) / total,
    byFunction: top(byFunction, total, count),
    byFile: top(byFile, total, count),
  };
}
