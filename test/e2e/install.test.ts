import test from 'ava';
import { execa } from 'execa';
import { access, constants, lstat, mkdtemp, readFile, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/run-built.js';
import { smapiCall } from '../helpers/smapi-call.js';

const TREE = 'opt/xensource/sm/linstor-sr';

test('make install puts the tree under /opt/xensource/sm/linstor-sr, with NODE_BIN in its shebangs, and no path of sm\'s', async (t) => {
  const dest = await mkdtemp(path.join(os.tmpdir(), 'install-'));
  // The bundles are already built by `npm test`; SKIP_BUILD avoids rebuilding them concurrently.
  await execa('make', ['install', `DESTDIR=${dest}`, 'NODE_BIN=/opt/node24/bin/node', 'SKIP_BUILD=1'], { cwd: ROOT });
  for (const name of ['LinstorSR', 'LinstorSR-main.cjs', 'linstor-gc', 'linstor-manager', 'linstor-kv-tool', 'linstor-health', 'linstor-vhd-util', 'linstor-sr-switch', 'linstor-sr-switch-plugin']) {
    const full = path.join(dest, TREE, name);
    await access(full, constants.X_OK);
    t.true((await readFile(full, 'utf8')).startsWith('#!/opt/node24/bin/node\n'), `${name} shebang`);
  }
  t.true((await readFile(path.join(dest, TREE, 'LinstorSR.py'), 'utf8')).startsWith('#!/usr/bin/python3 -IS\n'), 'the launcher names its interpreter');
  await access(path.join(dest, TREE, 'sm-lock-helper.py'), constants.R_OK);
  // The operator tools and the switch's plugin are relative links into the tree.
  t.is(await readlink(path.join(dest, 'opt/xensource/bin/linstor-sr-switch')), '../sm/linstor-sr/linstor-sr-switch');
  t.is(await readlink(path.join(dest, 'opt/xensource/bin/linstor-vhd-util')), '../sm/linstor-sr/linstor-vhd-util');
  t.is(await readlink(path.join(dest, 'etc/xapi.d/plugins/linstor-sr-switch')), '../../../opt/xensource/sm/linstor-sr/linstor-sr-switch-plugin');
  t.true((await lstat(path.join(dest, 'var/lib/linstor-sr'))).isDirectory());
  // What sm's package owns is left to `linstor-sr-switch enable`.
  for (const sm of ['opt/xensource/sm/LinstorSR', 'opt/xensource/sm/LinstorSR.py', 'etc/xapi.d/plugins/linstor-manager', 'opt/xensource/bin/linstor-kv-tool']) {
    await t.throwsAsync(lstat(path.join(dest, sm)), { code: 'ENOENT' }, sm);
  }
  // The installed entry answers driver info itself and finds the full driver beside it for other calls.
  const env = { PATH: '/usr/bin:/bin', ORIGINATOR: 'SM', LINSTOR_SR_LOG_FILE: '/dev/null' };
  const entry = path.join(dest, TREE, 'LinstorSR');
  const run = async (argv: string[]) => (await execa(process.execPath, [entry, ...argv], { env, extendEnv: false })).stdout;
  t.regex(await run([smapiCall('sr_get_driver_info')]), /LINSTOR resources on XCP-ng/);
  t.regex(await run(['not xml']), /<int>143<\/int>/);
});

test('make install refuses to write shebangs naming a runtime it does not ship', async (t) => {
  const dest = await mkdtemp(path.join(os.tmpdir(), 'install-'));
  const r = await execa('make', ['install', `DESTDIR=${dest}`, 'SKIP_BUILD=1'], { cwd: ROOT, reject: false });
  t.not(r.exitCode, 0);
  t.regex(r.stderr, /pass NODE_DIST=/);
});
