/**
 * Who holds a DRBD device open on this host: the kernel's debugfs `openers` file of a resource's
 * volume, one `<process name> <pid> <ms since open>` line per opener. The collector reads it for this
 * host and the linstor-manager plugin for the other hosts, so both must read it the same way.
 */
import { readFile } from 'node:fs/promises';
import { hostPath } from '../host/env.js';

/** One line of an `openers` file, the fields as the file spells them. */
export type DrbdOpener = { readonly process: string; readonly pid: string; readonly duration: string };

/** The dom0 path of the `openers` file of `resource`'s volume `volume`. */
export function openersFile(resource: string, volume: string | number): string {
  return `/sys/kernel/debug/drbd/resources/${resource}/volumes/${volume}/openers`;
}

/** The openers listed in `text`; a line without all three fields is skipped, fields past the third ignored. */
export function parseOpeners(text: string): DrbdOpener[] {
  const out: DrbdOpener[] = [];
  for (const line of text.split('\n')) {
    const [process, pid, duration] = line.trim().split(/\s+/);
    if (process && pid && duration) out.push({ process, pid, duration });
  }
  return out;
}

/**
 * The openers of `resource`'s volume `volume` on this host (`root` maps dom0 paths). DRBD removes the
 * file with the device, so a missing file means no opener here; any other read error is thrown.
 */
export async function readOpeners(root: string, resource: string, volume: string | number): Promise<DrbdOpener[]> {
  try {
    return parseOpeners(await readFile(hostPath(root, openersFile(resource, volume)), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
