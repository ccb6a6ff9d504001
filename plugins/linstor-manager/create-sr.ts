/**
 * `createSr(name, description, disks, volume_group, redundancy, provisioning, force)` (spec/sm-linstor.md
 * §6): what Xen Orchestra's "new XOSTOR SR" runs on one host. Each host's disks become the volume group
 * (and its thin pool `thin_pool`) through sm's `lvm` plugin on that host; hosts without disks stay
 * diskless. Then `SR.create` on the pool master (the Python plugin looked the master up with a py2-only
 * `values()[0]`, §9). Every argument is checked before any host is touched.
 */
import { PluginFailure } from '../../lib/smapi/plugin.js';
import type { Xapi } from '../../lib/xapi/index.js';
import type { PluginFunction } from './context.js';
import { withPool } from './pool-session.js';
import { arg, strtobool } from './true-false.js';

const VG = /^[A-Za-z0-9_.+-]{1,127}$/;
const DEVICE = /^\/dev\/[A-Za-z0-9_./:-]+$/;
export const THIN_POOL_LV = 'thin_pool';

function parseDisks(text: string): Record<string, string[]> {
  let disks: unknown;
  try {
    disks = JSON.parse(text);
  } catch {
    throw new PluginFailure('-1', [`disks must be JSON {hostname: [device, …]}, got ${JSON.stringify(text)}`]);
  }
  if (typeof disks !== 'object' || disks === null || Array.isArray(disks)) throw new PluginFailure('-1', ['disks must be a JSON object {hostname: [device, …]}']);
  const out: Record<string, string[]> = {};
  for (const [host, list] of Object.entries(disks)) {
    if (!Array.isArray(list) || !list.every((d) => typeof d === 'string' && DEVICE.test(d) && !d.includes('..'))) {
      throw new PluginFailure('-1', [`disks of ${host} must be a list of /dev/… paths`]);
    }
    out[host] = list as string[];
  }
  return out;
}

function lvm(xapi: Xapi, host: string, fn: string, args: Record<string, string>): Promise<string> {
  return xapi.host.callPlugin(host, 'lvm', fn, args);
}

export const createSr: PluginFunction = (ctx, args) =>
  withPool(ctx, async (s) => {
    const name = arg(args, 'name');
    const description = args['description'] ?? '';
    const disks = parseDisks(arg(args, 'disks'));
    const vg = arg(args, 'volume_group');
    if (!VG.test(vg)) throw new PluginFailure('-1', [`invalid volume group name ${JSON.stringify(vg)}`]);
    const redundancy = arg(args, 'redundancy');
    if (!/^[1-9]\d*$/.test(redundancy)) throw new PluginFailure('-1', [`redundancy must be a positive integer, got ${JSON.stringify(redundancy)}`]);
    const provisioning = args['provisioning'] || 'thin';
    if (provisioning !== 'thin' && provisioning !== 'thick') throw new PluginFailure('-1', [`provisioning must be thin or thick, got ${JSON.stringify(provisioning)}`]);
    const force = strtobool(args['force']);
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
