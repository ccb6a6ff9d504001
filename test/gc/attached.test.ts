/**
 * The collector with a VM running on a slave: the merge runs where the chain is open (plugin
 * `coalesce` on that host), the leaf is relinked with its tapdisk paused and unpaused there, and the
 * guest reads the same bytes before and after.
 */
import test from 'ava';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { contentOf } from './helpers.js';
import { buildChain, parents, type Layer } from '../../sim/fixtures/chain.js';
import { createdSr } from '../../sim/fixtures/sr-create.js';
import { runGc } from '../../sim/fixtures/collector.js';

const BASE = '44444444-4444-4444-8444-000000000001';
const MID = '44444444-4444-4444-8444-000000000002';
const LEAF = '44444444-4444-4444-8444-000000000003';

const CHAIN: Layer[] = [
  { uuid: BASE, label: 'base copy', hidden: true, writes: [{ offset: 0, length: 3 << 20, fill: 0x61 }] },
  { uuid: MID, label: 'base copy', parent: BASE, hidden: true, writes: [{ offset: 1 << 20, length: 3 << 20, fill: 0x62 }] },
  { uuid: LEAF, label: 'disk', parent: MID, writes: [{ offset: 2 << 20, length: 4096, fill: 0x63 }] },
];

test('coalesce under a VM running on a slave: merged there, leaf relinked with its tapdisk paused, guest data unchanged', async (t) => {
  t.timeout(10 * 60_000);
  const fx = await createdSr(t);
  await buildChain(fx, CHAIN);
  await fx.xapi.call('SR.scan', fx.srRef);
  const leafRef = await fx.xapi.vdi.getByUuid(LEAF);
  const vm = await fx.xapi.call<string>('VM.create', { name_label: 'vm' });
  await fx.xapi.call('VBD.create', { VM: vm, VDI: leafRef, mode: 'RW', type: 'Disk', userdevice: '0', bootable: false, empty: false, other_config: {} });
  await fx.xapi.call('VM.start_on', vm, fx.pool.xapi.host('host2').ref, false, false);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gc-io-'));
  const guestRead = async (name: string) => {
    const file = path.join(dir, name);
    await fx.pool.io('host2', { vdi: LEAF, op: 'read', offset: 0, length: 8 << 20, file });
    return readFile(file);
  };
  const before = await guestRead('before');
  // One pass: the coalesce of MID (the next pass would leaf-coalesce LEAF live: live-leaf.test.ts).
  const r = await runGc(fx, ['--once']);
  t.is(r.exitCode, 0, `${r.stderr}\n${r.log}`);
  t.regex(r.log, /merging on host2/);
  t.regex(r.stdout, new RegExp(`done: coalesce ${MID} into ${BASE}`));
  t.is((await parents(fx)).get(LEAF), BASE);
  t.true((await guestRead('after')).equals(before), 'the guest reads the same bytes');
  t.true((await contentOf(fx, LEAF)).subarray(0, 8 << 20).equals(before));
  const sm = await fx.xapi.vdi.getSmConfig(leafRef);
  t.is(sm['vhd-parent'], BASE);
  t.false('paused' in sm);
});
