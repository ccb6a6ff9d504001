/**
 * Helpers of the SR lifecycle tests: a simulated pool running the built driver as XAPI does, a root
 * XenAPI session on the master's TCP URL, and the SR created through `SR.create`.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLinstorClient, type LinstorApi } from '../../lib/linstor/index.js';
import { createLogger, type Logger } from '../../lib/log/logger.js';
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
