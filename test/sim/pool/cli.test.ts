import test from 'ava';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createXapi } from '../../../lib/xapi/index.js';
import { dist } from '../../helpers/run-built.js';

type UpInfo = {
  xapi_url: string;
  linstor_url: string;
  master: string;
  hosts: Record<string, { root: string; address: string; xapi_socket: string; legacy_plugin?: true }>;
};

/** Starts `dist/xostor-sim up` and resolves with its JSON line once the pool is ready. */
async function up(dir: string, args: string[] = []) {
  const proc = execa(dist('xostor-sim'), ['up', '--dir', dir, ...args], { reject: false });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text);
    });
    void proc.then((r) => reject(new Error(`up exited ${r.exitCode}: ${String(r.stderr)}`)));
  });
  return { proc, line };
}

test('up prints one JSON line, serves XAPI on TCP and each host socket; down stops it and everything it started', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'up-'));
  const { proc, line } = await up(dir, ['--hosts', '3', '--diskless', 'host3', '--disk-size', '20G', '--legacy-plugin-hosts', 'host2']);
  t.teardown(async () => {
    await execa(dist('xostor-sim'), ['down', '--dir', dir], { reject: false });
  });
  t.is(line.split('\n').filter(Boolean).length, 1, 'exactly one line');
  const info = JSON.parse(line) as UpInfo;
  t.is(info.master, 'host1');
  t.deepEqual(Object.keys(info.hosts), ['host1', 'host2', 'host3']);
  t.regex(info.linstor_url, /^http:\/\/127\.\d+\.\d+\.1:3370$/);
  t.is(Number((await readFile(path.join(dir, 'xostor-sim.pid'), 'utf8')).trim()), proc.pid ?? -1);

  const tcp = createXapi({ endpoint: { url: info.xapi_url } });
  await tcp.client.loginWithPassword('root', '');
  const hosts = (await tcp.call<string[]>('host.get_all')).length;
  t.is(hosts, 3);
  const local = createXapi({ endpoint: { socketPath: info.hosts['host2']!.xapi_socket } });
  await local.client.loginWithPassword('root', 'anything');
  t.is((await local.call<string[]>('host.get_all')).length, 3, 'a host socket serves the pool too');
  // host2 answers with the pre-2026 linstor-manager (a mixed pool).
  t.deepEqual([info.hosts['host1']?.legacy_plugin, info.hosts['host2']?.legacy_plugin], [undefined, true]);
  const [host2] = Object.entries(await tcp.host.getAllRecords()).find(([, r]) => r.hostname === 'host2') ?? [''];
  t.like(await t.throwsAsync(tcp.host.callPlugin(host2, 'linstor-manager', 'getInfo', {})), { code: 'UNKNOWN_XENAPI_PLUGIN_FUNCTION', params: ['getInfo'] });

  const again = await execa(dist('xostor-sim'), ['up', '--dir', dir, '--hosts', '1'], { reject: false });
  t.is(again.exitCode, 1);
  t.regex(String(again.stderr), /already runs/);

  const armed = await execa(dist('xostor-sim'), ['fault', '--dir', dir, '--host', 'host2', '--verb', 'vdi_create', '--point', 'after-create', '--action', 'kill']);
  t.deepEqual(JSON.parse(String(armed.stdout)), { armed: 'after-create:kill', host: 'host2', verb: 'vdi_create' });
  const badFault = await execa(dist('xostor-sim'), ['fault', '--dir', dir, '--host', 'host2', '--verb', 'vdi_create', '--point', 'x', '--action', 'explode'], { reject: false });
  t.is(badFault.exitCode, 1);

  // The controller has not run yet: no LINSTOR node to mark (the mark itself: test/e2e/version-mismatch).
  const node = await execa(dist('xostor-sim'), ['node', '--dir', dir, '--node', 'host1', '--status', 'VERSION_MISMATCH'], { reject: false });
  t.is(node.exitCode, 1);
  t.regex(String(node.stderr), /controller never ran/);

  const file = path.join(dir, 'data');
  await writeFile(file, 'hello');
  const io = await execa(dist('xostor-sim'), ['io', '--dir', dir, '--host', 'host1', '--vdi', '66666666-7777-8888-9999-000000000000', 'write', '--offset', '0', '--file', file], { reject: false });
  t.is(io.exitCode, 1);
  t.regex(String(io.stderr), /not active on host1/);

  // A detached process started for the pool (as the driver starts its collector, with the environment
  // the pool gave the driver) must not survive down.
  const { spawn } = await import('node:child_process');
  const poolId = (await readFile(path.join(dir, 'xostor-sim.pool-id'), 'utf8')).trim();
  const env = { LINSTOR_SR_ROOT: info.hosts['host1']!.root + '/', XOSTOR_SIM_POOL: poolId };
  const straggler = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env });
  straggler.unref();
  // Its exit, not a signal-0 probe: until this process reaps it, a killed child still answers one.
  const ended = new Promise<NodeJS.Signals | null>((resolve) => straggler.once('exit', (_code, signal) => resolve(signal)));
  const down = await execa(dist('xostor-sim'), ['down', '--dir', dir]);
  // A referenced timer: the straggler is unreferenced, and once up has exited nothing else keeps this
  // worker's event loop alive to see the straggler's exit.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), 10_000)));
  t.is(await Promise.race([ended, timeout]), 'SIGKILL', 'the straggler was killed');
  clearTimeout(timer);
  t.is(down.exitCode, 0);
  const result = await proc;
  t.is(result.exitCode, 0, 'up exits cleanly on down');
  t.false(existsSync(path.join(dir, 'xostor-sim.pid')));
  const left = (await execa('pgrep', ['-f', dir], { reject: false })).stdout;
  t.is(String(left).trim(), '', 'no process of the pool is left');
  t.is((await execa(dist('xostor-sim'), ['down', '--dir', dir])).exitCode, 0, 'down with nothing running');
});

/** Whether `pid` is still running (ours to signal). */
const running = (pid: number | undefined): boolean => {
  try {
    process.kill(pid ?? -1, 0);
    return true;
  } catch {
    return false;
  }
};

test('down ends only what the pool started: not a process under its directory, not one under a directory sharing its prefix, not its caller', async (t) => {
  const { spawn } = await import('node:child_process');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'down-'));
  const { proc } = await up(dir, ['--hosts', '1']);
  t.teardown(async () => {
    await execa(dist('xostor-sim'), ['down', '--dir', dir], { reject: false });
  });
  const unrelated: import('node:child_process').ChildProcess[] = [];
  t.teardown(() => {
    for (const child of unrelated) if (running(child.pid)) process.kill(child.pid ?? -1, 'SIGKILL');
  });
  // argv[0] under the pool directory, run from there.
  const sleep = path.join(dir, 'sleep');
  await copyFile((await execa('sh', ['-c', 'command -v sleep'])).stdout.trim(), sleep);
  await execa('chmod', ['755', sleep]);
  unrelated.push(spawn(sleep, ['300'], { cwd: dir, stdio: 'ignore' }));
  // Another directory whose name starts with the pool's (another pool's, say).
  const sibling = `${dir}-other`;
  await mkdir(sibling);
  await writeFile(path.join(sibling, 'idle.mjs'), 'setInterval(() => {}, 1000);\n');
  unrelated.push(spawn(process.execPath, [path.join(sibling, 'idle.mjs'), dir], { stdio: 'ignore' }));
  // A tool run by hand on a host of the pool: not started by the pool.
  unrelated.push(spawn('sleep', ['300'], { stdio: 'ignore', env: { LINSTOR_SR_ROOT: path.join(dir, 'host1') + '/' } }));
  // What the pool started, detached, as a driver starts its collector.
  const poolId = (await readFile(path.join(dir, 'xostor-sim.pool-id'), 'utf8')).trim();
  const straggler = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env: { XOSTOR_SIM_POOL: poolId } });
  straggler.unref();
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.true(unrelated.every((child) => running(child.pid)) && running(straggler.pid), 'all started');

  // The caller: a script under the pool directory, run from there, naming the directory in its argv.
  const caller = path.join(dir, 'caller.mjs');
  await writeFile(
    caller,
    "import { execFileSync } from 'node:child_process';\n" +
      'execFileSync(process.argv[2], [\'down\', \'--dir\', process.argv[3]], { stdio: \'inherit\' });\n' +
      "process.stdout.write('caller survived\\n');\n",
  );
  const down = await execa(process.execPath, [caller, dist('xostor-sim'), dir], { cwd: dir, reject: false });
  t.is(down.signal, undefined, 'the caller was not killed');
  t.is(down.exitCode, 0, String(down.stderr));
  t.is(String(down.stdout).trim(), 'caller survived');

  t.is((await proc).exitCode, 0, 'up stopped');
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.false(running(straggler.pid), 'the pool\'s detached process was killed');
  for (const [i, child] of unrelated.entries()) t.true(running(child.pid), `unrelated process ${i} is alive`);
  t.false(existsSync(path.join(dir, 'xostor-sim.pid')));
});
