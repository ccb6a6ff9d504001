/**
 * vdi_activate and vdi_deactivate on this host, with sm's blktap duties (spec/blktap2.md §1.4, §1.6):
 *
 *   activate (one attempt, under /var/lock/sm/<vdi>/vdi; up to 120 attempts 1 s apart while "not now")
 *     1. tag sm-config (activating, host_<ref>), refusing while paused or relinking
 *     2. driver attach → the path tapdisk serves (/dev/drbd/by-res/<rd>/0) and its type (vhd | aio)
 *     3. /dev/sm/phy/<sr>/<vdi> → that path
 *     4. reuse the tapdisk already serving that path, or launch one (allocate, spawn, attach, open)
 *     5. finally: remove `activating`; on failure in 2–4 also remove host_<ref>
 *     6. /dev/sm/backend/<sr>/<vdi> (the tapdev node) and the NBD link
 *   deactivate (same lock and retries)
 *     1. refuse while paused; 2. if a backend exists: shut its tapdisk down, remove backend and NBD link;
 *     3. driver detach; 4. remove the phy link; 5. remove host_<ref>.
 */
import type { Exec } from '../exec/run.js';
import type { SmLocks } from '../host/sm-lock.js';
import type { Logger } from '../log/logger.js';
import { backendExists, backendMinor, ensureSymlink, makeBackend, removePath } from './links.js';
import { backendPath, nbdLinkPath, nbdSocketPath, phyPath } from './paths.js';
import type { TapCtl } from './tap-ctl.js';
import { ActivatingElsewhere, hostKey, NotNow, tagActivation, type IsOpenOn, type VdiSmConfig } from './vdi-tags.js';

/** What the driver does for the device itself (LINSTOR: inflate, chain paths; deflate, diskless cleanup). */
export type DeviceDriver = {
  attach(writable: boolean): Promise<{ readonly path: string; readonly type: 'vhd' | 'aio' }>;
  detach(): Promise<void>;
};

export type ActivationDeps = {
  readonly root: string;
  readonly exec: Exec;
  readonly tap: TapCtl;
  readonly locks: SmLocks;
  readonly smConfig: VdiSmConfig;
  readonly hostRef: string;
  readonly isOpenOn: IsOpenOn;
  readonly hostExists: (ref: string) => Promise<boolean>;
  readonly device: DeviceDriver;
  readonly log: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly timeScale: number;
};

/** The VDI stayed paused, relinking or being activated elsewhere for all attempts. */
export class VdiLockedError extends Error {
  override name = 'VdiLockedError';
}

/**
 * Attempts in a row that met `activating` before it counts as stale. An activation holds the key only
 * from its tagging to its tapdisk's open; one that died there (killed, host reset) leaves it for good,
 * and sm then refuses every read-write activation of the VDI until someone removes it by hand. Past a
 * minute of seeing it on every attempt, it is removed (and the removal logged): an activation still
 * alive that long would at worst lose the key that keeps the collector's relink away from it.
 */
export const STALE_ACTIVATING_ATTEMPTS = 60;

async function withRetries(deps: ActivationDeps, vdi: string, attempt: () => Promise<void>): Promise<void> {
  let activatingSeen = 0;
  for (let i = 1; i <= 120; i += 1) {
    const lock = await deps.locks.acquire(vdi, 'vdi');
    try {
      await attempt();
      return;
    } catch (error) {
      if (!(error instanceof NotNow)) throw error;
      activatingSeen = error instanceof ActivatingElsewhere ? activatingSeen + 1 : 0;
      if (activatingSeen >= STALE_ACTIVATING_ATTEMPTS) {
        deps.log.warn(`VDI ${vdi}: sm-config 'activating' stayed through ${activatingSeen} attempts: removing it as left by a dead activation`);
        await deps.smConfig.remove('activating');
        activatingSeen = 0;
      } else {
        deps.log.info(`${error.message}: retrying (${i}/120)`);
      }
    } finally {
      await lock.release();
    }
    await deps.sleep(1000 * deps.timeScale);
  }
  throw new VdiLockedError(`VDI ${vdi} locked`);
}

async function launchTapdisk(deps: ActivationDeps, path: string, type: string, readOnly: boolean): Promise<{ pid: number; minor: number }> {
  const [running] = await deps.tap.list({ path });
  if (running) return { pid: running.pid, minor: running.minor };
  const minor = await deps.tap.allocate();
  let pid: number | undefined;
  let opened = false;
  try {
    pid = await deps.tap.spawn();
    await deps.tap.attach(pid, minor);
    await deps.tap.open(pid, minor, type, path, readOnly);
    opened = true;
    return { pid, minor };
  } finally {
    if (!opened) {
      // Unwind as sm does: detach, then free the minor; each step best effort.
      if (pid !== undefined) await deps.tap.detach(pid, minor).catch((e: unknown) => deps.log.warn('tap-ctl detach while unwinding failed', { error: e }));
      await deps.tap.free(minor).catch((e: unknown) => deps.log.warn('tap-ctl free while unwinding failed', { error: e }));
    }
  }
}

export async function activate(deps: ActivationDeps, sr: string, vdi: string, writable: boolean): Promise<void> {
  await withRetries(deps, vdi, async () => {
    await tagActivation(deps.smConfig, deps.hostRef, writable, { isOpenOn: deps.isOpenOn, hostExists: deps.hostExists, vdi });
    let tapdisk: { pid: number; minor: number };
    try {
      const device = await deps.device.attach(writable);
      await ensureSymlink(deps.root, phyPath(sr, vdi), device.path);
      tapdisk = await launchTapdisk(deps, device.path, device.type, !writable);
    } catch (error) {
      await deps.smConfig.remove(hostKey(deps.hostRef));
      throw error;
    } finally {
      await deps.smConfig.remove('activating');
    }
    await makeBackend(deps.root, deps.exec, backendPath(sr, vdi), tapdisk.minor);
    await ensureSymlink(deps.root, nbdLinkPath(sr, vdi), nbdSocketPath(tapdisk.pid, tapdisk.minor));
  });
}

export async function deactivate(deps: ActivationDeps, sr: string, vdi: string): Promise<void> {
  await withRetries(deps, vdi, async () => {
    const sm = await deps.smConfig.read();
    if ('paused' in sm) throw new NotNow(`VDI ${vdi} is paused`);
    const backend = backendPath(sr, vdi);
    if (await backendExists(deps.root, backend)) {
      await removePath(deps.root, `${backend}.attach_info`);
      const minor = await backendMinor(deps.root, backend);
      const [row] = minor === undefined ? [] : await deps.tap.list({ minor });
      if (row) {
        await deps.tap.close(row.pid, row.minor);
        await deps.tap.detach(row.pid, row.minor);
        await deps.tap.free(row.minor);
      } else if (minor !== undefined) {
        deps.log.warn(`no tapdisk for minor ${minor} of ${vdi}`);
      }
      await removePath(deps.root, backend);
      await removePath(deps.root, nbdLinkPath(sr, vdi));
    }
    await deps.device.detach();
    await removePath(deps.root, phyPath(sr, vdi));
    await deps.smConfig.remove(hostKey(deps.hostRef));
  });
}
