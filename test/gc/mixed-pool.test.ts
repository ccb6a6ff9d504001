/**
 * The collector in a mixed pool (host2's linstor-manager is the pre-2026 one, host3's linstor-sr's):
 * a merge that runs where the parent is open goes through the plugin's `coalesce` on that host, which
 * answers sectors on host2 and bytes on host3. The run reports the bytes it merged either way, and the
 * data is merged correctly on both. Everything runs for real: dist/linstor-gc on the master, XAPI's
 * host.call_plugin, and each host's linstor-manager (on host2 behind the simulator's pre-2026 front).
 */
import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { asVdiUuid } from '../../lib/volume/index.js';
import { srFixture } from '../../sim/fixtures/sr.js';
import { contentOf } from './helpers.js';
import { buildChain, parents, VIRTUAL, type Layer } from '../../sim/fixtures/chain.js';
import { openVolumes } from '../../sim/fixtures/volumes.js';
import { runGc } from '../../sim/fixtures/collector.js';

const MiB = 2 ** 20;
const KiB = 1024;

/** base (hidden) ← mid (hidden, `midWrites`) ← leaf. */
function chain(prefix: string, midWrites: NonNullable<Layer['writes']>): { base: string; mid: string; leaf: string; layers: Layer[] } {
  const [base, mid, leaf] = ['1', '2', '3'].map((n) => `${prefix}-7777-4777-8777-00000000000${n}`) as [string, string, string];
  return {
    base,
    mid,
    leaf,
    layers: [
      { uuid: base, label: 'base copy', hidden: true, writes: [{ offset: 0, length: 3 * MiB, fill: 0x61 }] },
      { uuid: mid, label: 'base copy', parent: base, hidden: true, writes: midWrites },
      { uuid: leaf, label: 'disk', parent: mid, writes: [{ offset: 2 * MiB, length: 4096, fill: 0x63 }] },
    ],
  };
}

/** The virtual disk a chain's leaf should read: its layers' writes in order over zeros (VIRTUAL bytes). */
function expectedContent(layers: readonly Layer[]): Buffer {
  const disk = Buffer.alloc(VIRTUAL);
  for (const l of layers) for (const w of l.writes ?? []) disk.fill(w.fill, w.offset, w.offset + w.length);
  return disk;
}

// Different amounts, so that each run's line can only come from its own chain: 4104 sectors on host2, 2064 on host3.
const ON_LEGACY = chain('aaaaaaaa', [{ offset: MiB, length: 2 * MiB, fill: 0x62 }, { offset: 7 * MiB, length: 4 * KiB, fill: 0x64 }]);
const ON_CURRENT = chain('bbbbbbbb', [{ offset: MiB, length: MiB, fill: 0x72 }, { offset: 9 * MiB, length: 8 * KiB, fill: 0x74 }]);

test('merged on a host with the pre-2026 plugin (sectors) and on one with the current plugin (bytes): the run reports the bytes merged, the data is merged', async (t) => {
  t.timeout(10 * 60_000);
  const fx = await srFixture(t, { hosts: 3, redundancy: 2, legacyPluginHosts: ['host2'] });
  await buildChain(fx, [...ON_LEGACY.layers, ...ON_CURRENT.layers]);
  const volumes = await openVolumes(fx);
  // A tapdisk holds each chain on its host (what tap-ctl leaves in the DRBD openers file); the chain's
  // devices exist there, as they do where a VM runs.
  for (const [host, c] of [['host2', ON_LEGACY], ['host3', ON_CURRENT]] as const) {
    const { root } = fx.pool.runtime.host(host).spec;
    for (const uuid of [c.base, c.mid]) await volumes.localDevicePath(asVdiUuid(uuid), host, root);
    const openers = path.join(root, `sys/kernel/debug/drbd/resources/${volumes.resourceName(asVdiUuid(c.base))}/volumes/0/openers`);
    await mkdir(path.dirname(openers), { recursive: true });
    await writeFile(openers, 'tapdisk 4242 1000\n');
  }
  const before = { legacy: await contentOf(fx, ON_LEGACY.leaf), current: await contentOf(fx, ON_CURRENT.leaf) };
  // The chains are what the layers say (so the comparisons after the merge mean something): each
  // middle layer holds data the leaf reads and the base does not have.
  t.true(before.legacy.equals(expectedContent(ON_LEGACY.layers)), 'host2 chain as built');
  t.true(before.current.equals(expectedContent(ON_CURRENT.layers)), 'host3 chain as built');
  const midBefore = { legacy: await contentOf(fx, ON_LEGACY.mid), current: await contentOf(fx, ON_CURRENT.mid) };
  t.false((await contentOf(fx, ON_LEGACY.base)).equals(midBefore.legacy), 'host2 base lacks its child\'s data');
  t.false((await contentOf(fx, ON_CURRENT.base)).equals(midBefore.current), 'host3 base lacks its child\'s data');
  const midPath = { legacy: volumes.devicePath(asVdiUuid(ON_LEGACY.mid)), current: volumes.devicePath(asVdiUuid(ON_CURRENT.mid)) };
  const from = fx.pool.xapi.executions.length;

  // One coalesce per run.
  const runs = [await runGc(fx, ['--once']), await runGc(fx, ['--once'])];
  for (const r of runs) t.is(r.exitCode, 0, `${r.stderr}\n${r.log}`);
  const stdout = runs.map((r) => r.stdout).join('\n');
  const log = runs.map((r) => r.log).join('\n');
  t.regex(log, /merging on host2, where .* is open \(pid 4242 tapdisk\)/);
  t.regex(log, /merging on host3, where .* is open \(pid 4242 tapdisk\)/);
  t.regex(stdout, new RegExp(`done: coalesce ${ON_LEGACY.mid} into ${ON_LEGACY.base}[^\\n]*: ${4104 * 512} bytes merged`), 'sectors read as sectors');
  t.regex(stdout, new RegExp(`done: coalesce ${ON_CURRENT.mid} into ${ON_CURRENT.base}[^\\n]*: ${2064 * 512} bytes merged`), 'bytes read as bytes');

  // What each host's plugin answered the collector. The collector probes with getInfo, as sm's
  // LinstorCowUtil falls back on UNKNOWN_XENAPI_PLUGIN_FUNCTION [getInfo] (spec §4.4); the older plugin
  // has no such function and answers the sector count to coalesce (§4.3).
  const plugin = fx.pool.xapi.executions.slice(from).filter((e) => e.kind === 'plugin' && e.plugin === 'linstor-manager' && (e.name === 'getInfo' || e.name === 'coalesce'));
  const answers = plugin.map((e) => [e.host, e.name, ...(e.outcome.kind === 'ok' ? [e.outcome.value] : [e.outcome.code, ...e.outcome.params])]);
  t.deepEqual(
    answers.filter(([host]) => host === 'host2'),
    [['host2', 'getInfo', 'UNKNOWN_XENAPI_PLUGIN_FUNCTION', 'getInfo'], ['host2', 'coalesce', '4104']],
  );
  t.deepEqual(answers.filter(([host]) => host === 'host3').map(([, fn, v]) => (fn === 'getInfo' ? fn : [fn, v])), ['getInfo', ['coalesce', String(2064 * 512)]]);
  // The collector sends the 2026 arguments to both (host3's plugin sees them as sent); the older
  // plugin never reads vdiType, so the merge on host2 is the old call and its answer is sectors.
  const args = (host: string, fn: string) => plugin.find((e) => e.host === host && e.name === fn)?.params[1];
  t.deepEqual(args('host3', 'coalesce'), { devicePath: midPath.current, groupName: fx.groupName, vdiType: 'vhd' });
  t.deepEqual(args('host2', 'coalesce'), { devicePath: midPath.legacy, groupName: fx.groupName });

  const p = await parents(fx);
  t.is(p.get(ON_LEGACY.leaf), ON_LEGACY.base);
  t.is(p.get(ON_CURRENT.leaf), ON_CURRENT.base);
  t.false(p.has(ON_LEGACY.mid) || p.has(ON_CURRENT.mid), 'the merged layers are deleted');
  // The leaves read as before, through the base alone now: the middle layers' data is in the bases.
  t.true((await contentOf(fx, ON_LEGACY.leaf)).equals(before.legacy), 'host2 merged the data');
  t.true((await contentOf(fx, ON_CURRENT.leaf)).equals(before.current), 'host3 merged the data');
  t.true((await contentOf(fx, ON_LEGACY.base)).equals(midBefore.legacy), 'host2: the base reads as its merged child did');
  t.true((await contentOf(fx, ON_CURRENT.base)).equals(midBefore.current), 'host3: the base reads as its merged child did');
});
