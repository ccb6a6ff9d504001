/**
 * Helpers of the SR lifecycle and plugin tests: the driver runs XAPI recorded, and VDIs seeded or destroyed
 * directly in LINSTOR and the KV (as another host or the Python driver would leave them). The pool, its
 * XenAPI session and `SR.create` are in sim/fixtures/.
 */
import { createVhd, setHidden, snapshotVhd } from '../../lib/vhd/index.js';
import { asVdiUuid, VolumeManager } from '../../lib/volume/index.js';
import { linstorOf } from '../../sim/fixtures/linstor.js';
import { silentLogger } from '../../sim/fixtures/silent-logger.js';
import type { SimPool } from '../../sim/pool/pool.js';

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
