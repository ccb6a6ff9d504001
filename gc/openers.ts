/**
 * Who holds a volume's DRBD device open (sm's `_checkSlaves` and the coalesce routing): the debugfs
 * `openers` file, read directly on this host and through the plugin's `getDrbdOpeners` on the other
 * nodes that have a resource of the volume (a device can only be open where it exists), so that a
 * check costs one plugin call per other replica or diskless, not one per pool member.
 */
import { readOpeners } from '../lib/drbd/index.js';
import type { VdiUuid, VolumeManager } from '../lib/volume/index.js';
import { openersOf, type GcContext, type Opener } from './sr-context.js';

/**
 * Openers of the volume of `uuid` on every node that has a resource of it: this host's file is read
 * directly, the other nodes are asked in parallel (one plugin process each); the result keeps the
 * nodes' order.
 */
export async function volumeOpeners(ctx: GcContext, volumes: VolumeManager, uuid: VdiUuid): Promise<Opener[]> {
  const resource = volumes.resourceName(uuid);
  const perNode = await Promise.all(
    [...(await volumes.usageStates(uuid)).keys()].map(async (node): Promise<Opener[]> => {
      if (node.toLowerCase() === ctx.node.toLowerCase()) {
        return (await readOpeners(ctx.env.root, resource, 0)).map((o) => ({ hostRef: ctx.hostRef, hostname: ctx.node, pid: o.pid, process: o.process }));
      }
      const ref = [...ctx.hostnames].find(([, h]) => h.toLowerCase() === node.toLowerCase())?.[0];
      return ref === undefined ? [] : openersOf(ctx.xapi, [ref], resource, ctx.hostnames);
    }),
  );
  return perNode.flat();
}

/**
 * Openers of several volumes in one round (every node of every volume asked at once), by uuid in the
 * order given; volumes the manager does not have are left out. For checks that cover a VDI and its
 * parent, so that they cost one plugin-call latency, not one per volume.
 */
export async function openersOfVolumes(ctx: GcContext, volumes: VolumeManager, uuids: readonly VdiUuid[]): Promise<Map<VdiUuid, Opener[]>> {
  const present = uuids.filter((u) => volumes.has(u));
  const all = await Promise.all(present.map((u) => volumeOpeners(ctx, volumes, u)));
  return new Map(present.map((u, i) => [u, all[i] ?? []]));
}

/** Openers that are not a tapdisk (sm's `_checkSlaves` refuses those). */
export function foreign(openers: readonly Opener[]): Opener[] {
  return openers.filter((o) => o.process !== 'tapdisk');
}

/** `<host>: <pid> <process>` */
export function describeOpener(o: Opener): string {
  return `${o.hostname}: ${o.pid} ${o.process}`;
}
