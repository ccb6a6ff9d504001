/**
 * The HTTP/NBD bridge of the HA statefile and redo-log (spec/sm-linstor.md §2.7, spec/blktap2.md §5):
 * DRBD cannot give every host of a large pool direct access, so hosts holding the data serve it with
 * `http-disk-server`, and every host reads it as an NBD device that `nbd-http-server` backs with those
 * URLs. Both run from PATH under fork-log-daemon, each in its own session (so one SIGTERM to the group
 * stops the wrapper and the server), and outlive the driver: their pids go to /run pid files, which
 * vdi_detach_from_config uses to stop them.
 *
 *   start: old servers stopped ─▶ /dev/http-nbd/ ready ─▶ [serving host] http-disk-server, "Server ready!"
 *          ─▶ nbd-http-server, "NBD `/dev/nbdN` is now attached." ─▶ /dev/http-nbd/<volume> → nbdN
 *   stop:  SIGTERM to both process groups, pid files and the link removed
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { replaceSymlink } from '../blktap/links.js';
import { hostPath } from '../host/env.js';
import type { Logger } from '../log/logger.js';
import { HA_STATEFILE_VOLUME_NAME, REDO_LOG_VOLUME_NAME } from '../volume/naming.js';

/** The two persistent HA volumes, their HTTP port and the NBD device size the Python driver uses. */
export const HA_VOLUMES: Readonly<Record<string, { readonly port: number; readonly deviceSize: number }>> = {
  [HA_STATEFILE_VOLUME_NAME]: { port: 8076, deviceSize: 4 * 1024 * 1024 },
  [REDO_LOG_VOLUME_NAME]: { port: 8077, deviceSize: 256 * 1024 * 1024 },
};

export const HTTP_NBD_DIR = '/dev/http-nbd';
const FORK_LOG_DAEMON = '/opt/xensource/libexec/fork-log-daemon';
const READY_TIMEOUT_MS = 10_000;

/** The volume name of a `/dev/http-nbd/<volume>` path, or undefined for any other path. */
export function httpNbdVolume(vdiPath: string): string | undefined {
  return vdiPath.startsWith(`${HTTP_NBD_DIR}/`) ? vdiPath.slice(HTTP_NBD_DIR.length + 1) : undefined;
}

export const httpServerPidFile = (volume: string): string => `/run/http-server-${volume}.pid`;
export const nbdServerPidFile = (volume: string): string => `/run/nbd-server-${volume}.pid`;

/** A server did not print its readiness line in time (or exited). */
export class BridgeStartError extends Error {
  override name = 'BridgeStartError';
}

export type BridgeOptions = {
  readonly root: string;
  readonly log: Logger;
  readonly volume: string;
  /** This host's DRBD device of the volume when it serves the data (master, or a diskful slave). */
  readonly diskPath: string | undefined;
  /** This host's address (where its http-disk-server listens). */
  readonly localAddress: string;
  /** Every pool host's address: the URLs nbd-http-server fails over between. */
  readonly hostAddresses: readonly string[];
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function killGroup(root: string, pidFile: string, log: Logger): Promise<void> {
  const local = hostPath(root, pidFile);
  const pid = Number((await readFile(local, 'utf8').catch(() => '')).trim());
  if (Number.isSafeInteger(pid) && pid > 1 && isAlive(pid)) {
    try {
      process.kill(-pid, 'SIGTERM');
      log.info('HA bridge server stopped', { pidFile, pid });
    } catch (error) {
      log.warn('cannot stop an HA bridge server', { pidFile, pid, error });
    }
  }
  await rm(local, { force: true });
}

/** Stops both servers of `volume` (whichever run) and removes the /dev/http-nbd link. */
export async function stopBridge(root: string, volume: string, log: Logger): Promise<void> {
  await killGroup(root, nbdServerPidFile(volume), log);
  await killGroup(root, httpServerPidFile(volume), log);
  await rm(hostPath(root, `${HTTP_NBD_DIR}/${volume}`), { force: true });
}

/**
 * Starts `program args` in its own session (under fork-log-daemon when dom0 has it), writes its pid to
 * `pidFile` and resolves with the first output line matching `ready` (within 10 s). On failure the
 * process group is killed and the pid file removed.
 */
async function startServer(o: BridgeOptions, program: string, args: readonly string[], pidFile: string, ready: RegExp): Promise<RegExpExecArray> {
  const wrapped = existsSync(hostPath(o.root, FORK_LOG_DAEMON));
  const child = execa(wrapped ? hostPath(o.root, FORK_LOG_DAEMON) : program, wrapped ? [program, ...args] : [...args], {
    detached: true,
    cleanup: false,
    buffer: false,
    reject: false,
    stdin: 'ignore',
  });
  child.catch(() => undefined);
  // Listen at once: output that comes before a listener is gone (the stream already flows).
  const seen: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const readiness = new Promise<RegExpExecArray>((resolve, reject) => {
    timer = setTimeout(() => reject(new BridgeStartError(`${program} printed no readiness line in ${READY_TIMEOUT_MS / 1000} s: ${seen.slice(-3).join(' | ')}`)), READY_TIMEOUT_MS);
    const onLine = (line: string): void => {
      seen.push(line);
      const m = ready.exec(line);
      if (m) resolve(m);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        lines.forEach(onLine);
      });
    }
    void child.then((r) => reject(new BridgeStartError(`${program} exited (${r.exitCode ?? r.signal}) before it was ready: ${seen.slice(-3).join(' | ')}`)));
  });
  readiness.catch(() => undefined);
  try {
    const pid = child.pid;
    if (pid === undefined) throw new BridgeStartError(`${program} could not be started`);
    await writeFile(hostPath(o.root, pidFile), `${pid}\n`);
    return await readiness;
  } catch (error) {
    await killGroup(o.root, pidFile, o.log);
    throw error;
  } finally {
    clearTimeout(timer);
    // The servers outlive this process: stop listening to them and let the driver exit.
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.unref();
  }
}

/** Starts the bridge of `o.volume` and returns the dom0 path of its block device (`/dev/http-nbd/<volume>`). */
export async function startBridge(o: BridgeOptions): Promise<string> {
  const ha = HA_VOLUMES[o.volume];
  if (!ha) throw new BridgeStartError(`Unsupported path: ${HTTP_NBD_DIR}/${o.volume}`);
  await stopBridge(o.root, o.volume, o.log);
  await mkdir(hostPath(o.root, HTTP_NBD_DIR), { recursive: true });
  await mkdir(hostPath(o.root, '/run'), { recursive: true });
  const link = `${HTTP_NBD_DIR}/${o.volume}`;
  if (o.diskPath !== undefined) {
    await startServer(o, 'http-disk-server', ['--disk', o.diskPath, '--ip', o.localAddress, '--port', String(ha.port)], httpServerPidFile(o.volume), /Server ready!$/);
  }
  let device: string;
  try {
    const urls = o.hostAddresses.map((a) => `http://${a.includes(':') ? `[${a}]` : a}:${ha.port}`).join(',');
    const m = await startServer(
      o,
      'nbd-http-server',
      ['--socket-path', `/run/${o.volume}.socket`, '--nbd-name', o.volume, '--urls', urls, '--device-size', String(ha.deviceSize)],
      nbdServerPidFile(o.volume),
      /NBD `(\/dev\/nbd\d+)` is now attached\.$/,
    );
    device = m[1]!;
  } catch (error) {
    await killGroup(o.root, httpServerPidFile(o.volume), o.log);
    throw error;
  }
  // Relative, so that the link resolves the same under a simulated host root as on dom0.
  await replaceSymlink(o.root, link, path.posix.relative(HTTP_NBD_DIR, device));
  o.log.info('HA bridge started', { volume: o.volume, device, serving: o.diskPath !== undefined });
  return link;
}
