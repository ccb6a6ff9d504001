/**
 * `createSr(name, description, disks, volume_group, redundancy, provisioning, force)` (spec/sm-linstor.md
 * §6): what Xen Orchestra's "new XOSTOR SR" runs on one host. Each host's disks become the volume group
 * (and its thin pool `thin_pool`) through sm's `lvm` plugin on that host; hosts without disks stay
 * diskless. Then `SR.create` on the pool master (the Python plugin looked the master up with a py2-only
 * `values()[0]`, §9). Every argument is checked before any host is touched, before even the XAPI session.
 */
import { PluginFailure } from '../../lib/smapi/plugin.js';
import type { Xapi } from '../../lib/xapi/index.js';
import { HOSTNAME, optional, required, TEXT, TRUTH, VOLUME_GROUP, type Check } from './args.js';
import type { PluginFunction } from './context.js';
import { checkPoolArgs, withPool } from './pool-session.js';
import { strtobool } from './true-false.js';

const DEVICE = /^\/dev\/[A-Za-z0-9_./:-]+$/;
export const THIN_POOL_LV = 'thin_pool';

/** `{hostname: [/dev/…, …]}`: the devices reach the lvm plugin as a comma-separated list. */
const DISKS: Check = (text) => {
  let disks: unknown;
  try {
    disks = JSON.parse(text);
  } catch {
    return 'must be JSON {hostname: [device, …]}';
  }
  if (typeof disks !== 'object' || disks === null || Array.isArray(disks)) return 'must be a JSON object {hostname: [device, …]}';
  for (const [host, list] of Object.entries(disks)) {
    if (HOSTNAME(host) !== undefined) return `must be keyed by host names, not ${JSON.stringify(host)}`;
    if (!Array.isArray(list) || !list.every((d) => typeof d === 'string' && DEVICE.test(d) && !d.includes('..'))) return `of ${host} must be a list of /dev/… paths`;
  }
  return undefined;
};

const SPEC = {
  name: required(TEXT),
  description: optional(TEXT),
  disks: required(DISKS),
  volume_group: required(VOLUME_GROUP),
  // 1 to 32, as the driver's device-config check: a larger one would pass here and fail in sr_create,
  // after every host's volume group was made.
  redundancy: required((v) => (/^[1-9]\d?$/.test(v) && Number(v) <= 32 ? undefined : 'must be a positive integer, at most 32')),
  provisioning: optional((v) => (v === 'thin' || v === 'thick' ? undefined : 'must be thin or thick')),
  force: optional(TRUTH),
};

function lvm(xapi: Xapi, host: string, fn: string, args: Record<string, string>): Promise<string> {
  return xapi.host.callPlugin(host, 'lvm', fn, args);
}

export const createSr: PluginFunction = async (ctx, args) => {
  const a = checkPoolArgs(args, SPEC);
  const [name, description, vg, redundancy] = [a.name, a.description ?? '', a.volume_group, a.redundancy];
  const disks = JSON.parse(a.disks) as Record<string, string[]>;
  const provisioning = a.provisioning ?? 'thin';
  const force = strtobool(a.force);
  return withPool(ctx, async (s) => {
    const hosts = Object.entries(await s.xapi.host.getAllRecords()).map(([ref, h]) => ({ ref, hostname: h.hostname }));
    const unknown = Object.keys(disks).filter((h) => !hosts.some((x) => x.hostname === h));
    if (unknown.length > 0) throw new PluginFailure('-1', [`unknown host(s) in disks: ${unknown.join(', ')}`]);
    const withDisks = hosts.filter((h) => (disks[h.hostname] ?? []).length > 0);
    if (withDisks.length < Number(redundancy)) throw new PluginFailure('-1', [`redundancy ${redundancy} needs disks on at least ${redundancy} hosts, got ${withDisks.length}`]);

    // Without force, no host may have the volume group already: a host meant to stay diskless would
    // become a storage host, and vgcreate would fail half-way through the hosts.
    if (!force) {
      const withoutDisksFirst = [...hosts].sort((a, b) => (disks[a.hostname]?.length ?? 0) - (disks[b.hostname]?.length ?? 0));
      for (const h of withoutDisksFirst) {
        if ((await lvm(s.xapi, h.ref, 'list_volume_groups', { vg_name: vg })) === '{}') continue;
        throw new PluginFailure('-1', [
          (disks[h.hostname] ?? []).length === 0
            ? `Volume group should not exist on ${h.hostname}, it must be removed before (or use force)`
            : `Volume group ${vg} already exists on ${h.hostname} (use force to recreate it)`,
        ]);
      }
    }
    for (const h of hosts) {
      if (force) {
        try {
          await lvm(s.xapi, h.ref, 'destroy_volume_group', { vg_name: vg, force: 'True' });
        } catch (error) {
          if ((await lvm(s.xapi, h.ref, 'list_volume_groups', { vg_name: vg })) !== '{}') throw error;
        }
      }
    }
    for (const h of withDisks) {
      const devices = disks[h.hostname]!.join(',');
      await lvm(s.xapi, h.ref, 'create_physical_volume', { devices, force: force ? 'True' : 'False' });
      await lvm(s.xapi, h.ref, 'create_volume_group', { vg_name: vg, devices });
      if (provisioning === 'thin') await lvm(s.xapi, h.ref, 'create_thin_pool', { vg_name: vg, lv_name: THIN_POOL_LV });
    }
    const master = String(await s.xapi.pool.get((await s.xapi.pool.getAll())[0]!, 'master'));
    const deviceConfig = {
      'group-name': provisioning === 'thin' ? `${vg}/${THIN_POOL_LV}` : vg,
      redundancy,
      provisioning,
      // Python's str(bool), as the Python plugin writes it.
      'monitor-db-quorum': hosts.length > 2 ? 'True' : 'False',
    };
    const sr = await s.xapi.sr.create({ host: master, deviceConfig, nameLabel: name, nameDescription: description, type: 'linstor', shared: true });
    return s.xapi.sr.getUuid(sr);
  });
};
