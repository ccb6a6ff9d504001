/**
 * Bad input and faults: a chain with a corrupt VHD and a volume a foreign process holds open are left
 * intact and reported while the rest of the SR is collected; DELETED_ volumes are purged.
 */
import test from 'ava';
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hostPath } from '../../lib/host/env.js';
import { asVdiUuid, deletedVdiUuid } from '../../lib/volume/index.js';
import { srFixture } from '../../sim/fixtures/sr.js';
import { contentOf } from './helpers.js';
import { buildChain, parents, type Layer } from '../../sim/fixtures/chain.js';
import { openVolumes } from '../../sim/fixtures/volumes.js';
import { runGc } from '../../sim/fixtures/collector.js';

const id = (i: number) => `55555555-5555-4555-8555-${String(i).padStart(12, '0')}`;
const CORRUPT_BASE = id(1);
const CORRUPT_MID = id(2);
const CORRUPT_LEAF = id(3);
const HELD = id(4);
const FREE = id(5);
const ASIDE = id(6);

const LAYERS: Layer[] = [
  { uuid: CORRUPT_BASE, label: 'base copy', hidden: true, writes: [{ offset: 0, length: 1 << 20, fill: 7 }] },
  { uuid: CORRUPT_MID, label: 'base copy', parent: CORRUPT_BASE, hidden: true, writes: [{ offset: 0, length: 4096, fill: 8 }] },
  { uuid: CORRUPT_LEAF, label: 'disk', parent: CORRUPT_MID },
  { uuid: HELD, label: 'held', hidden: true },
  { uuid: FREE, label: 'free', hidden: true },
  { uuid: ASIDE, label: 'aside' },
];

test('a corrupt chain and a volume open by a foreign process are skipped and reported; the rest is collected', async (t) => {
  t.timeout(10 * 60_000);
  const fx = await srFixture(t, { hosts: 2 });
  await buildChain(fx, LAYERS);
  const volumes = await openVolumes(fx);
  const root1 = fx.pool.runtime.host('host1').spec.root;
  // The leaf's footer (at the end of the device) and its copy at 0 are overwritten.
  const leafDevice = hostPath(root1, volumes.devicePath(asVdiUuid(CORRUPT_LEAF)));
  const fh = await open(leafDevice, 'r+');
  const { size } = await fh.stat();
  await fh.write(Buffer.alloc(512, 0xee), 0, 512, 0);
  await fh.write(Buffer.alloc(512, 0xee), 0, 512, size - 512);
  await fh.close();
  // qemu-dp on host2 holds HELD open.
  const held = volumes.resourceName(asVdiUuid(HELD));
  const openers = hostPath(fx.pool.runtime.host('host2').spec.root, `/sys/kernel/debug/drbd/resources/${held}/volumes/0/openers`);
  await mkdir(path.dirname(openers), { recursive: true });
  await writeFile(openers, 'qemu-dp 4242 1000\n');
  // A volume a failed destroy renamed aside.
  await volumes.rename(asVdiUuid(ASIDE), deletedVdiUuid(asVdiUuid(ASIDE)), { force: true });
  const corruptMidBefore = await contentOf(fx, CORRUPT_MID);
  // XAPI still knows the corrupt leaf's parent.
  const leafRow = fx.pool.xapi.db.create('VDI', { SR: fx.srRef, name_label: 'disk', managed: true, sm_config: { 'vhd-parent': CORRUPT_MID, vdi_type: 'vhd' } }, CORRUPT_LEAF);

  const r = await runGc(fx, []);
  t.is(r.exitCode, 0, `${r.stderr}\n${r.log}`);
  t.regex(r.stdout, new RegExp(`skipped: chain ${CORRUPT_BASE}: ${CORRUPT_LEAF}: .*invalid footer cookie`));
  t.regex(r.stdout, new RegExp(`skipped: delete ${HELD} \\(hidden leaf\\): ${held} is open by host2: 4242 qemu-dp`));
  t.regex(r.stdout, new RegExp(`done: purge DELETED_${ASIDE}`));
  t.regex(r.stdout, new RegExp(`done: delete ${FREE}`));
  const left = await parents(fx).catch(() => undefined);
  t.is(left, undefined, 'the corrupt leaf still cannot be read (nothing repaired it by guessing)');
  const after = await openVolumes(fx);
  t.deepEqual(after.list().sort(), [CORRUPT_BASE, CORRUPT_MID, CORRUPT_LEAF, HELD].sort());
  t.deepEqual(await contentOf(fx, CORRUPT_MID), corruptMidBefore);

  // Without XAPI's record the corrupt leaf could hang below any hidden volume: nothing is deleted.
  fx.pool.xapi.db.destroy('VDI', leafRow);
  await buildChain(fx, [{ uuid: FREE, label: 'free again', hidden: true }]);
  const blind = await runGc(fx, []);
  t.is(blind.exitCode, 0, blind.stderr);
  t.regex(blind.stdout, new RegExp(`skipped: chain ${CORRUPT_LEAF}: ${CORRUPT_LEAF} is unreadable .* its parent is unknown: nothing is deleted or merged`));
  t.notRegex(blind.stdout, /done:/);
  t.true((await openVolumes(fx)).has(asVdiUuid(FREE)));
});
