import test from 'ava';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BridgeStartError, httpNbdVolume, startBridge, stopBridge } from '../../../lib/ha/http-nbd.js';
import { createLogger } from '../../../lib/log/logger.js';

const log = createLogger({ write: () => undefined, close: async () => undefined }, { minLevel: 'error' });
const VOLUME = 'xcp-persistent-ha-statefile';

/** A host root whose PATH has the two servers as the given shell scripts (argv logged to <root>/argv.<name>). */
async function fakeServers(scripts: { http: string; nbd: string }): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'http-nbd-'));
  await mkdir(path.join(root, 'bin'));
  for (const [name, body] of [['http-disk-server', scripts.http], ['nbd-http-server', scripts.nbd]] as const) {
    const file = path.join(root, 'bin', name);
    await writeFile(file, `#!/bin/sh\necho "$@" > '${root}/argv.${name}'\n${body}\n`);
    await chmod(file, 0o755);
  }
  return root;
}

async function withPath<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env['PATH'];
  process.env['PATH'] = `${path.join(root, 'bin')}:${saved}`;
  try {
    return await fn();
  } finally {
    process.env['PATH'] = saved;
  }
}

const options = (root: string, diskPath: string | undefined) => ({
  root, log, volume: VOLUME, diskPath, localAddress: '10.0.0.1', hostAddresses: ['10.0.0.1', '10.0.0.2'],
});

test.serial('the bridge starts both servers with the Python driver\'s arguments, links the NBD device, and stops them', async (t) => {
  const root = await fakeServers({
    http: `echo "[drbd1000] Server ready!" >&2\nexec sleep 600`,
    nbd: `echo "[${VOLUME}] NBD \\\`/dev/nbd3\\\` is now attached." >&2\nexec sleep 600`,
  });
  const link = await withPath(root, () => startBridge(options(root, `/dev/drbd/by-res/${VOLUME}/0`)));
  t.is(link, `/dev/http-nbd/${VOLUME}`);
  t.is(await readlink(path.join(root, link)), '../nbd3');
  t.is((await readFile(path.join(root, 'argv.http-disk-server'), 'utf8')).trim(), `--disk /dev/drbd/by-res/${VOLUME}/0 --ip 10.0.0.1 --port 8076`);
  t.is(
    (await readFile(path.join(root, 'argv.nbd-http-server'), 'utf8')).trim(),
    `--socket-path /run/${VOLUME}.socket --nbd-name ${VOLUME} --urls http://10.0.0.1:8076,http://10.0.0.2:8076 --device-size 4194304`,
  );
  const pids = await Promise.all(['http-server', 'nbd-server'].map(async (k) => Number(await readFile(path.join(root, `run/${k}-${VOLUME}.pid`), 'utf8'))));
  await stopBridge(root, VOLUME, log);
  t.false(existsSync(path.join(root, link)));
  t.false(existsSync(path.join(root, `run/http-server-${VOLUME}.pid`)));
  for (const pid of pids) {
    let gone = false;
    for (let i = 0; i < 50 && !gone; i += 1) {
      gone = !existsSync(`/proc/${pid}`) || /\) Z /.test(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ') Z '));
      if (!gone) await new Promise((r) => setTimeout(r, 100));
    }
    t.true(gone, `process group ${pid} stopped`);
  }
});

test.serial('a server that exits before its readiness line fails the start, and nothing is left running or linked', async (t) => {
  const root = await fakeServers({
    http: `echo "[drbd1000] Server ready!" >&2\nexec sleep 600`,
    nbd: `echo "modprobe: nbd not found" >&2\nexit 1`,
  });
  const error = await withPath(root, () => t.throwsAsync(startBridge(options(root, `/dev/drbd/by-res/${VOLUME}/0`)), { instanceOf: BridgeStartError }));
  t.regex(error?.message ?? '', /nbd-http-server exited .*nbd not found/);
  t.false(existsSync(path.join(root, `dev/http-nbd/${VOLUME}`)));
  t.false(existsSync(path.join(root, `run/http-server-${VOLUME}.pid`)), 'the HTTP server started first was stopped too');
  t.false(existsSync(path.join(root, `run/nbd-server-${VOLUME}.pid`)));
});

test('an unknown volume is refused before anything runs; only /dev/http-nbd paths are bridged', async (t) => {
  const root = await fakeServers({ http: 'exit 1', nbd: 'exit 1' });
  await t.throwsAsync(startBridge({ ...options(root, undefined), volume: 'xcp-volume-x' }), { message: /Unsupported path/ });
  t.false(existsSync(path.join(root, 'argv.nbd-http-server')));
  t.is(httpNbdVolume('/dev/http-nbd/xcp-persistent-redo-log'), 'xcp-persistent-redo-log');
  t.is(httpNbdVolume('/dev/drbd/by-res/xcp-persistent-redo-log/0'), undefined);
});
