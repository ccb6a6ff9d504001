/**
 * `tap-ctl` (blktap2.md §1.7) on a simulated host. A tapdisk here is a record, not a process: it gets a
 * pid and a minor, opens an image by its dom0 path, and — as a real tapdisk holding a DRBD device —
 * makes the leaf Primary on this host (read-write) and shows in the resources' `openers` files, parents
 * included. Exit statuses are errno values, as the real tool's.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openChain } from '../../lib/vhd/index.js';
import { isDiskless } from '../linstor/deploy.js';
import { diskStateOf } from '../linstor/sync.js';
import type { HostRuntime, PoolRuntime, Tapdisk } from '../pool/runtime.js';
import { TAP_PAUSE_REQUESTED, TAP_PAUSED } from '../pool/runtime.js';

/** How long a pause waits for guest I/O in flight to drain. */
const DRAIN_MS = 30_000;
import { fail, ok, option, type Tool, type ToolResult } from './tool.js';

const ENOENT = 2;
const EINVAL = 22;
const EROFS = 30;
const EBUSY = 16;
const ENODATA = 61;

const BY_RES = /^\/dev\/drbd\/by-res\/([^/]+)\/0$/;

function find(host: HostRuntime, argv: readonly string[]): Tapdisk | undefined {
  const pid = Number(option(argv, '-p'));
  return host.tapdisks.get(pid);
}

/** The resources an image path opens: the leaf and, for a VHD, every parent found through its locators. */
async function chainResources(host: HostRuntime, type: string, dom0Path: string): Promise<string[]> {
  const leaf = BY_RES.exec(dom0Path)?.[1];
  if (type !== 'vhd') return leaf ? [leaf] : [];
  const out: string[] = leaf ? [leaf] : [];
  try {
    const chain = await openChain({ root: host.spec.root }, dom0Path);
    try {
      for (const level of chain.levels.slice(1)) {
        const rd = BY_RES.exec(level.path)?.[1];
        if (rd) out.push(rd);
      }
    } finally {
      await chain.close();
    }
  } catch {
    // An unreadable image opens anyway: tapdisk would fail the guest's I/O, not the open.
  }
  return out;
}

/** Rewrites the `openers` file of each resource: `<name> <pid> <ms open>` per tapdisk holding it. */
async function writeOpeners(host: HostRuntime, rds: Iterable<string>): Promise<void> {
  const now = Date.now();
  for (const rd of new Set(rds)) {
    const file = host.local(`/sys/kernel/debug/drbd/resources/${rd}/volumes/0/openers`);
    const lines = [...host.tapdisks.values()]
      .filter((t) => t.opened.includes(rd))
      .map((t) => `tapdisk ${t.pid} ${now - t.openedAtMs}\n`)
      .join('');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, lines);
  }
}

/**
 * A resource of the chain that has diskful replicas but none UpToDate (all Inconsistent or detached):
 * DRBD has no data to serve on any host, and an open fails with ENODATA until a replica is back.
 */
function withoutData(pool: PoolRuntime, rds: readonly string[]): string | undefined {
  const state = pool.controller.state();
  return rds.find((name) => {
    const rd = state?.resourceDefinitions[name.toUpperCase()];
    const diskful = Object.values(rd?.resources ?? {}).filter((r) => !isDiskless(r));
    return rd !== undefined && diskful.length > 0 && !diskful.some((r) => diskStateOf(rd, r, Date.now()) === 'UpToDate');
  });
}

async function openImage(pool: PoolRuntime, host: HostRuntime, t: Tapdisk, spec: string, readOnly: boolean): Promise<ToolResult> {
  const colon = spec.indexOf(':');
  const type = spec.slice(0, colon);
  const dom0Path = spec.slice(colon + 1);
  if (colon <= 0 || !['vhd', 'aio'].includes(type)) return fail(EINVAL, `open: unsupported image type '${type}'`);
  if (!existsSync(host.local(dom0Path))) return fail(ENOENT, `open: ${dom0Path}: No such file or directory`);
  const rds = await chainResources(host, type, dom0Path);
  const noData = withoutData(pool, rds);
  if (noData !== undefined) return fail(ENODATA, `open: ${dom0Path}: No data available (${noData} has no UpToDate replica)`);
  const leaf = rds[0];
  if (leaf && !readOnly) {
    const holder = pool.primaryOf(leaf);
    if (holder !== undefined && holder.toUpperCase() !== host.spec.name.toUpperCase()) {
      return fail(EROFS, `open: ${dom0Path}: Read-only file system (Primary on ${holder})`);
    }
    await pool.setPrimary(leaf, host.spec.name, true);
  }
  t.args = spec;
  t.readOnly = readOnly;
  t.opened = rds;
  t.openedAtMs = Date.now();
  await writeOpeners(host, rds);
  return ok();
}

async function closeImage(pool: PoolRuntime, host: HostRuntime, t: Tapdisk): Promise<void> {
  const rds = t.opened;
  t.opened = [];
  const leaf = rds[0];
  if (leaf && !t.readOnly && ![...host.tapdisks.values()].some((o) => o !== t && o.opened[0] === leaf && !o.readOnly)) {
    await pool.setPrimary(leaf, host.spec.name, false);
  }
  await writeOpeners(host, rds);
}

function list(host: HostRuntime, argv: readonly string[]): string {
  const minor = option(argv, '-m');
  const pid = option(argv, '-p');
  const file = option(argv, '-f');
  const type = option(argv, '-t');
  return [...host.tapdisks.values()]
    .filter((t) => (minor === undefined || t.minor === Number(minor)) && (pid === undefined || t.pid === Number(pid)))
    .filter((t) => (file === undefined || t.args?.slice(t.args.indexOf(':') + 1) === file) && (type === undefined || t.args?.startsWith(`${type}:`)))
    .map((t) =>
      [`pid=${t.pid}`, t.minor !== undefined ? `minor=${t.minor}` : '', `state=0x${t.state.toString(16)}`, t.args ? `args=${t.args}` : '']
        .filter(Boolean)
        .join(' '),
    )
    .map((l) => `${l}\n`)
    .join('');
}

export const tapCtl: Tool = async ({ pool, host }, argv) => {
  const [verb, ...rest] = argv;
  switch (verb) {
    case 'list':
      return ok(list(host, rest));
    case 'allocate': {
      let minor = 0;
      while (host.minors.has(minor)) minor += 1;
      host.minors.add(minor);
      const dev = `/dev/xen/blktap-2/tapdev${minor}`;
      await mkdir(path.dirname(host.local(dev)), { recursive: true });
      await writeFile(host.local(dev), '');
      return ok(`${dev}\n`);
    }
    case 'free': {
      const minor = Number(option(rest, '-m'));
      if (!host.minors.has(minor)) return fail(ENOENT, `free: minor ${minor} not allocated`);
      if ([...host.tapdisks.values()].some((t) => t.minor === minor)) return fail(EBUSY, `free: minor ${minor} is attached`);
      host.minors.delete(minor);
      await rm(host.local(`/dev/xen/blktap-2/tapdev${minor}`), { force: true });
      return ok();
    }
    case 'spawn': {
      const pid = host.newPid();
      host.tapdisks.set(pid, { pid, minor: undefined, state: 0, args: undefined, readOnly: false, opened: [], openedAtMs: 0, inflight: 0 });
      return ok(`${pid}\n`);
    }
    case 'attach': {
      const t = find(host, rest);
      const minor = Number(option(rest, '-m'));
      if (!t) return fail(ENOENT, 'attach: no such tapdisk');
      if (!host.minors.has(minor)) return fail(ENOENT, `attach: minor ${minor} not allocated`);
      t.minor = minor;
      return ok();
    }
    case 'open': {
      const t = find(host, rest);
      const image = option(rest, '-a');
      if (!t || t.minor === undefined) return fail(ENOENT, 'open: no such tapdisk');
      if (!image) return fail(EINVAL, 'open: missing -a <type>:<path>');
      if (t.args) return fail(EBUSY, 'open: an image is already open');
      return openImage(pool, host, t, image, rest.includes('-R'));
    }
    case 'close': {
      const t = find(host, rest);
      if (!t) return fail(ENOENT, 'close: no such tapdisk');
      await closeImage(pool, host, t);
      t.args = undefined;
      t.state = 0x2;
      return ok();
    }
    case 'pause': {
      const t = find(host, rest);
      if (!t || !t.args) return fail(ENOENT, 'pause: no such tapdisk');
      if (t.state & TAP_PAUSED) return fail(EINVAL, 'pause: already paused');
      // As tapdisk: no new request starts once a pause is requested; the ones in flight drain first.
      t.state |= TAP_PAUSE_REQUESTED;
      for (const deadline = Date.now() + DRAIN_MS; t.inflight > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 2));
      await closeImage(pool, host, t);
      t.state = TAP_PAUSED;
      return ok();
    }
    case 'unpause': {
      const t = find(host, rest);
      if (!t || !t.args) return fail(ENOENT, 'unpause: no such tapdisk');
      if (!(t.state & TAP_PAUSED)) return fail(EINVAL, 'unpause: not paused');
      const image = option(rest, '-a') ?? t.args;
      t.args = undefined;
      const result = await openImage(pool, host, t, image, t.readOnly);
      if (result.exitCode !== 0) {
        t.args = image;
        return result;
      }
      t.state = 0;
      return ok();
    }
    case 'detach': {
      const t = find(host, rest);
      if (!t) return fail(ENOENT, 'detach: no such tapdisk');
      if (t.args) return fail(EBUSY, 'detach: image still open');
      // A detached tapdisk exits, as the real one does once it has no device.
      host.tapdisks.delete(t.pid);
      return ok();
    }
    case 'create': {
      const image = option(rest, '-a');
      if (!image) return fail(EINVAL, 'create: missing -a <type>:<path>');
      const allocated = await tapCtl({ pool, host }, ['allocate']);
      const minor = Number(/tapdev(\d+)/.exec(allocated.stdout ?? '')?.[1]);
      const pid = Number((await tapCtl({ pool, host }, ['spawn'])).stdout);
      await tapCtl({ pool, host }, ['attach', '-p', String(pid), '-m', String(minor)]);
      const opened = await tapCtl({ pool, host }, ['open', '-p', String(pid), '-m', String(minor), '-a', image, ...(rest.includes('-R') ? ['-R'] : [])]);
      if (opened.exitCode !== 0) {
        await tapCtl({ pool, host }, ['detach', '-p', String(pid), '-m', String(minor)]);
        await tapCtl({ pool, host }, ['free', '-m', String(minor)]);
        return opened;
      }
      return ok(allocated.stdout);
    }
    case 'destroy': {
      const t = find(host, rest);
      if (!t) return fail(ENOENT, 'destroy: no such tapdisk');
      const minor = t.minor;
      await tapCtl({ pool, host }, ['close', '-p', String(t.pid), '-m', String(minor)]);
      await tapCtl({ pool, host }, ['detach', '-p', String(t.pid), '-m', String(minor)]);
      if (minor !== undefined) await tapCtl({ pool, host }, ['free', '-m', String(minor)]);
      return ok();
    }
    default:
      return fail(EINVAL, `tap-ctl: unknown command '${verb ?? ''}'`);
  }
};
