/**
 * Host preparation for a LINSTOR SR (spec/sm-linstor.md §6): `prepareSr` (volume group active, ports
 * open, drbd-reactor off, satellite restarted), `releaseSr` (the reverse), `updateDrbdReactor` (the
 * promoter configuration that lets drbd-reactor run the controller where the database is Primary).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hostPath } from '../../lib/host/env.js';
import { checkArgs, GROUP, required, TRUTH } from './args.js';
import type { PluginContext } from './context.js';
import { strtobool, trueFalse } from './true-false.js';

const PORTS = ['3366', '3370', '3376', '3377', '8076', '8077'];
const DRBD_RULE = ['INPUT', '-p', 'tcp', '--dport', '7000:8000', '-j', 'ACCEPT'];
export const REACTOR_CONFIG = '/etc/drbd-reactor.d/sm-linstor.toml';
export const REACTOR_TOML = '[[promoter]]\n\n[promoter.resources.xcp-persistent-database]\nstart = [ "var-lib-linstor.service", "linstor-controller.service" ]\n';

async function systemctl(ctx: PluginContext, args: string[]): Promise<void> {
  await ctx.exec('systemctl', args, { timeoutMs: 120_000 });
}

/** Retries a command sm retries (satellite restarts: 3 attempts). */
async function attempts(ctx: PluginContext, count: number, fn: () => Promise<void>): Promise<void> {
  for (let i = 1; ; i += 1) {
    try {
      return await fn();
    } catch (error) {
      if (i >= count) throw error;
      ctx.log.warn(`attempt ${i} failed, retrying`, { error: (error as Error).message });
    }
  }
}

async function firewall(ctx: PluginContext, open: boolean): Promise<void> {
  const program = hostPath(ctx.env.root, '/etc/xapi.d/plugins/firewall-port');
  for (const port of PORTS) await ctx.exec(program, [open ? 'open' : 'close', port, 'tcp']);
  const present = (await ctx.exec('iptables', ['-C', ...DRBD_RULE], { allowFailure: true })).exitCode === 0;
  if (open && !present) await ctx.exec('iptables', ['-I', 'INPUT', '1', ...DRBD_RULE.slice(1)]);
  if (!open && present) await ctx.exec('iptables', ['-D', ...DRBD_RULE]);
  await ctx.exec('service', ['iptables', 'save']);
}

/** Writes or removes the promoter configuration and (re)enables or disables drbd-reactor. */
export async function updateDrbdReactorService(ctx: PluginContext, enabled: boolean): Promise<void> {
  const config = hostPath(ctx.env.root, REACTOR_CONFIG);
  if (enabled) {
    await mkdir(path.dirname(config), { recursive: true });
    await writeFile(config, REACTOR_TOML);
  } else {
    await rm(config, { force: true });
    await systemctl(ctx, ['stop', 'drbd-reactor']);
    // Stopping a template instance that was never loaded may fail: that is the state we want.
    await ctx.exec('systemctl', ['stop', 'drbd-promote@xcp\\x2dpersistent\\x2ddatabase.service'], { allowFailure: true });
    await systemctl(ctx, ['stop', 'linstor-controller']);
    await systemctl(ctx, ['stop', 'var-lib-linstor.service']);
    for (const unit of ['linstor-controller', 'var-lib-linstor']) {
      await rm(hostPath(ctx.env.root, `/run/systemd/system/${unit}.service.d/reactor.conf`), { force: true });
    }
  }
  await systemctl(ctx, ['daemon-reload']);
  await systemctl(ctx, [enabled ? 'enable' : 'disable', '--now', 'drbd-reactor']);
}

const GROUP_SPEC = { groupName: required(GROUP) };

export const prepareSr = trueFalse('prepareSr', async (ctx, args) => {
  // The VG reaches vgchange's argv: the group-name rule keeps it from being read as an option.
  const vg = checkArgs(args, GROUP_SPEC).groupName.split('/')[0]!;
  // A host without the volume group (diskless-only) is prepared all the same.
  const active = await ctx.exec('vgchange', ['-ay', vg], { allowFailure: true });
  if (active.exitCode !== 0) ctx.log.info(`volume group ${vg} not activated here (diskless host?): ${active.stderr.trim()}`);
  await firewall(ctx, true);
  await updateDrbdReactorService(ctx, false);
  await attempts(ctx, 3, () => systemctl(ctx, ['disable', '--now', 'linstor-satellite']));
  await attempts(ctx, 3, () => systemctl(ctx, ['enable', '--now', 'linstor-satellite']));
});

export const releaseSr = trueFalse('releaseSr', async (ctx, args) => {
  checkArgs(args, GROUP_SPEC);
  await systemctl(ctx, ['disable', '--now', 'linstor-satellite']);
  await systemctl(ctx, ['stop', 'drbd-reactor']);
  await firewall(ctx, false);
});

/** `enabled` is required: a call without it is an error, never a silent "disable" (sm's strtobool would read '' as false). */
export const updateDrbdReactor = trueFalse('updateDrbdReactor', async (ctx, args) => {
  const { enabled } = checkArgs(args, { enabled: required(TRUTH) });
  await updateDrbdReactorService(ctx, strtobool(enabled));
});
