import test from 'ava';
import { execa } from 'execa';
import { access, constants, mkdtemp, readFile, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/run-built.js';

test('make install puts the bundles where sm installs its files, with NODE in their shebangs', async (t) => {
  const dest = await mkdtemp(path.join(os.tmpdir(), 'install-'));
  // The bundles are already built by `npm test`; SKIP_BUILD avoids rebuilding them concurrently.
  await execa('make', ['install', `DESTDIR=${dest}`, 'NODE=/opt/node20/bin/node', 'SKIP_BUILD=1'], { cwd: ROOT });
  for (const file of ['opt/xensource/sm/linstor-sr/LinstorSR', 'opt/xensource/sm/linstor-sr/linstor-gc', 'etc/xapi.d/plugins/linstor-manager', 'opt/xensource/bin/vhd-tool', 'opt/xensource/bin/linstor-kv-tool', 'opt/xensource/bin/linstor-health']) {
    const full = path.join(dest, file);
    await access(full, constants.X_OK);
    const text = await readFile(full, 'utf8');
    t.true(text.startsWith('#!/opt/node20/bin/node\n'), `${file} shebang`);
  }
  // XAPI's entry point is a link to the Python launcher; the lock helper sits beside the bundle.
  t.is(await readlink(path.join(dest, 'opt/xensource/sm/LinstorSR')), 'LinstorSR.py');
  await access(path.join(dest, 'opt/xensource/sm/LinstorSR.py'), constants.X_OK);
  await access(path.join(dest, 'opt/xensource/sm/linstor-sr/sm-lock-helper.py'), constants.R_OK);
});
