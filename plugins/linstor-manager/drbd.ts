/**
 * DRBD helpers other hosts call (spec/sm-linstor.md §6): who holds a device open, demoting a stuck
 * Primary, destroying leftover minors. Names that reach a path or a command are validated first.
 */
import { encodeOpenersAnswer, readOpeners } from '../../lib/drbd/index.js';
import { checkArgs, NUMBER, optional, required, RESOURCE, VOLUME_GROUP } from './args.js';
import type { PluginContext, PluginFunction } from './context.js';
import { trueFalse } from './true-false.js';

/** `{pid: {"process-name", "open-duration"}}` from the resource's debugfs `openers` file. */
export const getDrbdOpeners: PluginFunction = async (ctx, args) => {
  const a = checkArgs(args, { resourceName: required(RESOURCE), volume: optional(NUMBER) });
  return encodeOpenersAnswer(await readOpeners(ctx.env.root, a.resourceName, a.volume ?? '0'));
};

export const demoteDrbdResource = trueFalse('demoteDrbdResource', async (ctx, args) => {
  const { resource_name } = checkArgs(args, { resource_name: required(RESOURCE) });
  await ctx.exec('drbdsetup', ['secondary', resource_name]);
});

async function destroyMinor(ctx: PluginContext, minor: string): Promise<void> {
  await ctx.exec('drbdsetup', ['detach', minor, '--force']);
  await ctx.exec('drbdsetup', ['del-minor', minor]);
}

export const destroyDrbdVolume = trueFalse('destroyDrbdVolume', async (ctx, args) => {
  await destroyMinor(ctx, checkArgs(args, { minor: required(NUMBER) }).minor);
});

/** Minors of this host by LVM volume group, from `drbdsetup show --json` backing disks. */
async function minorsByGroup(ctx: PluginContext): Promise<Record<string, number[]>> {
  const show = JSON.parse((await ctx.exec('drbdsetup', ['show', '--json'])).stdout || '[]') as {
    _this_host?: { volumes?: { device_minor?: number; 'backing-disk'?: string }[] };
  }[];
  const out: Record<string, number[]> = {};
  for (const res of show) {
    for (const v of res._this_host?.volumes ?? []) {
      const vg = /^\/dev\/([^/]+)\//.exec(v['backing-disk'] ?? '')?.[1];
      if (vg && v.device_minor !== undefined) (out[vg] ??= []).push(v.device_minor);
    }
  }
  return out;
}

/**
 * The group named either as the LVM VG (`linstor_group`) or as the SR's LINSTOR pool
 * (`xcp-sr-linstor_group`, `xcp-sr-linstor_group_thin_device`): the Python SR destroy passes the
 * latter, which its plugin never matched (spec/sm-linstor.md §9).
 */
function groupMatches(vg: string, name: string): boolean {
  return name === vg || name === `xcp-sr-${vg}` || name.startsWith(`xcp-sr-${vg}_`);
}

export const listDrbdVolumes: PluginFunction = async (ctx, args) => {
  const wanted = checkArgs(args, { volume_group: optional(VOLUME_GROUP) }).volume_group;
  const all = await minorsByGroup(ctx);
  return JSON.stringify(wanted ? Object.fromEntries(Object.entries(all).filter(([vg]) => groupMatches(vg, wanted))) : all);
};

export const destroyDrbdVolumes = trueFalse('destroyDrbdVolumes', async (ctx, args) => {
  const group = checkArgs(args, { volume_group: required(VOLUME_GROUP) }).volume_group;
  for (const [vg, minors] of Object.entries(await minorsByGroup(ctx))) {
    if (!groupMatches(vg, group)) continue;
    for (const minor of minors) await destroyMinor(ctx, String(minor));
  }
});
