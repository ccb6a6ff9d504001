// The LINSTOR names of spec/sm-linstor.md §3.1, exactly.
import test from 'ava';
import {
  asResourceName,
  asVdiUuid,
  deletedVdiUuid,
  devicePath,
  haResourceGroupName,
  InvalidNameError,
  isDeletedVdiUuid,
  newVolumeResourceName,
  resourceNameFromDevicePath,
  srNames,
} from '../../../lib/volume/index.js';

test('SR names replace / with _ and use the xcp-sr- and xcp-ha- prefixes', (t) => {
  t.deepEqual(srNames('linstor_group/thin_device'), {
    groupName: 'linstor_group/thin_device',
    resourceGroup: 'xcp-sr-linstor_group_thin_device',
    haResourceGroup: 'xcp-ha-linstor_group_thin_device',
    storagePool: 'xcp-sr-linstor_group_thin_device',
    kv: 'xcp-sr-linstor_group_thin_device',
  });
  t.is(haResourceGroupName('linstor_group'), 'xcp-ha-linstor_group');
  t.throws(() => srNames(''), { instanceOf: InvalidNameError });
});

test('no LINSTOR name is built from a name outside the group-name rule, whoever read it', (t) => {
  for (const bad of ['-vg', '../x', 'vg/lv/x', 'vg name', 'vg/-lv']) t.throws(() => srNames(bad), { instanceOf: InvalidNameError, message: /not a group name/ }, bad);
  t.throws(() => haResourceGroupName('-vg'), { instanceOf: InvalidNameError });
});

test('a new resource name is xcp-volume-<uuid4>, never the VDI uuid', (t) => {
  t.is(String(newVolumeResourceName(() => '0b4cf6a4-0000-4000-8000-000000000001')), 'xcp-volume-0b4cf6a4-0000-4000-8000-000000000001');
  t.regex(newVolumeResourceName(), /^xcp-volume-[0-9a-f-]{36}$/);
});

test('device paths and relative parent locators parse back to the resource name', (t) => {
  const rd = asResourceName('xcp-volume-abc');
  t.is(devicePath(rd), '/dev/drbd/by-res/xcp-volume-abc/0');
  t.is(resourceNameFromDevicePath('/dev/drbd/by-res/xcp-volume-abc/0'), rd);
  t.is(resourceNameFromDevicePath('../xcp-volume-abc/0'), rd);
  t.is(resourceNameFromDevicePath('/dev/drbd/by-res/xcp-volume-abc/1'), undefined);
  t.is(resourceNameFromDevicePath('/dev/sm/backend/x/y'), undefined);
  t.is(resourceNameFromDevicePath('../9bad/0'), undefined);
});

test('VDI uuids cannot split a KV namespace; DELETED_ names are recognised', (t) => {
  t.throws(() => asVdiUuid('a/b'), { instanceOf: InvalidNameError });
  t.throws(() => asVdiUuid(''), { instanceOf: InvalidNameError });
  const uuid = asVdiUuid('7c0e4c5e-1111-4222-8333-444455556666');
  t.is(String(deletedVdiUuid(uuid)), 'DELETED_7c0e4c5e-1111-4222-8333-444455556666');
  t.true(isDeletedVdiUuid(deletedVdiUuid(uuid)));
  t.false(isDeletedVdiUuid(uuid));
  t.throws(() => asResourceName('1abc'), { instanceOf: InvalidNameError });
});
