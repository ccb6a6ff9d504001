/**
 * Which processes belong to a pool that `xostor-sim up` runs, so that `down` ends those and nothing else.
 * A path tells nothing (another pool's directory may share its prefix, and the caller of `down` may run
 * in the pool's directory or name it in its argv), so membership is recorded instead:
 *   - `up` draws a random pool id, writes it to `<dir>/xostor-sim.pool-id` and puts it in the environment
 *     of every process the pool runs (XOSTOR_SIM_POOL); their children inherit it, detached ones
 *     included (the collector a driver starts, the daemons a tool starts), so they are found after
 *     their parent has exited;
 *   - the processes below `up` itself are found by walking the process tree from its pid.
 * The caller of `down` and its ancestors are never members. Each pid is kept with its start time, so a
 * pid reused by another process meanwhile is not signalled.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';

/** The environment variable carrying the pool id. */
export const POOL_ID_VAR = 'XOSTOR_SIM_POOL';

/** A new pool id. */
export const newPoolId = (): string => randomUUID();

/** A process as /proc shows it: its parent and its start time (clock ticks after boot). */
type ProcStat = { readonly ppid: number; readonly startTime: string };

/** Parses /proc/<pid>/stat; undefined when the process is gone. The command name may hold spaces and parentheses. */
async function procStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields from the state on: state 3, ppid 4, …, starttime 22.
    const ppid = Number(fields[1]);
    const startTime = fields[19];
    return Number.isInteger(ppid) && startTime !== undefined ? { ppid, startTime } : undefined;
  } catch {
    return undefined;
  }
}

/** `pid` and every process above it, up to init. */
export async function selfAndAncestors(pid: number): Promise<Set<number>> {
  const out = new Set<number>();
  for (let p = pid; p > 0 && !out.has(p); ) {
    out.add(p);
    p = (await procStat(p))?.ppid ?? 0;
  }
  return out;
}

/** Pid → start time of the members of the pool `poolId` (and of the tree under `upPid`), `spare` left out. */
export async function poolMembers(options: { poolId: string | undefined; upPid: number | undefined; spare: ReadonlySet<number> }): Promise<Map<number, string>> {
  const stats = new Map<number, ProcStat>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = await procStat(pid);
    if (stat) stats.set(pid, stat);
  }
  const members = new Map<number, string>();
  const marker = options.poolId === undefined ? undefined : `${POOL_ID_VAR}=${options.poolId}`;
  for (const [pid, stat] of stats) {
    if (options.spare.has(pid)) continue;
    if (marker !== undefined && (await environment(pid)).includes(marker)) members.set(pid, stat.startTime);
    else if (options.upPid !== undefined && descendsFrom(pid, options.upPid, stats)) members.set(pid, stat.startTime);
  }
  return members;
}

function descendsFrom(pid: number, ancestor: number, stats: ReadonlyMap<number, ProcStat>): boolean {
  const seen = new Set<number>();
  for (let p = stats.get(pid)?.ppid; p !== undefined && p > 0 && !seen.has(p); p = stats.get(p)?.ppid) {
    if (p === ancestor) return true;
    seen.add(p);
  }
  return false;
}

/** The entries of a process's environment (none when it is gone or not ours to read). */
async function environment(pid: number): Promise<string[]> {
  try {
    return (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
  } catch {
    return [];
  }
}

/** SIGKILLs each member that is still the process it was when found. */
export async function killMembers(members: ReadonlyMap<number, string>): Promise<void> {
  for (const [pid, startTime] of members) {
    if ((await procStat(pid))?.startTime !== startTime) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // it ended meanwhile
    }
  }
}
