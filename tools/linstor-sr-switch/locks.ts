/**
 * Who holds an SR lock on this host right now: a driver verb holds `/var/lock/sm/<sr>/sr`, a
 * collector `gc_active` (and `running` while it works). Swapping the driver under them would let
 * the other implementation start on the same SR mid-operation, so `enable`/`disable` refuse then.
 *
 * sm's locks are fcntl locks (ours too, through the lock helper): the kernel lists every held one in
 * /proc/locks by device and inode, which tells "held" without taking the lock — taking it, even for
 * a moment, would make a verb that starts then wait or fail.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { hostPath } from '../../lib/host/env.js';

/** sm's lock files that mean an SR is busy (spec/blktap2.md §3). */
const SR_LOCKS = ['sr', 'gc_active', 'running'] as const;

/** One held SR lock. */
export type HeldLock = { readonly sr: string; readonly lock: string; readonly pid: number; readonly command: string };

/** A lock in /proc/locks: device major:minor (hex) and inode, and the holder. Waiters (`->`) hold nothing. */
type KernelLock = { readonly key: string; readonly pid: number };

/** Parses /proc/locks (`1: POSIX  ADVISORY  WRITE 1234 fd:01:5678 0 EOF`). */
export function parseProcLocks(text: string): KernelLock[] {
  const out: KernelLock[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(?!->)\S+\s+\S+\s+\S+\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (!m) continue;
    out.push({ key: `${parseInt(m[2]!, 16)}:${parseInt(m[3]!, 16)}:${m[4]}`, pid: Number(m[1]) });
  }
  return out;
}

/** glibc's dev_t encoding, as stat gives it, split into the major and minor /proc/locks prints. */
function deviceKey(dev: bigint, ino: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}:${ino}`;
}

async function commandOf(pid: number): Promise<string> {
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    return argv.map((a) => path.basename(a)).slice(0, 3).join(' ') || '?';
  } catch {
    return '?'; // it ended meanwhile, or another namespace hides it: the pid is what counts
  }
}

/** Every SR lock held on the host under `root`. */
export async function heldSrLocks(root: string, procLocks = '/proc/locks'): Promise<HeldLock[]> {
  const dir = hostPath(root, '/var/lock/sm');
  let srs: string[];
  try {
    srs = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = new Map<string, { sr: string; lock: string }>();
  await Promise.all(
    srs.flatMap((sr) =>
      SR_LOCKS.map(async (lock) => {
        try {
          const st = await stat(path.join(dir, sr, lock), { bigint: true });
          files.set(deviceKey(st.dev, st.ino), { sr, lock });
        } catch {
          // No such lock file: nobody ever took that lock on this SR here.
        }
      }),
    ),
  );
  if (files.size === 0) return [];
  const held: HeldLock[] = [];
  for (const k of parseProcLocks(await readFile(procLocks, 'utf8'))) {
    const file = files.get(k.key);
    if (file) held.push({ ...file, pid: k.pid, command: await commandOf(k.pid) });
  }
  return held.sort((a, b) => a.sr.localeCompare(b.sr) || a.lock.localeCompare(b.lock));
}
