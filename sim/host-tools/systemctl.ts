/**
 * `systemctl` for the units the driver and plugin drive (linstor-controller, linstor-satellite,
 * drbd-reactor, var-lib-linstor, drbd-promote@…, and any other unit generically). Starting and
 * stopping them moves the simulated controller as systemd and drbd-reactor would.
 */
import { DB_RESOURCE } from '../pool/runtime.js';
import type { HostRuntime, PoolRuntime } from '../pool/runtime.js';
import { fail, ok, splitArgs, type Tool } from './tool.js';

/** `drbd-promote@xcp\x2dpersistent\x2ddatabase.service` → `drbd-promote@xcp-persistent-database`. */
export function unitName(raw: string): string {
  return raw.replace(/\.service$/, '').replace(/\\x([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

async function start(pool: PoolRuntime, host: HostRuntime, unit: string): Promise<string | undefined> {
  const u = host.unit(unit);
  switch (unit) {
    case 'linstor-controller':
      try {
        await pool.controller.startOn(host.spec.name);
      } catch (error) {
        return `Job for linstor-controller.service failed: ${(error as Error).message}`;
      }
      break;
    case 'linstor-satellite':
      await pool.controller.sim?.setNodeOnline(host.spec.name, true);
      break;
    case 'var-lib-linstor':
      if (!(await pool.setPrimary(DB_RESOURCE, host.spec.name, true))) {
        return 'Job for var-lib-linstor.service failed: mount: /var/lib/linstor: special device /dev/drbd/by-res/xcp-persistent-database/0 does not exist.';
      }
      host.mounts.set('/var/lib/linstor', `/dev/drbd/by-res/${DB_RESOURCE}/0`);
      break;
    default:
      break;
  }
  u.active = true;
  if (unit === 'drbd-reactor') await pool.reactorStep();
  return undefined;
}

async function stop(pool: PoolRuntime, host: HostRuntime, unit: string): Promise<void> {
  host.unit(unit).active = false;
  switch (unit) {
    case 'linstor-controller':
      pool.controller.stopOn(host.spec.name);
      break;
    case 'linstor-satellite':
      await pool.controller.sim?.setNodeOnline(host.spec.name, false);
      break;
    case 'drbd-reactor':
      // The promoter stops its units when drbd-reactor stops; another host's promoter may take over.
      if (pool.controller.runningOn === host.spec.name || pool.primaryOf(DB_RESOURCE)?.toUpperCase() === host.spec.name.toUpperCase()) {
        await pool.demoteDatabase(host);
      }
      await pool.reactorStep();
      break;
    case 'var-lib-linstor':
      host.mounts.delete('/var/lib/linstor');
      break;
    case `drbd-promote@${DB_RESOURCE}`:
      await pool.setPrimary(DB_RESOURCE, host.spec.name, false);
      break;
    default:
      break;
  }
}

export const systemctl: Tool = async ({ pool, host }, argv) => {
  const { flags, words } = splitArgs(argv);
  const [verb, ...units] = words;
  const quiet = flags.has('--quiet') || flags.has('-q');
  const now = flags.has('--now');
  const names = units.map(unitName);
  switch (verb) {
    case 'daemon-reload':
      return ok();
    case 'is-active': {
      const active = names.every((n) => host.unit(n).active);
      return { stdout: quiet ? '' : names.map((n) => (host.unit(n).active ? 'active\n' : 'inactive\n')).join(''), exitCode: active ? 0 : 3 };
    }
    case 'is-enabled': {
      const enabled = names.every((n) => host.unit(n).enabled);
      return { stdout: quiet ? '' : names.map((n) => (host.unit(n).enabled ? 'enabled\n' : 'disabled\n')).join(''), exitCode: enabled ? 0 : 1 };
    }
    case 'start':
    case 'restart':
    case 'enable':
      for (const n of names) {
        if (verb === 'enable') host.unit(n).enabled = true;
        if (verb === 'restart') await stop(pool, host, n);
        if (verb !== 'enable' || now) {
          const error = await start(pool, host, n);
          if (error) return fail(1, error);
        }
      }
      return ok();
    case 'stop':
    case 'disable':
      for (const n of names) {
        if (verb === 'disable') host.unit(n).enabled = false;
        if (verb === 'stop' || now) await stop(pool, host, n);
      }
      return ok();
    default:
      return fail(1, `Unknown command verb ${verb ?? ''}.`);
  }
};
