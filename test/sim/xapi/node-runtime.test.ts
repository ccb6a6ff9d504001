import test from 'ava';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { nodeDirFor, SimNodeError } from '../../../sim/xapi/node-runtime.js';

test('XOSTOR_SIM_NODE puts the chosen runtime\'s directory on the PATH of simulated processes', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-node-'));
  await mkdir(path.join(dir, 'bin'));
  const node = path.join(dir, 'bin', 'node');
  await writeFile(node, '#!/bin/sh\n');
  await chmod(node, 0o755);
  t.is(nodeDirFor({ XOSTOR_SIM_NODE: node }), path.join(dir, 'bin'));
});

test('without XOSTOR_SIM_NODE, the system node is used, or this runtime when the system has none', (t) => {
  const system = ['/sbin', '/usr/sbin', '/bin', '/usr/bin'].some((d) => existsSync(path.join(d, 'node')));
  t.is(nodeDirFor({}, '/opt/other/bin/node'), system ? undefined : '/opt/other/bin');
});

test('an XOSTOR_SIM_NODE that PATH could not find as node is refused', (t) => {
  for (const value of ['node', '/usr/bin/nodejs', '/nonexistent/bin/node']) {
    t.throws(() => nodeDirFor({ XOSTOR_SIM_NODE: value }), { instanceOf: SimNodeError }, value);
  }
});
