import test from 'ava';
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodePluginCall } from '../../lib/smapi/plugin.js';
import { decodeMethodResponse } from '../../lib/smapi/xmlrpc.js';
import { ROOT } from '../helpers/run-built.js';
import { smapiCall } from '../helpers/smapi-call.js';

const PY = '/usr/bin/python3';
const SR_UUID = '11111111-2222-3333-4444-555555555555';
const VDI_UUID = '66666666-7777-8888-9999-000000000000';

/**
 * Installs into a temporary DESTDIR with this machine's Node, and links XAPI's entry to the launcher
 * as `linstor-sr-switch enable` does.
 */
async function install(): Promise<string> {
  const dest = await mkdtemp(path.join(os.tmpdir(), 'dom0-'));
  await execa('make', ['install', `DESTDIR=${dest}`, `NODE_BIN=${process.execPath}`, 'SKIP_BUILD=1'], { cwd: ROOT });
  await symlink('linstor-sr/LinstorSR.py', path.join(dest, 'opt/xensource/sm/LinstorSR'));
  return dest;
}

/** Minimal stand-ins of sm's SR and VDI modules: what the launcher, as a module, builds on. */
const SM_STANDIN = {
  'SR.py': [
    '_drivers = {}',
    'class SR(object):',
    '    def __init__(self, srcmd, sr_uuid):',
    '        raise RuntimeError("sm base constructor must not be needed")',
    'def registerSR(cls):',
    '    _drivers[cls.DRIVER_TYPE] = cls',
    'def driver(type):',
    '    for cls in _drivers.values():',
    '        if cls.handles(type): return cls',
    '    raise KeyError(type)',
  ].join('\n'),
  'VDI.py': ['class VDI(object):', '    def __init__(self, sr, uuid):', '        raise RuntimeError("sm base constructor must not be needed")'].join('\n'),
};

test('XAPI\'s entry point (the link to LinstorSR.py) answers exactly what the Node driver answers', async (t) => {
  const dest = await install();
  const entry = path.join(dest, 'opt/xensource/sm/LinstorSR');
  const viaLauncher = await execa(entry, [smapiCall('sr_get_driver_info')], { env: { PATH: '/usr/bin:/bin', ORIGINATOR: 'SM', LINSTOR_SR_LOG_FILE: '/dev/null' }, extendEnv: false });
  const direct = await execa(path.join(ROOT, 'dist', 'LinstorSR'), [smapiCall('sr_get_driver_info')], { env: { PATH: '/usr/bin:/bin', LINSTOR_SR_LOG_FILE: '/dev/null' }, extendEnv: false });
  t.is(viaLauncher.exitCode, 0);
  t.is(viaLauncher.stdout, direct.stdout);
  const fault = await execa(entry, ['not xml'], { env: { PATH: '/usr/bin:/bin', LINSTOR_SR_LOG_FILE: '/dev/null' }, extendEnv: false });
  t.regex(fault.stdout, /<int>143<\/int>/);
});

test('the launcher runs the driver on the Node runtime shipped beside it, whatever PATH finds', async (t) => {
  const dest = await install();
  const tree = path.join(dest, 'opt/xensource/sm/linstor-sr');
  // A stand-in runtime that records how it was run, then runs the real one.
  const marker = path.join(dest, 'runtime-argv');
  await mkdir(path.join(tree, 'node/bin'), { recursive: true });
  await writeFile(path.join(tree, 'node/bin/node'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${marker}\nexec ${process.execPath} "$@"\n`, { mode: 0o755 });
  const r = await execa(path.join(dest, 'opt/xensource/sm/LinstorSR'), [smapiCall('sr_get_driver_info')], { env: { PATH: '/nonexistent', LINSTOR_SR_LOG_FILE: '/dev/null' }, extendEnv: false });
  t.regex(r.stdout, /LINSTOR resources on XCP-ng/);
  t.deepEqual((await readFile(marker, 'utf8')).split('\n').slice(0, 1), [path.join(tree, 'LinstorSR')]);
});

test('the plugin\'s launcher, linked from /etc/xapi.d/plugins, runs the plugin on the Node runtime shipped beside it', async (t) => {
  const dest = await install();
  const tree = path.join(dest, 'opt/xensource/sm/linstor-sr');
  await mkdir(path.join(dest, 'etc/xapi.d/plugins'), { recursive: true });
  await symlink('../../../opt/xensource/sm/linstor-sr/linstor-manager.py', path.join(dest, 'etc/xapi.d/plugins/linstor-manager'));
  const marker = path.join(dest, 'runtime-argv');
  await mkdir(path.join(tree, 'node/bin'), { recursive: true });
  await writeFile(path.join(tree, 'node/bin/node'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${marker}\nexec ${process.execPath} "$@"\n`, { mode: 0o755 });
  const call = encodePluginCall({ fn: 'noSuchFunction', sessionRef: 'OpaqueRef:s', args: {} });
  // No agent listens under this root: the launcher runs the plugin itself.
  const r = await execa(path.join(dest, 'etc/xapi.d/plugins/linstor-manager'), [call], { env: { PATH: '/nonexistent', LINSTOR_SR_ROOT: dest, LINSTOR_SR_LOG_FILE: '/dev/null' }, extendEnv: false });
  t.regex(r.stdout, /UNKNOWN_XENAPI_PLUGIN_FUNCTION/);
  t.deepEqual((await readFile(marker, 'utf8')).split('\n').slice(0, 1), [path.join(tree, 'linstor-manager')]);
  t.is((await readFile(path.join(tree, 'linstor-manager.py'), 'utf8')).split('\n')[0], '#!/usr/bin/python3 -IS');
});

test('imported as a module, it gives sm DRIVER_INFO and a cheap SR class whose VDI path is what tapdisk serves', async (t) => {
  const dest = await install();
  const sm = await mkdtemp(path.join(os.tmpdir(), 'sm-'));
  for (const [name, text] of Object.entries(SM_STANDIN)) await writeFile(path.join(sm, name), text + '\n');
  const root = await mkdtemp(path.join(os.tmpdir(), 'root-'));
  await mkdir(path.join(root, `dev/sm/phy/${SR_UUID}`), { recursive: true });
  await symlink('/dev/drbd/by-res/xcp-volume-1234/0', path.join(root, `dev/sm/phy/${SR_UUID}/${VDI_UUID}`));
  // What SR.from_uuid does: load the driver file (through the link's real path) as module LinstorSR.
  const script = [
    'import importlib.util, json, os, sys',
    `sys.path.insert(0, ${JSON.stringify(sm)})`,
    'path = os.path.realpath(sys.argv[1])',
    'spec = importlib.util.spec_from_file_location("LinstorSR", path)',
    'mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)',
    'import SR',
    'class Cmd(object): params = {"command": "nop", "device_config": {"group-name": "linstor_group"}}',
    `sr = SR.driver("linstor")(Cmd(), ${JSON.stringify(SR_UUID)})`,
    'sr.check_sr(sr.uuid)',
    'print(json.dumps({"info": mod.DRIVER_INFO, "config": mod.DRIVER_CONFIG,',
    `  "active": sr.vdi(${JSON.stringify(VDI_UUID)}).path, "inactive": sr.vdi("00000000-0000-0000-0000-000000000000").path,`,
    '  "dconf": sr.dconf}))',
  ].join('\n');
  const out = await execa(PY, ['-c', script, path.join(dest, 'opt/xensource/sm/LinstorSR')], { env: { LINSTOR_SR_ROOT: root } });
  const result = JSON.parse(out.stdout) as { info: Record<string, unknown>; config: unknown; active: string; inactive: string; dconf: unknown };
  const driver = decodeMethodResponse((await execa(path.join(ROOT, 'dist', 'LinstorSR'), [smapiCall('sr_get_driver_info')], { env: { LINSTOR_SR_LOG_FILE: '/dev/null' } })).stdout);
  const fromDriver = JSON.parse(JSON.stringify(driver.kind === 'value' ? driver.value : null)) as Record<string, unknown>;
  t.deepEqual(result.info['capabilities'], fromDriver['capabilities']);
  t.deepEqual(
    result.info['configuration'],
    (fromDriver['configuration'] as { key: string; description: string }[]).map((c) => [c.key, c.description]),
  );
  for (const k of ['name', 'description', 'vendor', 'copyright', 'driver_version', 'required_api_version']) t.is(result.info[k], fromDriver[k]);
  t.deepEqual(result.config, { ATTACH_FROM_CONFIG_WITH_TAPDISK: false });
  t.is(result.active, '/dev/drbd/by-res/xcp-volume-1234/0');
  t.is(result.inactive, '/dev/linstor-sr/not-active/00000000-0000-0000-0000-000000000000');
  t.deepEqual(result.dconf, { 'group-name': 'linstor_group' });
});

test('as a module, check_sr (sm\'s health check) runs the driver with --check-sr <sr> on the shipped runtime and never fails', async (t) => {
  const dest = await install();
  const tree = path.join(dest, 'opt/xensource/sm/linstor-sr');
  const marker = path.join(dest, 'runtime-argv');
  await mkdir(path.join(tree, 'node/bin'), { recursive: true });
  // The stand-in runtime records its argv and fails: check_sr must still return quietly.
  await writeFile(path.join(tree, 'node/bin/node'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${marker}\nexit 3\n`, { mode: 0o755 });
  const sm = await mkdtemp(path.join(os.tmpdir(), 'sm-'));
  for (const [name, text] of Object.entries(SM_STANDIN)) await writeFile(path.join(sm, name), text + '\n');
  const script = [
    'import importlib.util, os, sys',
    `sys.path.insert(0, ${JSON.stringify(sm)})`,
    'spec = importlib.util.spec_from_file_location("LinstorSR", os.path.realpath(sys.argv[1]))',
    'mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)',
    'import SR',
    'class Cmd(object): params = {}',
    `print(SR.driver("linstor")(Cmd(), ${JSON.stringify(SR_UUID)}).check_sr(${JSON.stringify(SR_UUID)}))`,
  ].join('\n');
  const out = await execa(PY, ['-c', script, path.join(dest, 'opt/xensource/sm/LinstorSR')]);
  t.is(out.stdout, 'None');
  t.deepEqual((await readFile(marker, 'utf8')).trim().split('\n'), [path.join(tree, 'LinstorSR'), '--check-sr', SR_UUID]);
});
