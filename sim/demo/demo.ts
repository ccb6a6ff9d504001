/**
 * `npm run demo` (`xostor-sim demo [--keep] [--hosts N]`): a whole XOSTOR life on a simulated pool,
 * through the XenAPI only, checking every byte:
 *   1. a 3-host pool; an SR with redundancy 2 (so one host holds no replica of a volume)
 *   2. two VDIs; data written on every host in turn (the one without a replica reads through a
 *      diskless made on demand, removed after detach)
 *   3. a resize, more data past the old end, everything read back on the master
 *   4. a snapshot taken while a VM writes, new data after it, a revert by clone of the snapshot (the
 *      clone holds the data as at the snapshot), the snapshot deleted, both VDIs still right
 *   5. a VDI and the clone deleted, a rescan, then the garbage collector (linstor-gc on the master, its
 *      --status trees printed before and after) while a VM runs on the VDI: the VDI's chain (snapshot
 *      base copy + leaf) shrinks back to one VHD layer live, the VM reads every byte and writes on, no
 *      base copy left in XAPI, and a last full check of every byte
 * It prints progress, then a table of steps (time, driver runs, LINSTOR requests), and exits non-zero
 * on any mismatch.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLinstorClient } from '../../lib/linstor/index.js';
import { createXapi } from '../../lib/xapi/index.js';
import { startPool, type SimPool } from '../pool/pool.js';
import { chainDepths, runGc } from './gc.js';
import { Recorder } from './recorder.js';

const MIB = 1024 * 1024;
const say = (line: string): void => void process.stdout.write(`${line}\n`);

type Written = { offset: number; data: Buffer };

class DemoFailure extends Error {
  override name = 'DemoFailure';
}

async function io(pool: SimPool, dir: string, host: string, vdi: string, op: 'read' | 'write', offset: number, data?: Buffer, length?: number): Promise<Buffer> {
  const file = path.join(dir, `io-${process.hrtime.bigint()}`);
  if (data) await writeFile(file, data);
  await pool.io(host, { vdi, op, offset, file, ...(length !== undefined ? { length } : {}) });
  const back = op === 'read' ? await readFile(file) : Buffer.alloc(0);
  await rm(file, { force: true });
  return back;
}

async function verify(pool: SimPool, dir: string, host: string, vdi: string, written: Written[]): Promise<void> {
  for (const w of written) {
    const back = await io(pool, dir, host, vdi, 'read', w.offset, undefined, w.data.length);
    if (!back.equals(w.data)) throw new DemoFailure(`VDI ${vdi}: bytes at ${w.offset} differ when read on ${host}`);
  }
}

export async function demoCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { keep: { type: 'boolean', default: false }, hosts: { type: 'string', default: '3' } } });
  const hosts = Number(values.hosts);
  if (!Number.isInteger(hosts) || hosts < 3) throw new Error('--hosts must be 3 or more (the demo needs a host without a replica)');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xostor-demo-'));
  say(`== starting a ${hosts}-host simulated pool in ${dir}`);
  const pool = await startPool({ dir, hosts, diskSizeGiB: 20, env: { LINSTOR_SR_TIME_SCALE: '0.05', LINSTOR_SR_GC: 'off' } });
  const rec = new Recorder(pool);
  const xapi = createXapi({ endpoint: { url: pool.xapiUrl! } });
  let failed = false;
  try {
    await xapi.client.loginWithPassword('root', '');
    const master = pool.xapi.host('host1').ref;
    const deviceConfig = { 'group-name': 'linstor_group/thin_device', redundancy: '2', provisioning: 'thin' };
    say('== SR.create (thin, redundancy 2)');
    const sr = await rec.step('SR.create', () => xapi.sr.create({ host: master, deviceConfig, nameLabel: 'XOSTOR demo', type: 'linstor', shared: true }));
    say(`   controller now runs on ${pool.runtime.controller.runningOn ?? 'no host'}`);

    const vdiA = await rec.step('VDI.create 64 MiB', () => xapi.vdi.create({ SR: sr, virtual_size: 64 * MIB, name_label: 'data' }));
    const vdiB = await rec.step('VDI.create 32 MiB', () => xapi.vdi.create({ SR: sr, virtual_size: 32 * MIB, name_label: 'scratch' }));
    const [uuidA, uuidB] = [await xapi.vdi.getUuid(vdiA), await xapi.vdi.getUuid(vdiB)];
    const linstor = createLinstorClient({ controllers: [pool.runtime.controller.url()!] });
    const kv = await linstor.keyValueStore.props('xcp-sr-linstor_group_thin_device');
    const rdA = kv[`/xcp/volume/${uuidA}/volume-name`] ?? kv[`xcp/volume/${uuidA}/volume-name`] ?? '';
    const replicas = (await linstor.resources.view({ resources: [rdA] })).filter((r) => !(r.flags ?? []).includes('DISKLESS')).map((r) => r.node_name);
    await linstor.close();
    say(`   VDI ${uuidA} is ${rdA}, replicas on ${replicas.join(', ')}`);

    const written: Written[] = [];
    for (const h of pool.spec.hosts) {
      const where = replicas.includes(h.name) ? 'replica' : 'no replica: diskless on demand';
      say(`== attach on ${h.name} (${where}), write, read back, detach`);
      const vm = await rec.step(`VM.start_on ${h.name}`, async () => {
        const vmRef = await xapi.call<string>('VM.create', { name_label: `demo-${h.name}` });
        await xapi.call('VBD.create', { VM: vmRef, VDI: vdiA, mode: 'RW', type: 'Disk', userdevice: '0', bootable: false, empty: false, other_config: {} });
        await xapi.call('VM.start_on', vmRef, pool.xapi.host(h.name).ref, false, false);
        return vmRef;
      });
      const w = { offset: h.index * 5 * MIB + 1234, data: randomBytes(256 * 1024 + h.index) };
      await io(pool, dir, h.name, uuidA, 'write', w.offset, w.data);
      written.push(w);
      await verify(pool, dir, h.name, uuidA, written);
      await rec.step(`VM.clean_shutdown ${h.name}`, () => xapi.call('VM.clean_shutdown', vm));
    }

    say('== VDI.resize to 128 MiB, write past the old end, check everything on the master');
    await rec.step('VDI.resize 128 MiB', () => xapi.vdi.resize(vdiA, 128 * MIB));
    const size = Number(await xapi.vdi.get(vdiA, 'virtual_size'));
    if (size !== 128 * MIB) throw new DemoFailure(`virtual size is ${size} after resize`);
    const vm = await rec.step('VM.start_on host1', async () => {
      const vmRef = await xapi.call<string>('VM.create', { name_label: 'demo-final' });
      await xapi.call('VBD.create', { VM: vmRef, VDI: vdiA, mode: 'RW', type: 'Disk', userdevice: '0', bootable: false, empty: false, other_config: {} });
      await xapi.call('VM.start_on', vmRef, master, false, false);
      return vmRef;
    });
    const tail = { offset: 100 * MIB, data: randomBytes(512 * 1024) };
    await io(pool, dir, 'host1', uuidA, 'write', tail.offset, tail.data);
    written.push(tail);
    await verify(pool, dir, 'host1', uuidA, written);
    await rec.step('VM.clean_shutdown host1', () => xapi.call('VM.clean_shutdown', vm));

    say('== VDI.snapshot while a VM writes on host2, new data after it, revert by clone, snapshot deleted');
    const startVm = (vdi: string, host: string, mode: 'RW' | 'RO' = 'RW') =>
      rec.step(`VM.start_on ${host}`, async () => {
        const vmRef = await xapi.call<string>('VM.create', { name_label: `demo-${host}` });
        await xapi.call('VBD.create', { VM: vmRef, VDI: vdi, mode, type: 'Disk', userdevice: '0', bootable: false, empty: false, other_config: {} });
        await xapi.call('VM.start_on', vmRef, pool.xapi.host(host).ref, false, false);
        return vmRef;
      });
    const vmSnap = await startVm(vdiA, 'host2');
    const snap = await rec.step('VDI.snapshot (VM running)', () => xapi.vdi.snapshot(vdiA));
    const snapUuid = await xapi.vdi.getUuid(snap);
    const atSnapshot = [...written];
    const first = written[0]!;
    const over = { offset: first.offset, data: randomBytes(first.data.length) };
    await io(pool, dir, 'host2', uuidA, 'write', over.offset, over.data);
    written[0] = over;
    await verify(pool, dir, 'host2', uuidA, written);
    await rec.step('VM.clean_shutdown host2', () => xapi.call('VM.clean_shutdown', vmSnap));
    say(`   snapshot ${snapUuid} taken; the VDI changed after it`);
    const reverted = await rec.step('VDI.clone of the snapshot (revert)', () => xapi.vdi.clone(snap));
    const revertedUuid = await xapi.vdi.getUuid(reverted);
    const vmRevert = await startVm(reverted, 'host3');
    await verify(pool, dir, 'host3', revertedUuid, atSnapshot);
    const revertedWrite = { offset: 3 * MIB, data: randomBytes(128 * 1024) };
    await io(pool, dir, 'host3', revertedUuid, 'write', revertedWrite.offset, revertedWrite.data);
    await rec.step('VM.clean_shutdown host3', () => xapi.call('VM.clean_shutdown', vmRevert));
    say(`   revert: clone ${revertedUuid} holds the data as at the snapshot`);
    await rec.step('VDI.destroy of the snapshot', () => xapi.vdi.destroy(snap));
    const vmAfter = await startVm(reverted, 'host1', 'RO');
    await verify(pool, dir, 'host1', revertedUuid, [...atSnapshot, revertedWrite]);
    await rec.step('VM.clean_shutdown host1', () => xapi.call('VM.clean_shutdown', vmAfter));
    say('   snapshot deleted: the reverted clone keeps its data (the VDI is checked at the end)');

    say('== VDI.destroy of the second VDI and of the reverted clone, SR.scan, garbage collector');
    await rec.step('VDI.destroy', () => xapi.vdi.destroy(vdiB));
    await rec.step('VDI.destroy of the clone', () => xapi.vdi.destroy(reverted));
    await rec.step('SR.scan', () => xapi.sr.scan(sr));
    const left = Object.values(await xapi.vdi.getAllRecords()).map((r) => r.uuid);
    if (!left.includes(uuidA) || left.includes(uuidB) || left.includes(revertedUuid)) throw new DemoFailure(`after the scan the SR holds ${left.join(', ')}`);
    const srUuid = await xapi.sr.getUuid(sr);
    const showTrees = (status: string) => {
      for (const l of status.split('\n')) if (l.trim() !== '') say(`   | ${l}`);
    };
    // The collector runs with a VM on the VDI: its leaf is merged live, the VM paused only for the final merge.
    const vmLive = await startVm(vdiA, 'host2');
    say('   what linstor-gc --status shows before the collector runs (a VM runs on the VDI on host2):');
    showTrees(await runGc(pool, srUuid, ['--status']));
    const aBefore = (await chainDepths(pool, srUuid, [uuidA]))[uuidA]!;
    const gcOut = await rec.step('linstor-gc (VM running on host2)', () => runGc(pool, srUuid));
    for (const l of gcOut.split('\n')) if (l.startsWith('done: ')) say(`   linstor-gc ${l}`);
    await verify(pool, dir, 'host2', uuidA, written);
    const afterGc = { offset: 20 * MIB, data: randomBytes(256 * 1024) };
    await io(pool, dir, 'host2', uuidA, 'write', afterGc.offset, afterGc.data);
    written.push(afterGc);
    await verify(pool, dir, 'host2', uuidA, written);
    say('   the VM kept running: every byte reads back through it, and it writes on');
    await rec.step('VM.clean_shutdown host2', () => xapi.call('VM.clean_shutdown', vmLive));
    await rec.step('SR.scan', () => xapi.sr.scan(sr));
    const aAfter = (await chainDepths(pool, srUuid, [uuidA]))[uuidA]!;
    say(`   chain depth of ${uuidA}: ${aBefore} → ${aAfter} layer(s); after the collector:`);
    showTrees(await runGc(pool, srUuid, ['--status']));
    if (aBefore < 2 || aAfter !== 1) throw new DemoFailure(`${uuidA}: ${aBefore} layer(s) before the collector, ${aAfter} after (expected 2 → 1)`);
    const remaining = Object.values(await xapi.vdi.getAllRecords()).map((r) => r.uuid);
    if (remaining.join() !== uuidA) throw new DemoFailure(`after the collector and a scan the SR holds ${remaining.join(', ')} (base copies left?)`);

    say('== last check: every byte written, read on a host without a replica');
    const spare = pool.spec.hosts.find((h) => !replicas.includes(h.name))!;
    const vmLast = await rec.step(`VM.start_on ${spare.name}`, async () => {
      const vmRef = await xapi.call<string>('VM.create', { name_label: 'demo-check' });
      await xapi.call('VBD.create', { VM: vmRef, VDI: vdiA, mode: 'RO', type: 'Disk', userdevice: '0', bootable: false, empty: false, other_config: {} });
      await xapi.call('VM.start_on', vmRef, pool.xapi.host(spare.name).ref, false, false);
      return vmRef;
    });
    await verify(pool, dir, spare.name, uuidA, written);
    await rec.step(`VM.clean_shutdown ${spare.name}`, () => xapi.call('VM.clean_shutdown', vmLast));
    say(`   ${written.length} ranges, ${written.reduce((n, w) => n + w.data.length, 0)} bytes: identical`);
  } catch (error) {
    failed = true;
    say(`!! demo failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    say('');
    process.stdout.write(rec.table());
    await xapi.client.logout().catch(() => undefined);
    await pool.close();
    if (values.keep) say(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
  say(failed ? 'demo: FAILED' : 'demo: OK');
  return failed ? 1 : 0;
}
