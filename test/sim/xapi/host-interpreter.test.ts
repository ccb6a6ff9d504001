import test from 'ava';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hostArgv } from '../../../sim/xapi/host-interpreter.js';

async function hostRoot(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'host-interp-'));
  await mkdir(path.join(root, 'opt/pkg/node/bin'), { recursive: true });
  await writeFile(path.join(root, 'opt/pkg/node/bin/node'), '', { mode: 0o755 });
  return root;
}

test('a program whose interpreter is installed under the host root runs through that interpreter', async (t) => {
  const root = await hostRoot();
  const bundle = path.join(root, 'opt/pkg/tool');
  await writeFile(bundle, '#!/opt/pkg/node/bin/node\nconsole.log(1)\n');
  t.deepEqual(hostArgv(root, [bundle, 'a', 'b']), [path.join(root, 'opt/pkg/node/bin/node'), bundle, 'a', 'b']);
  await writeFile(bundle, '#!/opt/pkg/node/bin/node --flag\n');
  t.deepEqual(hostArgv(root, [bundle]), [path.join(root, 'opt/pkg/node/bin/node'), '--flag', bundle]);
});

test('programs with the machine\'s interpreters, or none, run unchanged', async (t) => {
  const root = await hostRoot();
  const cases = ['#!/usr/bin/env node\n', '#!/bin/sh\n', '\x7fELF', ''];
  for (const head of cases) {
    const file = path.join(root, 'prog');
    await writeFile(file, head);
    t.deepEqual(hostArgv(root, [file, 'x']), [file, 'x'], JSON.stringify(head));
  }
  t.deepEqual(hostArgv(root, [path.join(root, 'missing')]), [path.join(root, 'missing')]);
  t.deepEqual(hostArgv('/', ['/bin/true']), ['/bin/true']);
});
