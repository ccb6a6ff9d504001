import test from 'ava';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { unixSocketAnswers } from '../../../lib/host/unix-socket.js';

test('a Unix socket answers while a server listens on it, and not when missing, stale or a plain file', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sock-'));
  const socket = path.join(dir, 's.sock');
  t.false(await unixSocketAnswers(socket));
  const server = createServer((c) => c.destroy());
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  t.true(await unixSocketAnswers(socket));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  t.false(await unixSocketAnswers(socket));
  await writeFile(path.join(dir, 'file'), '');
  t.false(await unixSocketAnswers(path.join(dir, 'file')));
});
