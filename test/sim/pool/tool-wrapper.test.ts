import test from 'ava';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tool } from '../../../sim/fixtures/host-tool.js';
import type { ToolResult } from '../../../sim/host-tools/tool.js';
import { decodeToolRequest, encodeToolAnswer, toolWrapper, type ToolRequest } from '../../../sim/pool/tool-wrapper.js';
import { tmpPool } from './helpers.js';

/** A control server stand-in that records each request and answers `answer` (or a bare HTTP status). */
async function stubServer(t: { teardown(fn: () => void): void }, answer: ToolResult | number): Promise<{ url: string; requests: ToolRequest[]; server: Server }> {
  const requests: ToolRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = decodeToolRequest(Buffer.concat(chunks));
      if (request) requests.push(request);
      if (typeof answer === 'number') return void res.writeHead(answer).end('{"error":"no"}');
      const body = encodeToolAnswer(answer);
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

async function wrapperFile(url: string, tool = 'drbdsetup'): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'wrapper-')), tool);
  await writeFile(file, toolWrapper(url, 'host1', tool));
  await chmod(file, 0o755);
  return file;
}

const AWKWARD = ['', ' a b ', "it's", '"q"', '$(touch /tmp/tool-wrapper-pwned)', '`id`', 'ünïcode ✓', 'line1\nline2', '-', '--', '*', 'back\\slash', '%s%d\\0'];

test('argv reaches the pool process byte for byte, whatever it holds, and nothing in it is run', async (t) => {
  const pool = await tmpPool(t, 1);
  const r = await tool(pool, 'host1', 'systemctl', ['is-active', ...AWKWARD]);
  t.is(r.exitCode === 0 || r.exitCode === 3, true, r.stderr);
  t.deepEqual(pool.runtime.host('host1').toolCalls.at(-1), { tool: 'systemctl', argv: ['is-active', ...AWKWARD] });
  t.false(existsSync('/tmp/tool-wrapper-pwned'));
});

test('stdout, stderr and the exit status come back apart and exact, a MiB of output included', async (t) => {
  const stdout = 'x'.repeat(1024 * 1024 - 3) + 'é\n';
  const stub = await stubServer(t, { stdout, stderr: 'first\nsecond ✓\n', exitCode: 3 });
  const r = await execa(await wrapperFile(stub.url), ['status', '--json'], { reject: false, stripFinalNewline: false });
  t.is(r.exitCode, 3);
  t.is(r.stdout, stdout);
  t.is(r.stderr, 'first\nsecond ✓\n');
  t.deepEqual(stub.requests, [{ host: 'host1', tool: 'drbdsetup', argv: ['status', '--json'] }]);
  const quiet = await stubServer(t, { exitCode: 0 });
  const none = await execa(await wrapperFile(quiet.url), [], { reject: false });
  t.like(none, { exitCode: 0, stdout: '', stderr: '' });
  t.deepEqual(quiet.requests, [{ host: 'host1', tool: 'drbdsetup', argv: [] }]);
});

test('a pool process that is gone or answers an error fails the tool with status 1 and says why', async (t) => {
  const stub = await stubServer(t, 500);
  const garbage = await execa(await wrapperFile(stub.url), ['show'], { reject: false });
  t.is(garbage.exitCode, 1);
  t.regex(garbage.stderr, /^drbdsetup: the simulated pool answered garbage \(HTTP\/1\.1 500/);
  const gone = await stubServer(t, { exitCode: 0 });
  const file = await wrapperFile(gone.url, 'tap-ctl');
  await new Promise<void>((resolve) => gone.server.close(() => resolve()));
  const down = await execa(file, ['list'], { reject: false });
  t.is(down.exitCode, 1);
  t.is(down.stderr, 'tap-ctl: simulated host host1 is unreachable: the pool process does not answer');
});

test('a request body is NUL-ended host, tool and arguments; anything else is refused', (t) => {
  t.deepEqual(decodeToolRequest(Buffer.from('host1\0tap-ctl\0list\0\0')), { host: 'host1', tool: 'tap-ctl', argv: ['list', ''] });
  t.deepEqual(decodeToolRequest(Buffer.from('host1\0tap-ctl\0')), { host: 'host1', tool: 'tap-ctl', argv: [] });
  for (const bad of ['', 'host1\0tap-ctl', 'host1\0', '\0tap-ctl\0', 'host1\0\0']) t.is(decodeToolRequest(Buffer.from(bad)), undefined, JSON.stringify(bad));
  t.deepEqual(encodeToolAnswer({ stdout: 'out', stderr: 'é', exitCode: 2 }), Buffer.from('2 2\néout'));
});
