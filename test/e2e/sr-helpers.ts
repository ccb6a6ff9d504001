/**
 * Helpers of the SR lifecycle tests: a simulated pool running the built driver as XAPI does, a root
 * XenAPI session on the master's TCP URL, and the SR created through `SR.create`.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLinstorClient, type LinstorApi } from '../../lib/linstor/index.js';
import { createLogger, type Logger } from '../../lib/log/logger.js';
import { createVhd, setHidden, snapshotVhd } from '../../lib/vhd/index.js';
import { asVdiUuid, VolumeManager } from '../../lib/volume/index.js';
import { createXapi, type Xapi } from '../../lib/xapi/index.js';
import { startPool, type SimPool } from '../../sim/pool/pool.js';

export const THIN = { 'group-name': 'linstor_group/thin_device', redundancy: '2', provisioning: 'thin' };
export const THICK = { 'group-name': 'linstor_group', redundancy: '2', provisioning: 'thick' };

export type Fixture = { pool: SimPool; xapi: Xapi; master: string };

export async function startFixture(t: { teardown(fn: () => Promise<void>): void }, hosts = 3, diskless: string[] = []): Promise<Fixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sr-e2e-'));
  const pool = await startPool({ dir, hosts, diskSizeGiB: 10, diskless, env: { LINSTOR_SR_TIME_SCALE: '0.01', LINSTOR_SR_GC: 'off' } });
  const xapi = createXapi({ endpoint: { url: pool.xapiUrl! } });
  await xapi.client.loginWithPassword('root', '');
  t.teardown(async () => {
    await xapi.client.logout().catch(() => undefined);
    await pool.close();
  });
  return { pool, xapi, master: pool.xapi.host('host1').ref };
}

export async function createSr(f: Fixture, deviceConfig: Record<string, string>, nameLabel = 'XOSTOR'): Promise<string> {
  return f.xapi.sr.create({ host: f.master, deviceConfig, nameLabel, nameDescription: 'replicated', type: 'linstor', shared: true });
}

/** A client on the controller wherever drbd-reactor started it. */
export function linstorOf(pool: SimPool): LinstorApi {
  const url = pool.runtime.controller.url();
  if (!url) throw new Error('no controller runs');
  return createLinstorClient({ controllers: [url] });
}

/** Drivers runs (name, host, outcome) since `from`. */
export function runsSince(pool: SimPool, from: number): { name: string; host: string; ok: boolean }[] {
  return pool.xapi.executions.slice(from).map((e) => ({ name: e.name, host: e.host, ok: e.outcome.kind === 'ok' }));
}

/** Seeds a VDI directly in LINSTOR and the KV, as another host or the Python driver would leave it. */
export async function seedVolume(pool: SimPool, groupName: string, uuid: string, sizeBytes: number, metadata: Record<string, unknown>): Promise<void> {
  const linstor = linstorOf(pool);
  try {
    const volumes = await VolumeManager.open({ linstor, groupName, logger: silentLogger(), timeScale: 0.01 });
    await volumes.create(asVdiUuid(uuid), sizeBytes);
    await volumes.setMetadata(asVdiUuid(uuid), metadata);
  } finally {
    await linstor.close();
  }
}

/** Destroys a VDI's volume directly in LINSTOR. */
export async function destroyVolume(pool: SimPool, groupName: string, uuid: string): Promise<void> {
  const linstor = linstorOf(pool);
  try {
    const volumes = await VolumeManager.open({ linstor, groupName, logger: silentLogger(), timeScale: 0.01 });
    await volumes.destroy(asVdiUuid(uuid));
  } finally {
    await linstor.close();
  }
}

export function silentLogger(): Logger {
  return createLogger({ write: () => undefined, close: async () => undefined }, { minLevel: 'error' });
}

/** Seeds `count` RAW volumes of 4 MiB with one manager (what a busy SR holds). */
export async function seedMany(pool: SimPool, groupName: string, count: number, offset = 0): Promise<void> {
  const linstor = linstorOf(pool);
  try {
    const volumes = await VolumeManager.open({ linstor, groupName, logger: silentLogger(), timeScale: 0.01 });
    for (let i = offset; i < offset + count; i += 1) {
      const uuid = asVdiUuid(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
      await volumes.create(uuid, 4 << 20);
      await volumes.setMetadata(uuid, { type: 'user', vdi_type: 'aio', name_label: `bulk ${i}` });
    }
  } finally {
    await linstor.close();
  }
}

/**
 * Seeds VHD volumes written on `host`'s replicas: `parent` (hidden), its child `child`, and a hidden leaf
 * `garbage` (what the GC leaves to delete). Every volume holds a 16 MiB VHD.
 */
export async function seedVhdChain(pool: SimPool, groupName: string, host: string, ids: { parent: string; child: string; garbage: string }): Promise<void> {
  const linstor = linstorOf(pool);
  const ctx = { root: pool.runtime.host(host).spec.root };
  const meta = (label: string) => ({ type: 'user', vdi_type: 'vhd', name_label: label, read_only: false });
  try {
    const volumes = await VolumeManager.open({ linstor, groupName, logger: silentLogger(), timeScale: 0.01 });
    const dev = async (uuid: string, label: string) => {
      const rd = await volumes.create(asVdiUuid(uuid), 32 << 20);
      await volumes.setMetadata(asVdiUuid(uuid), meta(label));
      return `/dev/drbd/by-res/${rd}/0`;
    };
    const parent = await dev(ids.parent, 'base');
    await createVhd(ctx, parent, { sizeBytes: 16 << 20 });
    await setHidden(ctx, parent, true);
    await snapshotVhd(ctx, await dev(ids.child, 'leaf'), parent, { noEmptyCheck: true });
    const garbage = await dev(ids.garbage, 'garbage');
    await createVhd(ctx, garbage, { sizeBytes: 16 << 20 });
    await setHidden(ctx, garbage, true);
  } finally {
    await linstor.close();
  }
}
