import test from 'ava';
import { parseDrbdadmStatus, peerAddress } from '../../../lib/discovery/drbd-status.js';
import { parseXhaConfig } from '../../../lib/discovery/xha-config.js';

const STATUS = `xcp-persistent-database role:Secondary
  disk:UpToDate
  host2 role:Primary
    peer-disk:UpToDate
  host3 role:Secondary
    peer-disk:Diskless

xcp-volume-x role:Primary
  disk:UpToDate
  host9 role:Primary
`;

test('drbdadm status: the local role and the Primary peer of the named resource only', (t) => {
  t.deepEqual(parseDrbdadmStatus(STATUS, 'xcp-persistent-database'), { localRole: 'Secondary', primaryPeer: 'host2' });
  t.deepEqual(parseDrbdadmStatus('xcp-persistent-database role:Primary\n  disk:UpToDate\n', 'xcp-persistent-database'), {
    localRole: 'Primary',
    primaryPeer: undefined,
  });
  t.deepEqual(parseDrbdadmStatus('', 'xcp-persistent-database'), { localRole: undefined, primaryPeer: undefined });
});

test('drbdsetup show --json: the peer\'s address from its connection path', (t) => {
  const show = JSON.stringify([
    {
      resource: 'xcp-persistent-database',
      connections: [
        { net: { _name: 'host1' }, path: { _this_host: 'ipv4 10.0.0.2:7000', _remote_host: 'ipv4 10.0.0.1:7000' } },
        { net: { _name: 'host3' }, path: { _this_host: 'ipv6 [fd00::2]:7000', _remote_host: 'ipv6 [fd00::3]:7000' } },
      ],
    },
  ]);
  t.is(peerAddress(show, 'host1'), '10.0.0.1');
  t.is(peerAddress(show, 'host3'), 'fd00::3');
  t.is(peerAddress(show, 'host4'), undefined);
  t.is(peerAddress('not json', 'host1'), undefined);
});

test('xhad.conf: hosts and the local host id', (t) => {
  const xml = `<?xml version="1.0"?><xhad-config><common-config><GenerationUUID>g</GenerationUUID>
    <host><HostID>a</HostID><IPaddress>192.168.1.1</IPaddress></host>
    <host><HostID>b</HostID><IPaddress>192.168.1.2</IPaddress></host></common-config>
    <local-config><localhost><HostID>b</HostID></localhost></local-config></xhad-config>`;
  t.deepEqual(parseXhaConfig(xml), {
    hosts: [
      { hostId: 'a', address: '192.168.1.1' },
      { hostId: 'b', address: '192.168.1.2' },
    ],
    localHostId: 'b',
  });
});
