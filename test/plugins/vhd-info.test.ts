import test from 'ava';
import { srFixture } from '../../sim/fixtures/sr.js';
import { seedVhdChain } from '../e2e/sr-helpers.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

const PARENT = '11111111-1111-4111-8111-111111111111';
const CHILD = '22222222-2222-4222-8222-222222222222';
const GARBAGE = '33333333-3333-4333-8333-333333333333';
const MIB = 1024 * 1024;

test('getInfo and getVHDInfo answer VHDInfo.__dict__ with VDI uuids resolved through the KV; getParent names the parent or fails cleanly', async (t) => {
  const f = await srFixture(t, { hosts: 2, redundancy: 2 });
  await seedVhdChain(f.pool, f.groupName, 'host1', { parent: PARENT, child: CHILD, garbage: GARBAGE });
  const kv = await f.linstor.keyValueStore.props(`xcp-sr-${f.groupName.replace('/', '_')}`);
  const dev = (uuid: string) => `/dev/drbd/by-res/${kv[`/xcp/volume/${uuid}/volume-name`] ?? kv[`xcp/volume/${uuid}/volume-name`]}/0`;
  const on = (host: string, fn: string, devicePath: string, extra: Record<string, string> = {}) =>
    callPlugin(f.pool, host, fn, { devicePath, groupName: f.groupName, ...extra });

  const raw = await on('host1', 'getVHDInfo', dev(CHILD), { includeParent: 'True', resolveParent: 'False' });
  t.regex(raw, /^\{"uuid": "/, 'Python json.dumps separators');
  const child = JSON.parse(raw) as Record<string, unknown>;
  t.deepEqual(Object.keys(child), ['uuid', 'sizeVirt', 'sizePhys', 'parentPath', 'parentUuid', 'hidden', 'sizeAllocated', 'path']);
  t.is(child['uuid'], CHILD);
  t.is(child['sizeVirt'], 16 * MIB);
  t.is(child['parentPath'], dev(PARENT));
  t.is(child['parentUuid'], PARENT);
  t.is(child['hidden'], 0);
  t.is(child['sizeAllocated'], 0);
  t.is(child['path'], dev(CHILD));
  t.true(Number(child['sizePhys']) > 0);

  const parent = JSON.parse(await on('host1', 'getVHDInfo', dev(PARENT), { includeParent: 'True' })) as Record<string, unknown>;
  t.deepEqual(Object.keys(parent), ['uuid', 'sizeVirt', 'sizePhys', 'hidden', 'sizeAllocated', 'path'], 'no parent keys without a parent');
  t.is(parent['uuid'], PARENT);
  t.is(parent['hidden'], 1);
  t.is(await on('host2', 'getInfo', dev(CHILD), { includeParent: 'True', vdiType: 'vhd' }), raw, 'getInfo (2026, with vdiType) answers what getVHDInfo does');
  t.is(await on('host2', 'getVHDInfo', dev(CHILD), { includeParent: 'True', vdiType: '' }), raw, 'an empty vdiType means vhd');
  const noParent = JSON.parse(await on('host1', 'getVHDInfo', dev(CHILD), { includeParent: 'False' })) as Record<string, unknown>;
  t.false('parentUuid' in noParent);

  t.is(await on('host1', 'getParent', dev(CHILD)), PARENT);
  await t.throwsAsync(on('host1', 'getParent', dev(PARENT)), { message: /has no parent/ });
  await t.throwsAsync(on('host1', 'getVHDInfo', '/etc/shadow', { includeParent: 'True' }), { message: /devicePath must be/ });
});
