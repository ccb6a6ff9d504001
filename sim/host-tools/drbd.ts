/**
 * `drbdsetup` and `drbdadm` on a simulated host, answering from the satellites' state in the real
 * tools' formats (drbd-utils 9). Roles follow the resources' use: Primary where a tapdisk or the
 * controller database holds them open.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { drbdResources, events2, showJson, statusJson, statusText, type DrbdResourceView } from '../pool/drbd-view.js';
import type { HostRuntime, PoolRuntime } from '../pool/runtime.js';
import { fail, ok, splitArgs, type Tool, type ToolResult } from './tool.js';

function resources(pool: PoolRuntime, host: HostRuntime, name?: string): DrbdResourceView[] {
  return drbdResources(pool.controller.state(), host.spec.name, name);
}

function heldOpen(host: HostRuntime, rd: string): boolean {
  return [...host.tapdisks.values()].some((t) => t.opened.includes(rd));
}

async function setRole(pool: PoolRuntime, host: HostRuntime, rd: string, primary: boolean): Promise<ToolResult> {
  const [r] = resources(pool, host, rd);
  if (!r) return fail(10, `${rd}: No such resource`);
  if (primary) {
    const other = r.peers.find((p) => p.role === 'Primary');
    if (other) return fail(11, `${rd}: State change failed: (-1) Multiple primaries not allowed by config`);
  } else if (heldOpen(host, rd) || (rd === 'xcp-persistent-database' && host.mounts.has('/var/lib/linstor'))) {
    return fail(11, `${rd}: State change failed: (-12) Device is held open by someone`);
  }
  await pool.setPrimary(rd, host.spec.name, primary);
  return ok();
}

export const drbdsetup: Tool = async ({ pool, host }, argv) => {
  const { flags, words } = splitArgs(argv);
  const [verb, target] = words;
  switch (verb) {
    case 'status': {
      const list = resources(pool, host, target);
      if (target !== undefined && list.length === 0) return fail(10, `${target}: No such resource`);
      return ok(flags.has('--json') ? statusJson(list) : statusText(list));
    }
    case 'show': {
      const list = resources(pool, host, target);
      if (target !== undefined && list.length === 0) return fail(10, `${target}: No such resource`);
      return ok(flags.has('--json') ? showJson(list, host.spec.name) : list.map((r) => `resource "${r.name}" {}\n`).join(''));
    }
    case 'events2':
      return ok(events2(resources(pool, host, target === 'all' ? undefined : target)));
    case 'secondary':
      return target ? setRole(pool, host, target, false) : fail(20, 'Missing argument');
    case 'primary':
      return target ? setRole(pool, host, target, true) : fail(20, 'Missing argument');
    case 'detach': {
      const minor = Number(target);
      const r = resources(pool, host).find((x) => x.minor === minor);
      if (!r && !host.minors.has(minor)) return fail(10, `minor ${target}: No such device`);
      if (r && heldOpen(host, r.name) && !flags.has('--force')) return fail(11, `${r.name}: State change failed: (-12) Device is held open by someone`);
      if (r) await pool.controller.sim?.setResourceState(r.name, host.spec.name, { diskState: 'Diskless' });
      return ok();
    }
    case 'del-minor': {
      const minor = Number(target);
      const dev = host.local(`/dev/drbd${minor}`);
      if (!existsSync(dev)) return fail(10, `minor ${target}: No such device`);
      await rm(dev, { force: true });
      return ok();
    }
    default:
      return fail(20, `drbdsetup: unknown command '${verb ?? ''}'`);
  }
};

export const drbdadm: Tool = async ({ pool, host }, argv) => {
  const { words } = splitArgs(argv);
  const [verb, target] = words;
  const notDefined = (rd: string) => fail(10, `'${rd}' not defined in your config (for this host).`);
  switch (verb) {
    case 'status': {
      const list = resources(pool, host, target === 'all' ? undefined : target);
      if (target !== undefined && target !== 'all' && list.length === 0) return notDefined(target);
      return ok(statusText(list));
    }
    case 'primary':
    case 'secondary': {
      if (!target) return fail(1, 'USAGE: drbdadm primary|secondary <resource>');
      if (resources(pool, host, target).length === 0) return notDefined(target);
      return setRole(pool, host, target, verb === 'primary');
    }
    case 'adjust':
    case 'up':
    case 'down':
      if (target && target !== 'all' && resources(pool, host, target).length === 0) return notDefined(target);
      return ok();
    default:
      return fail(1, `drbdadm: Unknown command '${verb ?? ''}'`);
  }
};
