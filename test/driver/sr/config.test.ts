import test from 'ava';
import { MASTER_ONLY, OPS_EXCLUSIVE, parseSrConfig } from '../../../driver/sr/config.js';
import { SrError } from '../../../lib/smapi/sr-error.js';

test('a complete device-config', (t) => {
  t.deepEqual(parseSrConfig({ 'group-name': 'linstor_group/thin_device', redundancy: '2', SRmaster: 'true' }), {
    groupName: 'linstor_group/thin_device',
    redundancy: 2,
    provisioning: 'thin',
    monitorDbQuorum: true,
    preferredImageFormats: ['vhd'],
  });
  t.deepEqual(parseSrConfig({ 'group-name': 'linstor_group', redundancy: '3', provisioning: 'thick', 'monitor-db-quorum': 'False' }), {
    groupName: 'linstor_group',
    redundancy: 3,
    provisioning: 'thick',
    monitorDbQuorum: false,
    preferredImageFormats: ['vhd'],
  });
});

test('the SR sm-config provisioning overrides device-config', (t) => {
  t.is(parseSrConfig({ 'group-name': 'g', redundancy: '1', provisioning: 'thin' }, { provisioning: 'thick' }).provisioning, 'thick');
  t.is(parseSrConfig({ 'group-name': 'g', redundancy: '1' }, { provisioning: 'bogus' }).provisioning, 'thin');
});

const preferred = test.macro({
  exec(t, given: string | undefined, expected: string[]) {
    const dc: Record<string, string> = { 'group-name': 'g', redundancy: '1' };
    if (given !== undefined) dc['preferred-image-formats'] = given;
    t.deepEqual(parseSrConfig(dc).preferredImageFormats, expected);
  },
  title: (_, given: string | undefined, expected: string[]) => `preferred-image-formats ${JSON.stringify(given)} → [${expected.join(', ')}]`,
});
test(preferred, undefined, ['vhd']);
test(preferred, '', ['vhd']);
test(preferred, 'raw', ['raw']);
test(preferred, 'raw,vhd', ['raw', 'vhd']);
test(preferred, ' vhd , raw ', ['vhd', 'raw']);
test(preferred, 'raw,raw,vhd', ['raw', 'vhd']);
test(preferred, 'qcow2,raw', ['raw']);
test(preferred, 'qcow2', ['vhd']);
test(preferred, 'vhdx,zfs,,', ['vhd']);
test(preferred, 'RAW', ['vhd']);

const refused = test.macro({
  exec(t, dc: Record<string, string>, code: string, faultCode: number) {
    const e = t.throws(() => parseSrConfig(dc), { instanceOf: SrError });
    t.is(e?.code, code as SrError['code']);
    t.is(e?.faultCode, faultCode);
  },
  title: (given) => `refused: ${given ?? ''}`,
});
test('no group-name', refused, { redundancy: '2' }, 'LinstorConfigGroupNameMissing', 5004);
test('empty group-name', refused, { 'group-name': '', redundancy: '2' }, 'LinstorConfigGroupNameMissing', 5004);
test('no redundancy', refused, { 'group-name': 'g' }, 'LinstorConfigRedundancyMissing', 5005);
test('redundancy not a number', refused, { 'group-name': 'g', redundancy: 'two' }, 'InvalidArg', 1);
test('redundancy zero', refused, { 'group-name': 'g', redundancy: '0' }, 'InvalidArg', 1);
test('bad provisioning', refused, { 'group-name': 'g', redundancy: '1', provisioning: 'fat' }, 'InvalidArg', 1);
test('group-name that could reach a shell', refused, { 'group-name': 'g; rm -rf /', redundancy: '1' }, 'InvalidArg', 1);
test('group-name read as an option by vgchange', refused, { 'group-name': '-ay', redundancy: '1' }, 'InvalidArg', 1);
test('group-name whose thin pool is read as an option', refused, { 'group-name': 'vg/--force', redundancy: '1' }, 'InvalidArg', 1);
test('group-name with ..', refused, { 'group-name': 'vg..x', redundancy: '1' }, 'InvalidArg', 1);
test('group-name with two /', refused, { 'group-name': 'vg/lv/x', redundancy: '1' }, 'InvalidArg', 1);
test('bad monitor-db-quorum', refused, { 'group-name': 'g', redundancy: '1', 'monitor-db-quorum': 'sometimes' }, 'InvalidArg', 1);

test('exclusive and master-only command sets match the Python driver', (t) => {
  t.true(OPS_EXCLUSIVE.has('vdi_attach') && OPS_EXCLUSIVE.has('sr_scan') && !OPS_EXCLUSIVE.has('vdi_activate') && !OPS_EXCLUSIVE.has('vdi_resize'));
  t.true(MASTER_ONLY.has('vdi_resize') && MASTER_ONLY.has('sr_probe') && !MASTER_ONLY.has('vdi_attach') && !MASTER_ONLY.has('sr_attach'));
});
