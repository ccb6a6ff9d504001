import test from 'ava';
import { invalidName, invalidNodeName } from '../../../sim/linstor/names.js';

const valid: [Parameters<typeof invalidName>[0], string][] = [
  ['resource', 'xcp-volume-0123456789abcdef0123456789abcdef0123'],
  ['resource', '_r1'],
  ['resource', 'xcp-persistent-database'],
  ['storage-pool', 'xcp-sr-linstor_group_thin_device'],
  ['kvs', 'xcp-sr-linstor_group'],
  ['net-interface', 'default'],
];
const invalid: [Parameters<typeof invalidName>[0], string][] = [
  ['resource', 'r'],
  ['resource', '1abc'],
  ['resource', '-abc'],
  ['resource', 'a'.repeat(49)],
  ['resource', 'has space'],
  ['resource', '__'],
  ['resource', 'ALL'],
  ['resource', 'proxy'],
  ['storage-pool', 'sp'],
  ['net-interface', 'n'.repeat(33)],
];

for (const [kind, name] of valid) test(`${kind} name ${name} is valid`, (t) => t.is(invalidName(kind, name), undefined));
for (const [kind, name] of invalid) test(`${kind} name ${JSON.stringify(name)} is rejected`, (t) => t.truthy(invalidName(kind, name)));

test('node names follow RFC 1123', (t) => {
  t.is(invalidNodeName('xcp-ng-host1'), undefined);
  t.is(invalidNodeName('host1.example.org'), undefined);
  t.truthy(invalidNodeName('-host'));
  t.truthy(invalidNodeName('host-'));
  t.truthy(invalidNodeName('ho_st'));
  t.truthy(invalidNodeName('a..b'));
  t.truthy(invalidNodeName('h'));
});
