/**
 * Stand-in for `nbd-http-server` (xcp-ng/http-nbd-transfer; spec/blktap2.md §5.3), run as a long-lived
 * process on a simulated host: asks each URL in turn (HEAD) until an http-disk-server answers, "attaches"
 * the first free `/dev/nbdN` of the host root to what that server serves, writes nbdkit's pid file
 * (`/var/run/nbd-<name>.pid`) and prints ``[<name>] NBD `/dev/nbdN` is now attached.`` on stderr. The
 * simulator has no NBD kernel device: `/dev/nbdN` is a hard link to the served device's file (the one
 * backing file every simulated DRBD device of the volume shares), so what a reader writes through
 * `/dev/http-nbd/<name>` reaches the volume. On SIGTERM it detaches: the device, pid file and socket go.
 */
import { existsSync } from 'node:fs';
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { hostPath } from '../../lib/host/env.js';

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The device file behind `url`, or undefined when nothing answers there. */
function served(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'HEAD', timeout: 5000 }, (res) => {
      res.resume();
      const file = res.headers['x-sim-device'];
      resolve(res.statusCode === 200 && typeof file === 'string' ? file : undefined);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function nbdHttpServer(argv: readonly string[]): Promise<number> {
  const root = option(argv, '--sim-root') ?? '/';
  const name = option(argv, '--nbd-name');
  const urls = (option(argv, '--urls') ?? '').split(',').filter((u) => u !== '');
  const socket = option(argv, '--socket-path');
  if (!name || urls.length === 0 || !socket) {
    process.stderr.write('usage: nbd-http-server --socket-path <path> --nbd-name <name> --urls <url,…> [--device-size <n>] [-v]\n');
    return 2;
  }
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const say = (line: string): void => void process.stderr.write(`[${name}] ${line}\n`);
  let file: string | undefined;
  for (const url of urls) {
    file = await served(url);
    if (file) break;
    say(`Cannot reach ${url}`);
  }
  if (!file) {
    say('No HTTP server answered.');
    return 1;
  }
  const pidFile = hostPath(root, `/var/run/nbd-${name}.pid`);
  await mkdir(hostPath(root, '/var/run'), { recursive: true });
  await writeFile(pidFile, `${process.pid}\n`);
  await writeFile(hostPath(root, socket), '');
  let minor = 0;
  while (existsSync(hostPath(root, `/dev/nbd${minor}`))) minor += 1;
  const device = `/dev/nbd${minor}`;
  await link(file, hostPath(root, device));
  say(`NBD \`${device}\` is now attached.`);
  // Like the real one, it stays up (attached) until told to stop; nothing else holds the event loop.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  clearInterval(keepAlive);
  for (const p of [device, socket, `/var/run/nbd-${name}.pid`]) await rm(hostPath(root, p), { force: true });
  process.exit(0);
}
