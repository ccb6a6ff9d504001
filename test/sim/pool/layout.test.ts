import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { planPool } from '../../../sim/pool/layout.js';
import { tmpPool } from './helpers.js';

test('hosts get names, a loopback /24 of their own, and roots under the pool dir', (t) => {
  const spec = planPool({ dir: '/tmp/x', hosts: 3, subnet: [42, 8] });
  t.deepEqual(spec.hosts.map((h) => [h.name, h.address, h.root]), [
    ['host1', '127.42.8.1', '/tmp/x/hosts/host1'],
    ['host2', '127.42.8.2', '/tmp/x/hosts/host2'],
    ['host3', '127.42.8.3', '/tmp/x/hosts/host3'],
  ]);
  t.is(spec.master.name, 'host1');
  t.throws(() => planPool({ dir: '/tmp/x', hosts: 0 }), { message: /--hosts/ });
  t.throws(() => planPool({ dir: '/tmp/x', hosts: 2, diskless: ['host9'] }), { message: /unknown host: host9/ });
});

test('each root looks like a dom0 where the driver reads: inventory, pool.conf, xhad.conf with HA, lock folders', async (t) => {
  const pool = await tmpPool(t, 2, { ha: true });
  const [h1, h2] = pool.spec.hosts;
  const inv = await readFile(path.join(h1!.root, 'etc/xensource-inventory'), 'utf8');
  t.regex(inv, new RegExp(`^INSTALLATION_UUID='${h1!.uuid}'$`, 'm'));
  t.is(await readFile(path.join(h1!.root, 'etc/xensource/pool.conf'), 'utf8'), 'master');
  t.is(await readFile(path.join(h2!.root, 'etc/xensource/pool.conf'), 'utf8'), `slave:${h1!.address}`);
  const xhad = await readFile(path.join(h2!.root, 'etc/xensource/xhad.conf'), 'utf8');
  t.regex(xhad, new RegExp(`<IPaddress>${h1!.address.replaceAll('.', '\\.')}</IPaddress>`));
  t.regex(xhad, new RegExp(`<localhost>\\s*<HostID>${h2!.uuid}</HostID>`));
  t.true(existsSync(path.join(h1!.root, 'var/lock/sm')));
  t.true(existsSync(path.join(h1!.root, 'etc/xapi.d/plugins/firewall-port')));
  t.true(existsSync(path.join(h1!.root, 'sim/bin/tap-ctl')));
});

test('without HA there is no xhad.conf', async (t) => {
  const pool = await tmpPool(t, 1);
  t.false(existsSync(path.join(pool.spec.hosts[0]!.root, 'etc/xensource/xhad.conf')));
});
