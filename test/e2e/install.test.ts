import test from 'ava';
import { execa } from 'execa';
import { access, constants, mkdtemp, readFile, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/run-built.js';
import { smapiCall } from '../helpers/smapi-call.js';

test('make install puts the bundles where sm installs its files, with NODE in their shebangs', async (t) => {
  const dest = await mkdtemp(path.join(os.tmpdir(), 'install-'));
  // The bundles are already built by `npm test`; SKIP_BUILD avoids rebuilding them concurrently.
  await execa('make', ['install', `DESTDIR=${dest}`, 'NODE=/opt/node20/bin/node', 'SKIP_BUILD=1'], { cwd: ROOT });
  for (const file of ['opt/xensource/sm/linstor-sr/LinstorSR', 'opt/xensource/sm/linstor-sr/LinstorSR-main.cjs', 'opt/xensource/sm/linstor-sr/linstor-gc', 'etc/xapi.d/plugins/linstor-manager', 'opt/xensource/bin/linstor-vhd-util', 'opt/xensource/bin/linstor-kv-tool', 'opt/xensource/bin/linstor-health']) {
    const full = path.join(dest, file);
    await access(full, constants.X_OK);
    const text = await readFile(full, 'utf8');
    t.true(text.startsWith('#!/opt/node20/bin/node\n'), `${file} shebang`);
  }
  // XAPI's entry point is a link to the Python launcher; the lock helper sits beside the bundle.
  t.is(await readlink(path.join(dest, 'opt/xensource/sm/LinstorSR')), 'LinstorSR.py');
  await access(path.join(dest, 'opt/xensource/sm/LinstorSR.py'), constants.X_OK);
  await access(path.join(dest, 'opt/xensource/sm/linstor-sr/sm-lock-helper.py'), constants.R_OK);
  // The installed entry answers driver info itself and finds the full driver beside it for other calls.
  const env = { PATH: '/usr/bin:/bin', ORIGINATOR: 'SM', LINSTOR_SR_LOG_FILE: '/dev/null' };
  const entry = path.join(dest, 'opt/xensource/sm/linstor-sr/LinstorSR');
  const run = async (argv: string[]) => (await execa(process.execPath, [entry, ...argv], { env, extendEnv: false })).stdout;
  t.regex(await run([smapiCall('sr_get_driver_info')]), /LINSTOR resources on XCP-ng/);
  t.regex(await run(['not xml']), /<int>143<\/int>/);
});
