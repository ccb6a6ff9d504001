/**
 * The sm XAPI plugins other hosts are asked through `host.call_plugin` that the driver and plugin rely
 * on: `on-slave` (`is_open`: whether a tapdisk on this host has the VDI open) and `lvm` (volume groups,
 * for the plugin's createSr). They speak the plugin framing of smapi-protocol.md §5.
 */
import { existsSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { readdir } from 'node:fs/promises';
import { decodePluginCall, encodePluginFailure, encodePluginSuccess, PluginFailure } from '../../lib/smapi/plugin.js';
import type { HostRuntime } from '../pool/runtime.js';
import { VOLUME_GROUP, THIN_POOL } from './storage.js';
import { ok, type Tool } from './tool.js';

/** The path the VDI's tapdisk serves, from `/dev/sm/phy/<sr>/<vdi>` (made at activate). */
async function phyTarget(host: HostRuntime, vdiUuid: string): Promise<string | undefined> {
  const phy = host.local('/dev/sm/phy');
  if (!existsSync(phy)) return undefined;
  for (const sr of await readdir(phy)) {
    try {
      return await readlink(host.local(`/dev/sm/phy/${sr}/${vdiUuid}`));
    } catch {
      // not in this SR
    }
  }
  return undefined;
}

type PluginFn = (host: HostRuntime, args: Readonly<Record<string, string>>) => Promise<string>;

const ON_SLAVE: Record<string, PluginFn> = {
  async is_open(host, args) {
    const target = await phyTarget(host, args['vdiUuid'] ?? '');
    const open = target !== undefined && [...host.tapdisks.values()].some((t) => t.args?.endsWith(`:${target}`));
    return open ? 'True' : 'False';
  },
};

/**
 * The volume groups of each host, as sm's lvm plugin would see them: a host with a disk starts with
 * `linstor_group` (what the driver's tests expect); destroy_volume_group removes it, create_volume_group
 * makes one again (vgcreate refuses an existing name), so createSr's force and no-force paths differ.
 */
const volumeGroups = new WeakMap<HostRuntime, Set<string>>();
function groupsOf(host: HostRuntime): Set<string> {
  let groups = volumeGroups.get(host);
  if (!groups) {
    groups = new Set(host.spec.diskless ? [] : [VOLUME_GROUP]);
    volumeGroups.set(host, groups);
  }
  return groups;
}

const LVM: Record<string, PluginFn> = {
  async list_volume_groups(host, args) {
    const wanted = args['vg_name'];
    const groups = [...groupsOf(host)].filter((g) => !wanted || g === wanted);
    return JSON.stringify(Object.fromEntries(groups.map((g) => [g, { 'thin-pools': g === VOLUME_GROUP ? [THIN_POOL] : [] }])));
  },
  async create_physical_volume(host) {
    if (host.spec.diskless) throw new PluginFailure('-1', ['no disk on this host']);
    return '{}';
  },
  async create_volume_group(host, args) {
    if (host.spec.diskless) throw new PluginFailure('-1', ['no disk on this host']);
    const vg = args['vg_name'] ?? '';
    if (groupsOf(host).has(vg)) throw new PluginFailure('-1', [`A volume group called ${vg} already exists.`]);
    groupsOf(host).add(vg);
    return '{}';
  },
  async create_thin_pool(host, args) {
    if (host.spec.diskless || !groupsOf(host).has(args['vg_name'] ?? '')) throw new PluginFailure('-1', [`Volume group "${args['vg_name'] ?? ''}" not found`]);
    return '{}';
  },
  async destroy_volume_group(host, args) {
    groupsOf(host).delete(args['vg_name'] ?? '');
    return '{}';
  },
};

function plugin(table: Record<string, PluginFn>): Tool {
  return async ({ host }, argv) => {
    let fn = '';
    try {
      const call = decodePluginCall(argv);
      fn = call.fn;
      const impl = Object.hasOwn(table, fn) ? table[fn] : undefined;
      if (!impl) throw new PluginFailure('UNKNOWN_XENAPI_PLUGIN_FUNCTION', [fn]);
      return ok(encodePluginSuccess(await impl(host, call.args)));
    } catch (error) {
      const f = error instanceof PluginFailure ? error : new PluginFailure('XENAPI_PLUGIN_FAILURE', [fn, 'Exception', String(error)]);
      return ok(encodePluginFailure(f.code, f.params));
    }
  };
}

export const onSlavePlugin = plugin(ON_SLAVE);
export const lvmPlugin = plugin(LVM);
