/**
 * Helpers of the collector tests: VHD chains built directly with lib/volume and lib/vhd on a simulated
 * pool (as the snapshot verb leaves them: hidden parents whose locators hold the parents' by-res paths),
 * the visible content of every leaf, and `dist/linstor-gc` run on the master as the driver starts it.
 */
import { execa } from 'execa';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createVhd, openChain, readChain, setHidden, snapshotVhd, writeChain } from '../../lib/vhd/index.js';
import { asVdiUuid, VolumeManager } from '../../lib/volume/index.js';
import type { LinstorApi } from '../../lib/linstor/index.js';
import type { Xapi } from '../../lib/xapi/index.js';
import type { SimPool } from '../../sim/pool/pool.js';
import type { UnderLock } from '../../gc/coalesce.js';
import type { GcContext } from '../../gc/sr-context.js';
import { readHostEnv } from '../../lib/host/env.js';
import { Journal } from '../../lib/journal/index.js';
import { createLogger, type MemorySink } from '../../lib/log/logger.js';
import { createSr, linstorOf, silentLogger, startFixture, THIN } from '../e2e/sr-helpers.js';

/** What these helpers need of an SR fixture (test/e2e/sr-fixture.ts, or an SR made by sr_create). */
export type SrFixture = { readonly pool: SimPool; readonly linstor: LinstorApi; readonly groupName: string; readonly srUuid: string; readonly srRef: string; readonly xapi: Xapi };

/** A thin SR made by sr_create (database volume and all), so that sr_scan runs. */
export async function createdSr(t: { teardown(fn: () => Promise<void>): void }, hosts = 2): Promise<SrFixture> {
  const f = await startFixture(t, hosts);
  const srRef = await createSr(f, THIN);
  const linstor = linstorOf(f.pool);
  t.teardown(() => linstor.close());
  return { pool: f.pool, linstor, groupName: THIN['group-name'], srUuid: await f.xapi.sr.getUuid(srRef), srRef, xapi: f.xapi };
}

export const VIRTUAL = 16 << 20;

/** One layer: its parent (absent for a base), whether it ends hidden, and what is written into it. */
export type Layer = {
  uuid: string;
  label: string;
  parent?: string;
  hidden?: boolean;
  writes?: { offset: number; length: number; fill: number }[];
  /** Volume size (default 32 MiB); smaller than a full VHD makes the collector inflate it. */
  volumeBytes?: number;
  /** Virtual size of a base (default 16 MiB). */
  virtualBytes?: number;
};

export async function openVolumes(fx: SrFixture): Promise<VolumeManager> {
  return VolumeManager.open({ linstor: fx.linstor, groupName: fx.groupName, logger: silentLogger(), timeScale: 0.01 });
}

/** Creates the layers in order on host1's devices (each written while it is the leaf, then hidden if asked). */
export async function buildChain(fx: SrFixture, layers: readonly Layer[]): Promise<void> {
  const root = fx.pool.runtime.host('host1').spec.root;
  const ctx = { root };
  const volumes = await openVolumes(fx);
  for (const l of layers) {
    const uuid = asVdiUuid(l.uuid);
    await volumes.create(uuid, l.volumeBytes ?? 32 << 20);
    await volumes.setMetadata(uuid, { name_label: l.label, name_description: '', type: 'user', vdi_type: 'vhd', read_only: !!l.hidden, is_a_snapshot: false, snapshot_of: '', snapshot_time: '', metadata_of_pool: '' });
    const p = await volumes.localDevicePath(uuid, 'host1', root);
    if (l.parent === undefined) await createVhd(ctx, p, { sizeBytes: l.virtualBytes ?? VIRTUAL });
    else await snapshotVhd(ctx, p, volumes.devicePath(asVdiUuid(l.parent)), { noEmptyCheck: true });
    if (l.writes?.length) {
      const chain = await openChain(ctx, p, { writable: true });
      try {
        for (const w of l.writes) await writeChain(chain, w.offset, Buffer.alloc(w.length, w.fill));
      } finally {
        await chain.close();
      }
    }
    if (l.hidden) await setHidden(ctx, p, true);
  }
}

/** The whole virtual disk of `uuid` as read through its chain on host1. */
export async function contentOf(fx: SrFixture, uuid: string): Promise<Buffer> {
  const root = fx.pool.runtime.host('host1').spec.root;
  const volumes = await openVolumes(fx);
  const chain = await openChain({ root }, volumes.devicePath(asVdiUuid(uuid)));
  try {
    return await readChain(chain, 0, chain.leaf.virtualSize);
  } finally {
    await chain.close();
  }
}

/** Parent uuid of each volume (from the VHD headers), undefined for a base. */
export async function parents(fx: SrFixture): Promise<Map<string, string | undefined>> {
  const root = fx.pool.runtime.host('host1').spec.root;
  const volumes = await openVolumes(fx);
  const { queryVhd } = await import('../../lib/vhd/index.js');
  const out = new Map<string, string | undefined>();
  for (const uuid of volumes.list()) {
    const info = await queryVhd({ root }, volumes.devicePath(uuid));
    out.set(uuid, info.parentPath === undefined ? undefined : volumes.vdiUuidFromDevicePath(info.parentPath));
  }
  return out;
}

const dist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'dist');

/** Runs dist/linstor-gc on host1 (the master) with the environment the simulator gives processes there. */
export async function runGc(fx: SrFixture, args: readonly string[], extraEnv: Record<string, string> = {}) {
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'gc-log-'));
  const logFile = path.join(logDir, 'SMlog');
  const r = await execa(process.execPath, [path.join(dist, 'linstor-gc'), '--sr', fx.srUuid, ...args], {
    reject: false,
    extendEnv: false,
    env: {
      PATH: fx.pool.pathFor('host1'),
      LINSTOR_SR_ROOT: fx.pool.runtime.host('host1').spec.root,
      LINSTOR_SR_XAPI_SOCKET: fx.pool.xapiSockets['host1'] ?? '',
      LINSTOR_SR_TIME_SCALE: '0.01',
      LINSTOR_SR_LOG_FILE: logFile,
      ...extraEnv,
    },
  });
  const log = await readFile(logFile, 'utf8').catch(() => '');
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1, signal: r.signal, log };
}

/** The collector's context on host1 (the master), in this process, with the plugin calls handed to `callPlugin`. */
export function gcContextOn(fx: SrFixture, sink: MemorySink, callPlugin: GcContext['callPlugin']): GcContext {
  const root = fx.pool.runtime.host('host1').spec.root;
  const refs = ['host1', 'host2'].map((h) => [fx.pool.xapi.host(h).ref, h] as const);
  return {
    env: { ...readHostEnv({}), root, timeScale: 0.01 },
    log: createLogger(sink),
    exec: () => Promise.reject(new Error('no exec in this test')),
    srUuid: fx.srUuid,
    srRef: fx.srRef,
    groupName: fx.groupName,
    provisioning: 'thin',
    xapi: fx.xapi,
    hostRef: fx.pool.xapi.host('host1').ref,
    node: 'host1',
    hostnames: new Map(refs),
    linstor: fx.linstor,
    openVolumes: () => openVolumes(fx),
    plugged: async () => true,
    srSwitches: async () => ({ gc: true, coalesce: true }),
    xapiVdis: async () => new Map(),
    callPlugin,
    close: async () => undefined,
  };
}

/** The collector's SR-lock windows, in a test that is alone on the SR: a fresh volume manager each. */
export function underLockOf(fx: SrFixture, ctx: GcContext): UnderLock {
  return async (fn) => {
    const volumes = await openVolumes(fx);
    return fn(volumes, new Journal(volumes.journalStore(), ctx.log), new Map());
  };
}
