/**
 * Whole-machine CPU time from `/proc/stat`, so a run can say how busy both cores were and how much
 * time the hypervisor took away from this virtual machine (steal) while it ran.
 */

/** `getconf CLK_TCK` on Linux x86-64 and arm64: the unit of `/proc/stat` and `/proc/<pid>/stat`. */
export const CLOCK_TICKS_PER_SEC = 100;

/** Cumulative ticks over all CPUs since boot. */
export interface CpuTimes {
  readonly busy: number;
  readonly idle: number;
  readonly steal: number;
}

/** What the machine's CPUs did between two readings. */
export interface MachineShare {
  /** CPU seconds spent running anything (user, system, interrupts) per wall second. */
  readonly busyCores: number;
  /** Share of all CPU time the hypervisor gave to other guests (0..1). */
  readonly stealShare: number;
}

/** Reads the aggregate `cpu` line: user nice system idle iowait irq softirq steal ... */
export async function cpuTimes(): Promise<CpuTimes> {
  const stat = await Deno.readTextFile("/proc/stat");
  const line = stat.split("\n").find((l) => l.startsWith("cpu "));
  const t = (line ?? "").trim().split(/\s+/).slice(1, 9).map(Number);
  if (t.length < 8 || t.some((n) => !Number.isFinite(n))) {
    throw new Error(`unreadable /proc/stat cpu line: ${line}`);
  }
  const [user, nice, system, idle, iowait, irq, softirq, steal] = t as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
}

export function machineShare(before: CpuTimes, after: CpuTimes, wallSec: number): MachineShare {
  const busy = after.busy - before.busy;
  const steal = after.steal - before.steal;
  const total = busy + steal + (after.idle - before.idle);
  return {
    busyCores: busy / CLOCK_TICKS_PER_SEC / wallSec,
    stealShare: total > 0 ? steal / total : 0,
  };
}

/** User + system CPU seconds a process has used so far (`/proc/<pid>/stat`, fields 14 and 15). */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the parenthesised command name, which may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`unreadable /proc/${pid}/stat: ${stat}`);
  return ticks / CLOCK_TICKS_PER_SEC;
}
