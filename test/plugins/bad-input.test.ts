/**
 * Bad input to the plugin changes nothing: every linstor-manager function, called through XAPI as other
 * hosts call it, with a missing, unknown or malformed argument, answers an error (`False` with the
 * reason in the log for the T/F functions, a plugin failure naming the argument for the others) and
 * leaves the pool as it was: the LINSTOR controller's state and write requests, the commands run on
 * every host (systemctl, vgchange, drbdsetup, the lvm plugin…), the other plugin calls, XAPI's objects
 * and the files under every host root.
 */
import test, { type ExecutionContext } from 'ava';
import { lstat, mkdtemp, readdir, readFile, readlink, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CLASSES } from '../../sim/xapi/schema.js';
import { startPool, type SimPool } from '../../sim/pool/pool.js';
import { createXapi, type Xapi } from '../../lib/xapi/index.js';
import { seedVolume } from '../e2e/sr-helpers.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

const G = 'linstor_group/thin_device';
const VDI = '7a1c2d3e-4f50-4612-8734-9a0b1c2d3e4f';
const DEV = '/dev/drbd/by-res/xcp-volume-none/0';

type Fixture = { pool: SimPool; xapi: Xapi; log: string; sr: string; pif: string };
let fixture: Fixture | undefined;

test.before(async (t) => {
  t.timeout(10 * 60_000);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bad-input-'));
  const log = path.join(dir, 'SMlog');
  const pool = await startPool({ dir, hosts: 2, diskSizeGiB: 10, env: { LINSTOR_SR_TIME_SCALE: '0.01', LINSTOR_SR_GC: 'off', LINSTOR_SR_LOG_FILE: log } });
  const xapi = createXapi({ endpoint: { url: pool.xapiUrl! } });
  await xapi.client.loginWithPassword('root', '');
  const srRef = await xapi.sr.create({ host: pool.xapi.host('host1').ref, deviceConfig: { 'group-name': G, redundancy: '2', provisioning: 'thin' }, nameLabel: 'XOSTOR', nameDescription: '', type: 'linstor', shared: true });
  await seedVolume(pool, G, VDI, 8 << 20, { type: 'user', vdi_type: 'aio', name_label: 'data' });
  const db = pool.xapi.db;
  const host2 = pool.xapi.host('host2').ref;
  const pif = db.refsWhere('PIF', (r) => r['host'] === host2 && r['device'] === 'eth1')[0]!;
  fixture = { pool, xapi, log, sr: await xapi.sr.getUuid(srRef), pif: db.str('PIF', pif, 'uuid') };
});

test.after.always(async () => {
  await fixture?.xapi.client.logout().catch(() => undefined);
  await fixture?.pool.close();
});

/** Every entry under a host root: type, size and times of files, targets of links. */
async function tree(root: string, rel = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(path.join(root, rel))) {
    const p = path.join(rel, name);
    const s = await lstat(path.join(root, p));
    if (s.isSymbolicLink()) out[p] = `-> ${await readlink(path.join(root, p))}`;
    else if (s.isDirectory()) Object.assign(out, { [p]: `dir ${s.mtimeMs}` }, await tree(root, p));
    else out[p] = `${s.isSocket() ? 'socket' : 'file'} ${s.size} ${s.mtimeMs}`;
  }
  return out;
}

/** What a call must not change: LINSTOR, the commands run on hosts, other runs, XAPI's objects, host files. */
async function snapshot(pool: SimPool) {
  const db = pool.xapi.db;
  const byRoute = pool.runtime.controller.sim!.controls.counters().byRoute;
  return {
    linstor: flat({ state: JSON.parse(JSON.stringify(pool.runtime.controller.state() ?? null)) as unknown, runningOn: pool.runtime.controller.runningOn ?? '' }),
    linstorWrites: Object.fromEntries(Object.entries(byRoute).filter(([route]) => !route.startsWith('GET '))),
    commands: Object.fromEntries([...pool.runtime.hosts].map(([name, h]) => [name, h.toolCalls.map((c) => `${name}: ${c.tool} ${c.argv.join(' ').slice(0, 100)}`)])),
    runs: pool.xapi.executions.map((e) => `${e.host}: ${e.plugin ?? 'driver'}.${e.name}`),
    xapi: flat(Object.fromEntries(CLASSES.filter((c) => c !== 'session' && c !== 'task').map((c) => [c, Object.fromEntries(db.all(c).map((ref) => [ref, db.record(c, ref)]))]))),
    files: Object.fromEntries((await Promise.all(pool.spec.hosts.map(async (h) => Object.entries(await tree(h.root)).map(([p, v]) => [`${h.name}:/${p}`, v] as const)))).flat()),
  };
}

/** `{a: {b: 1}}` → `{'a.b': '1'}`, so that a difference names the field that changed. */
function flat(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flat(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = JSON.stringify(value);
  return out;
}

/** The keys of `after` that differ from `before` (added, removed or changed). */
function changed(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** Everything a call changed, as lines a failure shows at once. */
function changes(before: Awaited<ReturnType<typeof snapshot>>, after: Awaited<ReturnType<typeof snapshot>>, fn: string): string[] {
  const out: string[] = [];
  for (const [host, calls] of Object.entries(after.commands)) for (const c of calls.slice(before.commands[host]?.length)) out.push(`command ${c}`);
  const runs = after.runs.slice(before.runs.length);
  for (const r of runs.filter((r) => r !== `host1: linstor-manager.${fn}`)) out.push(`run ${r}`);
  for (const route of changed(before.linstorWrites, after.linstorWrites)) out.push(`LINSTOR request ${route}`);
  for (const k of changed(before.linstor, after.linstor).slice(0, 5)) out.push(`LINSTOR ${k}`);
  for (const k of changed(before.xapi, after.xapi).slice(0, 5)) out.push(`XAPI ${k}`);
  for (const k of changed(before.files, after.files).slice(0, 5)) out.push(`file ${k}`);
  return out;
}

type Row = {
  fn: string;
  title: string;
  args: (f: Fixture) => Record<string, string>;
  /** The reason: in the plugin failure, or for a T/F function (answering False) in the log. */
  reason: RegExp;
  /** T/F functions answer False; the others fail with this error code. */
  answer: 'False' | 'XENAPI_PLUGIN_FAILURE' | '-1';
};

const refused = test.macro({
  async exec(t: ExecutionContext, row: Row) {
    const f = fixture!;
    const before = await snapshot(f.pool);
    const logBefore = (await stat(f.log)).size;
    let answer: string | undefined;
    let error: unknown;
    try {
      answer = await callPlugin(f.pool, 'host1', row.fn, row.args(f));
    } catch (e) {
      error = e;
    }
    // What changed first (the worst outcome), then that an error was answered, then its reason.
    t.deepEqual(changes(before, await snapshot(f.pool), row.fn), [], 'nothing changed');
    if (row.answer === 'False') {
      t.is(answer, 'False', 'a T/F function answers False');
      const logged = (await readFile(f.log)).subarray(logBefore).toString('utf8');
      t.regex(logged, new RegExp(`${row.fn} failed.*${row.reason.source}`), 'the reason is in the log');
    } else {
      t.is(answer, undefined, 'the call fails');
      const prefix = row.answer === '-1' ? '-1' : `XENAPI_PLUGIN_FAILURE\\(${row.fn}, ArgumentError`;
      t.regex(String((error as Error | undefined)?.message), new RegExp(`^${prefix}.*${row.reason.source}`), 'the failure names the argument');
    }
  },
  title: (_given, row: Row) => row.title,
});

const titles = new Map<string, number>();
/** A unique test title: the function and the reason it gives. */
function titled(fn: string, reason: RegExp): string {
  const base = `${fn} refuses: ${reason.source.replaceAll('\\', '').replaceAll('.*', ' … ')}`;
  const n = (titles.get(base) ?? 0) + 1;
  titles.set(base, n);
  return n === 1 ? base : `${base} (${n})`;
}
const tf = (fn: string, reason: RegExp, args: Row['args']): Row => ({ fn, title: titled(fn, reason), args, reason, answer: 'False' });
const raise = (fn: string, reason: RegExp, args: Row['args']): Row => ({ fn, title: titled(fn, reason), args, reason, answer: 'XENAPI_PLUGIN_FAILURE' });
const poolFn = (fn: string, reason: RegExp, args: Row['args']): Row => ({ fn, title: titled(fn, reason), args, reason, answer: '-1' });
const VHD_GETTERS = ['hasParent', 'getSizeVirt', 'getSizePhys', 'getAllocatedSize', 'getMaxResizeSize', 'getDepth', 'getKeyHash', 'getBlockBitmap', 'getDrbdSize', 'coalesce', 'repair'];

const ROWS: Row[] = [
  // Host preparation: the group name reaches vgchange's argv and every host's services.
  tf('prepareSr', /missing argument groupName/, () => ({})),
  tf('prepareSr', /groupName starts with -/, () => ({ groupName: '-ay' })),
  tf('prepareSr', /groupName contains '\.\.'/, () => ({ groupName: 'vg..x' })),
  tf('prepareSr', /groupName has more than one \//, () => ({ groupName: 'vg/lv/x' })),
  tf('prepareSr', /groupName has characters outside/, () => ({ groupName: 'linstor group' })),
  tf('prepareSr', /groupName has characters outside/, () => ({ groupName: 'vg;reboot' })),
  tf('prepareSr', /unexpected argument .*force/, () => ({ groupName: G, force: 'true' })),
  tf('releaseSr', /groupName starts with -/, () => ({ groupName: '--now' })),
  tf('releaseSr', /missing argument groupName/, () => ({})),
  tf('updateDrbdReactor', /missing argument enabled/, () => ({})),
  tf('updateDrbdReactor', /missing argument enabled/, () => ({ enabled: '' })),
  tf('updateDrbdReactor', /enabled must be a truth value/, () => ({ enabled: 'maybe' })),
  tf('updateDrbdReactor', /unexpected argument .*groupName/, () => ({ enabled: 'False', groupName: G })),
  // destroy restarts the database and the controller: only for this pool's SR.
  tf('destroy', /no LINSTOR SR with group-name 'no_such_group' in this pool/, () => ({ groupName: 'no_such_group' })),
  tf('destroy', /groupName starts with -/, () => ({ groupName: '-x' })),
  tf('destroy', /missing argument groupName/, () => ({})),
  tf('destroy', /unexpected argument .*force/, () => ({ groupName: G, force: '1' })),
  // Thin provisioning and the volume lock, for slaves.
  tf('attach', /srUuid is not a UUID/, () => ({ groupName: G, srUuid: 'not-a-uuid', vdiUuid: VDI })),
  tf('attach', /vdiUuid is not a UUID/, (f) => ({ groupName: G, srUuid: f.sr, vdiUuid: '../x' })),
  tf('detach', /groupName starts with -/, (f) => ({ groupName: '-g', srUuid: f.sr, vdiUuid: VDI })),
  tf('detach', /missing argument srUuid/, () => ({ groupName: G, vdiUuid: VDI })),
  tf('lockVdi', /srUuid is not a UUID/, () => ({ groupName: G, srUuid: '../../../tmp/x', vdiUuid: VDI, locked: 'True' })),
  tf('lockVdi', /missing argument locked/, (f) => ({ groupName: G, srUuid: f.sr, vdiUuid: VDI })),
  tf('lockVdi', /locked must be a truth value/, (f) => ({ groupName: G, srUuid: f.sr, vdiUuid: VDI, locked: 'later' })),
  // DRBD helpers: names reach drbdsetup's argv.
  tf('demoteDrbdResource', /resource_name must be a LINSTOR resource name/, () => ({ resource_name: '--force' })),
  tf('demoteDrbdResource', /unexpected argument .*force/, () => ({ resource_name: 'xcp-volume-none', force: '1' })),
  tf('destroyDrbdVolume', /minor must be a number/, () => ({ minor: '-1' })),
  tf('destroyDrbdVolume', /unexpected argument .*volume_group/, () => ({ minor: '1000', volume_group: 'linstor_group' })),
  tf('destroyDrbdVolumes', /volume_group starts with -/, () => ({ volume_group: '-x' })),
  tf('destroyDrbdVolumes', /volume_group contains \//, () => ({ volume_group: G })),
  tf('destroyDrbdVolumes', /missing argument volume_group/, () => ({})),
  raise('listDrbdVolumes', /volume_group starts with -/, () => ({ volume_group: '-x' })),
  raise('getDrbdOpeners', /resourceName must be a LINSTOR resource name/, () => ({ resourceName: '../../etc', volume: '0' })),
  raise('getDrbdOpeners', /volume must be a number/, () => ({ resourceName: 'xcp-volume-none', volume: '-1' })),
  raise('hasControllerRunning', /unexpected argument .*groupName/, () => ({ groupName: G })),
  // VHD functions: the device is a DRBD by-res path only; groupName, vdiType and booleans are checked too.
  ...VHD_GETTERS.map((fn) => raise(fn, /devicePath must be \/dev\/drbd\/by-res/, () => ({ devicePath: '/dev/sda' }))),
  ...VHD_GETTERS.map((fn) => raise(fn, /unexpected argument .*bogus/, () => ({ devicePath: DEV, bogus: '1' }))),
  raise('getSizeVirt', /groupName starts with -/, () => ({ devicePath: DEV, groupName: '-g' })),
  raise('getDepth', /vdiType must be vhd/, () => ({ devicePath: DEV, vdiType: '-x' })),
  raise('check', /vdiType must be vhd/, () => ({ devicePath: DEV, vdiType: 'qcow2' })),
  raise('getInfo', /missing argument groupName/, () => ({ devicePath: DEV, vdiType: 'vhd' })),
  raise('check', /fast must be a truth value/, () => ({ devicePath: DEV, fast: 'maybe' })),
  raise('check', /devicePath must be/, () => ({ devicePath: '/etc/passwd', groupName: G })),
  raise('getVHDInfo', /missing argument groupName/, () => ({ devicePath: DEV })),
  raise('getVHDInfo', /includeParent must be a truth value/, () => ({ devicePath: DEV, groupName: G, includeParent: 'maybe' })),
  raise('getParent', /missing argument groupName/, () => ({ devicePath: DEV })),
  raise('setParent', /parentPath must be \/dev\/drbd\/by-res/, () => ({ devicePath: DEV, parentPath: '/etc/passwd' })),
  raise('setSizeVirt', /missing argument size/, () => ({ devicePath: DEV, jfile: '/tmp/j' })),
  raise('setSizeVirt', /missing argument jfile \(or jFile\)/, () => ({ devicePath: DEV, size: '1048576' })),
  raise('setSizeVirt', /size must be a byte count/, () => ({ devicePath: DEV, size: '-1', jFile: '/tmp/j' })),
  raise('setSizeVirtFast', /size must be a byte count/, () => ({ devicePath: DEV, size: '1e9' })),
  raise('deflate', /newSize must be a byte count/, () => ({ devicePath: DEV, newSize: 'x', oldSize: '1' })),
  raise('deflate', /oldSize 100 is too small to hold a VHD footer/, () => ({ devicePath: DEV, newSize: '0', oldSize: '100', zeroize: 'True' })),
  // tapdisk-pause's functions: uuids name lock files, secondary reaches tap-ctl's argv.
  raise('pause', /vdi_uuid is not a UUID/, (f) => ({ sr_uuid: f.sr, vdi_uuid: '../x' })),
  raise('pause', /failfast must be True or False/, (f) => ({ sr_uuid: f.sr, vdi_uuid: VDI, failfast: 'yes' })),
  raise('pause', /unexpected argument .*secondary/, (f) => ({ sr_uuid: f.sr, vdi_uuid: VDI, secondary: 'nbd:x' })),
  raise('unpause', /secondary must not start with -/, (f) => ({ sr_uuid: f.sr, vdi_uuid: VDI, secondary: '--help' })),
  raise('refresh', /unexpected argument .*bogus/, (f) => ({ sr_uuid: f.sr, vdi_uuid: VDI, bogus: '1' })),
  raise('healthCheck', /groupName starts with -/, () => ({ groupName: '-x' })),
  raise('healthCheck', /missing argument groupName/, () => ({})),
  // Pool administration: Failure -1, before any XAPI session or LINSTOR request.
  poolFn('addHost', /groupName starts with -/, () => ({ groupName: '-x' })),
  poolFn('removeHost', /groupName contains '\.\.'/, () => ({ groupName: '../x' })),
  poolFn('createSr', /volume_group starts with -/, () => ({ name: 'X', disks: '{"host1":["/dev/sdb"],"host2":["/dev/sdb"]}', volume_group: '-vg', redundancy: '2', force: 'true' })),
  poolFn('createSr', /volume_group contains '\.\.'/, () => ({ name: 'X', disks: '{"host1":["/dev/sdb"],"host2":["/dev/sdb"]}', volume_group: 'vg..x', redundancy: '2', force: 'true' })),
  poolFn('createSr', /disks must be keyed by host names/, () => ({ name: 'X', disks: '{"-host1":["/dev/sdb"]}', volume_group: 'vg', redundancy: '1', force: 'true' })),
  poolFn('createSr', /redundancy must be a positive integer, at most 32/, () => ({ name: 'X', disks: '{"host1":["/dev/sdb"]}', volume_group: 'vg', redundancy: '33', force: 'true' })),
  poolFn('createSr', /unexpected argument .*hosts/, () => ({ name: 'X', disks: '{"host1":["/dev/sdb"]}', volume_group: 'vg', redundancy: '1', hosts: 'host1' })),
  poolFn('createNodeInterface', /missing argument groupName/, (f) => ({ hostname: 'host2', name: 'storage', pifUuid: f.pif })),
  poolFn('createNodeInterface', /hostname must be a host name/, (f) => ({ groupName: G, hostname: '-host2', name: 'storage', pifUuid: f.pif })),
  poolFn('createNodeInterface', /name must be a LINSTOR interface name/, (f) => ({ groupName: G, hostname: 'host2', name: '-x', pifUuid: f.pif })),
  poolFn('modifyNodeInterface', /name must be a LINSTOR interface name/, (f) => ({ groupName: G, hostname: 'host2', name: 'a b', pifUuid: f.pif })),
  poolFn('destroyNodeInterface', /name must be a LINSTOR interface name/, () => ({ groupName: G, hostname: 'host2', name: '../default' })),
  poolFn('listNodeInterfaces', /hostname must be a host name/, () => ({ groupName: G, hostname: 'host2;ls' })),
  poolFn('getNodePreferredInterface', /missing argument hostname/, () => ({ groupName: G })),
  poolFn('setNodePreferredInterface', /name must be a LINSTOR interface name/, () => ({ groupName: G, hostname: 'host2', name: '-x' })),
];

for (const row of ROWS) test.serial(refused, row);
