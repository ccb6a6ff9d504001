import test from 'ava';
import { ArgumentError, BYTES, checkArgs, DRBD_DEVICE, GROUP, HOSTNAME, INTERFACE, optional, PY_BOOL, required, TRUTH, UUID, VHD_CALL, WORD } from '../../plugins/linstor-manager/args.js';

const SPEC = { groupName: required(GROUP), fast: optional(TRUTH) };

test('checkArgs answers the checked arguments; an absent or empty optional one is undefined', (t) => {
  t.deepEqual(checkArgs({ groupName: 'linstor_group' }, SPEC), { groupName: 'linstor_group', fast: undefined });
  t.deepEqual(checkArgs({ groupName: 'vg/lv', fast: '' }, SPEC), { groupName: 'vg/lv', fast: undefined });
  t.deepEqual(checkArgs({ groupName: 'vg/lv', fast: 'True' }, SPEC), { groupName: 'vg/lv', fast: 'True' });
});

test('checkArgs refuses unknown, missing and malformed arguments, naming them', (t) => {
  t.throws(() => checkArgs({ groupName: 'vg', force: '1' }, SPEC), { instanceOf: ArgumentError, message: 'unexpected argument "force"' });
  t.throws(() => checkArgs({ groupName: 'vg', a: '1', b: '2' }, SPEC), { message: 'unexpected arguments "a", "b"' });
  t.throws(() => checkArgs({}, SPEC), { message: 'missing argument groupName' });
  t.throws(() => checkArgs({ groupName: '' }, SPEC), { message: 'missing argument groupName' }, 'empty is missing for a required argument');
  t.throws(() => checkArgs({ groupName: '-ay' }, SPEC), { message: 'groupName starts with -, got "-ay"' });
  t.throws(() => checkArgs({ groupName: 'vg', fast: 'maybe' }, SPEC), { message: /^fast must be a truth value/ });
  t.throws(() => checkArgs({ groupName: 'x'.repeat(200) }, SPEC), { message: /got "x{80}…"$/ }, 'long values are cut in the message');
  t.throws(() => checkArgs({ ['__proto__']: 'x', groupName: 'vg' } as Record<string, string>, SPEC), { message: /unexpected argument/ });
});

const cases: [string, (v: string) => string | undefined, string[], string[]][] = [
  ['UUID', UUID, ['7a1c2d3e-4f50-4612-8734-9a0b1c2d3e4f', '7A1C2D3E-4F50-4612-8734-9A0B1C2D3E4F'], ['', '../x', 'not-a-uuid', '7a1c2d3e-4f50-4612-8734-9a0b1c2d3e4f/..']],
  ['TRUTH', TRUTH, ['True', 'false', 'yes', 'OFF', '1', '0'], ['maybe', '2', 'truee']],
  ['PY_BOOL', PY_BOOL, ['True', 'False'], ['true', 'yes', '1']],
  ['DRBD_DEVICE', DRBD_DEVICE, ['/dev/drbd/by-res/xcp-volume-abc/0'], ['/dev/sda', '/etc/passwd', '/dev/drbd/by-res/../../sda/0', '/dev/drbd/by-res/x/1']],
  ['BYTES', BYTES, ['0', '1048576', '9007199254740991'], ['-1', '1e9', '0x10', '9007199254740993', '1.5']],
  ['HOSTNAME', HOSTNAME, ['host1', 'xcp-ng-01.example.org', 'node_2'], ['-host', 'host;ls', 'host..x', 'a b', 'host-', '.host']],
  ['INTERFACE', INTERFACE, ['default', 'storage', 'nic_2'], ['-x', 'a b', '../default', 'x'.repeat(33), '2nic']],
  ['WORD', WORD, ['nbd:/run/x.sock', 'abc'], ['--help', '-2', 'a b', 'a\nb']],
];

for (const [name, check, good, bad] of cases) {
  test(`${name} accepts what its use takes and refuses the rest`, (t) => {
    for (const v of good) t.is(check(v), undefined, v);
    for (const v of bad) t.not(check(v), undefined, JSON.stringify(v));
  });
}

test('a VHD call accepts what LinstorVhdUtil sends besides the device: groupName and vdiType', (t) => {
  t.deepEqual(checkArgs({ devicePath: '/dev/drbd/by-res/xcp-volume-a/0', groupName: 'linstor_group/thin_device', vdiType: 'vhd' }, VHD_CALL), {
    devicePath: '/dev/drbd/by-res/xcp-volume-a/0',
    groupName: 'linstor_group/thin_device',
    vdiType: 'vhd',
  });
});
