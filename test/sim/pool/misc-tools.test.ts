import test from 'ava';
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { encodePluginCall } from '../../../lib/smapi/plugin.js';
import { decodeMethodResponse } from '../../../lib/smapi/xmlrpc.js';
import { controllerOn, seedResource, tmpPool } from './helpers.js';
import { tool } from '../../../sim/fixtures/host-tool.js';

test('vgchange finds linstor_group only on hosts with a disk', async (t) => {
  const pool = await tmpPool(t, 2, { diskless: ['host2'] });
  const on1 = await tool(pool, 'host1', 'vgchange', ['-ay', 'linstor_group']);
  t.is(on1.exitCode, 0);
  t.regex(on1.stdout, /volume group "linstor_group" now active/);
  const on2 = await tool(pool, 'host2', 'vgchange', ['-ay', 'linstor_group']);
  t.is(on2.exitCode, 5);
  t.regex(on2.stderr, /Volume group "linstor_group" not found/);
  t.is((await tool(pool, 'host1', 'vgchange', ['-ay', 'other_vg'])).exitCode, 5);
});

test('mkfs.ext4, mount, mountpoint, umount and blockdev on a DRBD device', async (t) => {
  const pool = await tmpPool(t, 1);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-persistent-database', ['host1'], [], 4096);
  const dev = '/dev/drbd/by-res/xcp-persistent-database/0';
  t.is((await tool(pool, 'host1', 'blockdev', ['--getsize64', dev])).stdout, String(4096 * 1024));
  t.is((await tool(pool, 'host1', 'blockdev', ['--getsize64', '/dev/nope'])).exitCode, 1);
  t.is((await tool(pool, 'host1', 'mkfs.ext4', ['-F', dev])).exitCode, 0);
  const sb = await readFile(pool.runtime.host('host1').local(dev));
  t.is(sb.readUInt16LE(1080), 0xef53, 'ext4 magic written');
  t.is((await tool(pool, 'host1', 'mountpoint', ['-q', '/var/lib/linstor'])).exitCode, 32);
  t.is((await tool(pool, 'host1', 'mount', ['-w', dev, '/var/lib/linstor'])).exitCode, 0);
  t.is(pool.runtime.primaryOf('xcp-persistent-database'), 'host1', 'mounting promotes');
  t.is((await tool(pool, 'host1', 'mountpoint', ['/var/lib/linstor'])).stdout, '/var/lib/linstor is a mountpoint');
  t.regex((await tool(pool, 'host1', 'mount', [])).stdout, /xcp-persistent-database\/0 on \/var\/lib\/linstor type ext4/);
  t.is((await tool(pool, 'host1', 'umount', ['/var/lib/linstor'])).exitCode, 0);
  t.is(pool.runtime.primaryOf('xcp-persistent-database'), undefined);
  t.is((await tool(pool, 'host1', 'umount', ['/var/lib/linstor'])).exitCode, 32);
});

test('iptables rules, service iptables save and firewall-port', async (t) => {
  const pool = await tmpPool(t, 1);
  const rule = ['INPUT', '-p', 'tcp', '--dport', '7000:8000', '-j', 'ACCEPT'];
  t.is((await tool(pool, 'host1', 'iptables', ['-C', ...rule])).exitCode, 1);
  t.is((await tool(pool, 'host1', 'iptables', ['-I', 'INPUT', '1', ...rule.slice(1)])).exitCode, 0);
  t.is((await tool(pool, 'host1', 'iptables', ['-C', ...rule])).exitCode, 0);
  t.regex((await tool(pool, 'host1', 'iptables', ['-S'])).stdout, /-A INPUT -p tcp --dport 7000:8000 -j ACCEPT/);
  t.is((await tool(pool, 'host1', 'service', ['iptables', 'save'])).exitCode, 0);
  t.is((await tool(pool, 'host1', 'iptables', ['-D', ...rule])).exitCode, 0);
  t.is((await tool(pool, 'host1', 'iptables', ['-D', ...rule])).exitCode, 1);
  const fwp = pool.runtime.host('host1').local('/etc/xapi.d/plugins/firewall-port');
  t.is((await execa(fwp, ['open', '3370', 'tcp'], { reject: false })).exitCode, 0);
  t.true(pool.runtime.host('host1').firewallPorts.has('3370/tcp'));
  await execa(fwp, ['close', '3370', 'tcp']);
  t.false(pool.runtime.host('host1').firewallPorts.has('3370/tcp'));
});

test('the on-slave and lvm plugins answer in the plugin envelope', async (t) => {
  const pool = await tmpPool(t, 2, { diskless: ['host2'] });
  const call = async (host: string, plugin: string, fn: string, args: Record<string, string>) => {
    const file = pool.runtime.host(host).local(`/etc/xapi.d/plugins/${plugin}`);
    const r = await execa(file, [encodePluginCall({ fn, sessionRef: 'OpaqueRef:s', args })]);
    return JSON.parse(JSON.stringify(decodeMethodResponse(String(r.stdout)))) as { value: { Status: string; Value?: string; ErrorDescription?: string[] } };
  };
  t.deepEqual((await call('host1', 'on-slave', 'is_open', { vdiUuid: '66666666-7777-8888-9999-000000000000', srRef: 'OpaqueRef:x' })).value, {
    Status: 'Success',
    Value: 'False',
  });
  t.deepEqual(JSON.parse((await call('host1', 'lvm', 'list_volume_groups', {})).value.Value!), { linstor_group: { 'thin-pools': ['thin_device'] } });
  t.is((await call('host2', 'lvm', 'list_volume_groups', {})).value.Value, '{}');
  t.deepEqual((await call('host1', 'lvm', 'nope', {})).value.ErrorDescription, ['UNKNOWN_XENAPI_PLUGIN_FUNCTION', 'nope']);
});

test('fork-log-daemon runs the command it is given', async (t) => {
  const pool = await tmpPool(t, 1);
  const r = await execa(pool.runtime.host('host1').local('/opt/xensource/libexec/fork-log-daemon'), ['echo', 'Server ready!']);
  t.is(r.stdout, 'Server ready!');
});

test('a tool on a host that is down fails as an unreachable host', async (t) => {
  const pool = await tmpPool(t, 1);
  pool.runtime.host('host1').up = false;
  const r = await tool(pool, 'host1', 'tap-ctl', ['list']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /host1 is down/);
});
