/**
 * linstor-sr-agent as a process, with the Python launchers xapi runs: answers byte for byte those of
 * direct mode, a call that dies takes only itself, the launcher falls back to the Node entry whenever the
 * agent cannot take a call at once.
 */
import test from 'ava';
import { execa } from 'execa';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { encodePluginCall } from '../../lib/smapi/plugin.js';
import { startTestAgent, type TestAgent } from '../helpers/agent.js';
import { dist, dumpsWithPython } from '../helpers/run-built.js';
import { smapiCall } from '../helpers/smapi-call.js';

const DRIVER_INFO = smapiCall('sr_get_driver_info');
const PYTHON_DRIVER_INFO = await dumpsWithPython('sr_get_driver_info', [{ host_ref: 'OpaqueRef:a', command: 'sr_get_driver_info', args: [], device_config: {} }]);
const plugin = (fn: string, args: Record<string, string> = {}) => encodePluginCall({ fn, sessionRef: 'OpaqueRef:session', args });

/** A directory whose `systemctl` runs `body` (a shell script). */
async function systemctl(body: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bin-'));
  await writeFile(path.join(dir, 'systemctl'), `#!/bin/sh\n${body}\n`);
  await chmod(path.join(dir, 'systemctl'), 0o755);
  return dir;
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(safeRead(`/proc/${pid}/status`));
function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A plugin call that hangs in `systemctl` until killed; resolves with the launcher and the hanging command's parent (the call's process). */
async function hangingCall(agent: TestAgent): Promise<{ run: ReturnType<TestAgent['start']>; callPid: number }> {
  const marker = path.join(agent.root, `hang-${Math.random().toString(16).slice(2)}`);
  const bin = await systemctl(`echo $PPID > ${marker}\nexec sleep 20`);
  const run = agent.start('linstor-manager.py', [plugin('hasControllerRunning')], { PATH: `${bin}:${process.env['PATH']}` });
  await until('the call reached systemctl', () => existsSync(marker) && safeRead(marker).trim() !== '');
  return { run, callPid: Number(safeRead(marker).trim()) };
}

test('driver and plugin answers through the agent are byte for byte those of the Node entry', async (t) => {
  const agent = await startTestAgent(t);
  const bin = await systemctl('[ "$1 $2 $3" = "is-active --quiet linstor-controller" ] && exit 0\nexit 1');
  const calls: [string, 'LinstorSR.py' | 'linstor-manager.py', string[], Record<string, string>][] = [
    ['sr_get_driver_info (xapi form)', 'LinstorSR.py', [DRIVER_INFO], {}],
    ['sr_get_driver_info (Python form)', 'LinstorSR.py', [PYTHON_DRIVER_INFO], {}],
    ['not XML', 'LinstorSR.py', ['<<<'], {}],
    ['no argument', 'LinstorSR.py', [], {}],
    ['a verb never built', 'LinstorSR.py', [smapiCall('sr_content_type')], {}],
    ['sr_scan without a session', 'LinstorSR.py', [smapiCall('sr_scan', { session_ref: undefined })], {}],
    ['an unknown plugin function', 'linstor-manager.py', [plugin('noSuchFunction')], {}],
    ['a plugin call whose answer depends on the environment', 'linstor-manager.py', [plugin('hasControllerRunning')], { PATH: `${bin}:${process.env['PATH']}` }],
    ['a plugin call with bad XML', 'linstor-manager.py', ['<methodCall>'], {}],
  ];
  for (const [what, launcher, argv, env] of calls) {
    const viaAgent = await agent.launch(launcher, argv, env);
    const direct = await agent.launch(launcher, argv, { ...env, LINSTOR_SR_AGENT: 'off' });
    t.is(viaAgent.stdout, direct.stdout, `${what}: stdout`);
    t.is(viaAgent.exitCode, direct.exitCode, `${what}: exit status`);
    t.is(viaAgent.stderr, direct.stderr, `${what}: stderr`);
    t.true(String(viaAgent.stdout).includes('methodResponse'), `${what}: a response`);
    // An agent worker ran the first, the launcher's own process the second; both log the launcher's pid.
    const ends = await agent.callEnds();
    t.not(ends.find((e) => e.pid === viaAgent.pid)?.worker, undefined, `${what}: run by a worker`);
    t.is(ends.find((e) => e.pid === direct.pid)?.worker, undefined, `${what}: run by the launcher`);
  }
});

test('without an agent, or with LINSTOR_SR_AGENT=off, the launchers run the Node entry themselves', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'no-agent-'));
  const env = { PATH: process.env['PATH'] ?? '', LINSTOR_SR_ROOT: root, LINSTOR_SR_LOG_FILE: path.join(root, 'SMlog') };
  const direct = await execa(dist('LinstorSR.py'), [DRIVER_INFO], { reject: false, extendEnv: false, env, stripFinalNewline: false });
  const node = await execa(dist('LinstorSR'), [DRIVER_INFO], { reject: false, extendEnv: false, env, stripFinalNewline: false });
  t.is(direct.exitCode, 0);
  t.is(direct.stdout, node.stdout);
  // A socket file nobody serves (an agent that died): refused at once, the call runs here.
  const stale = await execa(dist('linstor-manager.py'), [plugin('noSuchFunction')], {
    reject: false, extendEnv: false, env: { ...env, LINSTOR_SR_AGENT_SOCKET: path.join(root, 'nobody.sock') }, stripFinalNewline: false,
  });
  t.regex(String(stale.stdout), /UNKNOWN_XENAPI_PLUGIN_FUNCTION/);
});

test('a call past its deadline dies as a killed driver would, and only it', async (t) => {
  const agent = await startTestAgent(t, ['--deadline', '1']);
  const started = Date.now();
  const { run, callPid } = await hangingCall(agent);
  const hung = await run;
  t.is(hung.signal, 'SIGKILL');
  t.is(hung.stdout, '');
  t.true(Date.now() - started < 20_000);
  await until('the worker is gone', () => !alive(callPid));
  t.regex(await readFile(agent.log, 'utf8'), /passed its deadline of 1000 ms: killing worker/);
  const next = await agent.launch('LinstorSR.py', [DRIVER_INFO]);
  t.is(next.exitCode, 0);
  t.regex(String(next.stdout), /<name>driver_version<\/name>/);
  t.not((await agent.callEnds()).find((e) => e.pid === next.pid)?.worker, undefined, 'run by a new worker');
});

test('a launcher killed while it waits takes its call with it', async (t) => {
  const agent = await startTestAgent(t);
  const { run, callPid } = await hangingCall(agent);
  t.true(alive(callPid));
  run.kill('SIGKILL');
  await run;
  await until('the call was killed with its launcher', () => !alive(callPid), 10_000);
  t.pass();
});

test('with every worker busy a launcher runs the call itself rather than wait', async (t) => {
  const agent = await startTestAgent(t, ['--max-workers', '1', '--spare', '0']);
  const { run } = await hangingCall(agent);
  const other = await agent.launch('LinstorSR.py', [DRIVER_INFO]);
  t.is(other.exitCode, 0);
  const ends = await agent.callEnds();
  t.truthy(ends.find((e) => e.pid === other.pid));
  t.is(ends.find((e) => e.pid === other.pid)?.worker, undefined, 'run by the launcher itself');
  run.kill('SIGKILL');
  await run;
});

test('a worker is replaced after --max-requests calls', async (t) => {
  const agent = await startTestAgent(t, ['--max-requests', '1', '--max-workers', '2', '--spare', '1']);
  const launchers: number[] = [];
  for (let i = 0; i < 4; i += 1) {
    const r = await agent.launch('LinstorSR.py', [DRIVER_INFO]);
    t.is(r.exitCode, 0);
    launchers.push(r.pid);
    // Wait for the retirement, so that the next call meets a worker rather than a busy agent.
    await until('the worker was replaced', async () => (await readFile(agent.log, 'utf8')).split('replaced after 1 calls').length - 1 >= i + 1);
  }
  const ends = await agent.callEnds();
  t.deepEqual(ends.map((e) => e.pid), launchers);
  const workers = ends.map((e) => e.worker);
  t.false(workers.includes(undefined));
  t.is(new Set(workers).size, 4, 'each call ran in a fresh worker');
});

test('a malformed request is dropped and the agent serves the next one', async (t) => {
  const agent = await startTestAgent(t);
  const dropped = await new Promise<string>((resolve) => {
    const s = connect(agent.socket);
    let got = '';
    s.on('data', (c: Buffer) => {
      got += c.toString();
      if (got === 'ready\n') s.write(Buffer.from('\0\0\0\x05hello'));
    });
    s.on('close', () => resolve(got));
    s.on('error', () => undefined);
  });
  t.is(dropped, 'ready\n');
  const next = await agent.launch('LinstorSR.py', [DRIVER_INFO]);
  t.is(next.exitCode, 0);
  t.regex(await readFile(agent.log, 'utf8'), /refused a request: the frame is not JSON/);
});

test('the socket is root-only, a second agent will not take it over, SIGTERM stops the agent', async (t) => {
  const agent = await startTestAgent(t);
  t.is((await stat(agent.socket)).mode & 0o777, 0o600);
  t.is((await stat(path.dirname(agent.socket))).mode & 0o777, 0o700);
  const second = await execa(process.execPath, [dist('linstor-sr-agent')], { reject: false, extendEnv: false, env: agent.env() });
  t.is(second.exitCode, 1);
  t.regex(second.stderr, /already serves/);
  t.deepEqual(await agent.stop(), { code: 0, signal: null });
  const after = await agent.launch('LinstorSR.py', [DRIVER_INFO]);
  t.is(after.exitCode, 0);
  t.like(await agent.callEnds(), [{ pid: after.pid, worker: undefined }]);
});

test('on SIGTERM the agent takes no new call and lets the one in progress finish before it exits', async (t) => {
  const agent = await startTestAgent(t);
  const marker = path.join(agent.root, 'reached');
  const release = path.join(agent.root, 'release');
  const bin = await systemctl(`touch ${marker}\nwhile [ ! -e ${release} ]; do sleep 0.05; done\nexit 0`);
  const running = agent.start('linstor-manager.py', [plugin('hasControllerRunning')], { PATH: `${bin}:${process.env['PATH']}` });
  await until('the call runs', () => existsSync(marker));
  agent.child.kill('SIGTERM');
  await until('the socket is gone', () => !existsSync(agent.socket));
  const meanwhile = await agent.launch('LinstorSR.py', [DRIVER_INFO]);
  t.is(meanwhile.exitCode, 0);
  t.is((await agent.callEnds()).find((e) => e.pid === meanwhile.pid)?.worker, undefined, 'a new call runs in its launcher');
  t.is(agent.child.exitCode, null, 'the agent waits for the call in progress');
  await writeFile(release, '');
  const finished = await running;
  t.is(finished.exitCode, 0);
  t.regex(String(finished.stdout), /<value>True<\/value>|True/);
  // It exits by itself once the call is done: a second signal here could land while Node exits.
  t.deepEqual(await agent.exited, { code: 0, signal: null });
});

test('bad agent options exit 2 with the reason and start nothing', async (t) => {
  const r = await execa(process.execPath, [dist('linstor-sr-agent'), '--max-workers', 'many'], { reject: false });
  t.is(r.exitCode, 2);
  t.regex(r.stderr, /--max-workers must be an integer/);
});

test('an agent that accepts but never greets (stopped, hung) costs a launcher two seconds, then it runs the call itself', async (t) => {
  const agent = await startTestAgent(t);
  agent.child.kill('SIGSTOP');
  t.teardown(() => {
    agent.child.kill('SIGCONT');
  });
  const started = Date.now();
  const r = await agent.launch('LinstorSR.py', [DRIVER_INFO]);
  const took = Date.now() - started;
  t.is(r.exitCode, 0);
  t.regex(String(r.stdout), /<name>driver_version<\/name>/);
  t.true(took >= 1900 && took < 15_000, `${took} ms`);
  agent.child.kill('SIGCONT');
  t.is((await agent.callEnds()).find((e) => e.pid === r.pid)?.worker, undefined, 'run by the launcher itself');
});

test('a call whose reserved worker died before the call reached it runs on another worker, once', async (t) => {
  const agent = await startTestAgent(t, ['--max-workers', '1', '--spare', '1']);
  const workerPid = async () => {
    let pid: number | undefined;
    await until('a worker runs', async () => {
      const children = (await execa('pgrep', ['-P', String(agent.child.pid), '-f', 'linstor-sr-agent-worker'], { reject: false })).stdout.trim().split('\n').filter(Boolean);
      pid = children.length === 1 ? Number(children[0]) : undefined;
      return pid !== undefined;
    });
    return pid!;
  };
  const first = await workerPid();
  // A launcher's connection reserves the only worker; the worker dies before the request is sent.
  const socket = connect(agent.socket);
  const answer = new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('error', () => undefined);
  });
  await new Promise((resolve) => socket.once('data', resolve));
  process.kill(first, 'SIGKILL');
  // Reaped, not merely a zombie: the agent has seen the exit before the request arrives.
  await until('the agent has reaped the reserved worker', () => !existsSync(`/proc/${first}`));
  const body = Buffer.from(JSON.stringify({ kind: 'driver', argv: [DRIVER_INFO], env: agent.env(), pid: process.pid }));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  socket.write(Buffer.concat([head, body]));
  const got = await answer;
  t.is(got.subarray(0, 6).toString(), 'ready\n');
  const reply = JSON.parse(got.subarray(10).toString()) as { stdout: string; exitCode: number };
  t.is(reply.exitCode, 0);
  t.regex(reply.stdout, /<name>driver_version<\/name>/);
  t.not(await workerPid(), first);
  t.is((await agent.callEnds()).length, 1, 'it ran once');
});
