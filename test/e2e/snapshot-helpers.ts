/**
 * Helpers of the snapshot, clone and crash-matrix tests: the SR's state as LINSTOR, the KV and XAPI hold
 * it (to compare before and after a verb), the VHD chain of a VDI as files on a host (for libvhdi, the
 * independent reader), reads of a VDI's leaf on the master, and deep chains seeded for a scan. Reading
 * the KV and writing a leaf are in sim/fixtures/.
 */
import { realpath } from 'node:fs/promises';
import { hostPath } from '../../lib/host/env.js';
import { randomUUID } from 'node:crypto';
import { computeVolumeSize, createVhd, MAX_PREALLOCATED_SIZE, openChain, queryVhd, readChain, setHidden, snapshotVhd } from '../../lib/vhd/index.js';
import { asVdiUuid, VolumeManager } from '../../lib/volume/index.js';
import { devOf, kvOf } from '../../sim/fixtures/kv.js';
import { silentLogger } from '../../sim/fixtures/silent-logger.js';
import type { SrFixture } from '../../sim/fixtures/sr.js';
import { writeAt } from '../../sim/fixtures/write.js';

/** The host files of the chain of `uuid` (leaf first) on `host`, for libvhdi. */
export async function chainFiles(f: SrFixture, uuid: string, host = 'host1'): Promise<string[]> {
  const root = f.pool.runtime.host(host).spec.root;
  const chain = await openChain({ root }, await devOf(f, uuid));
  try {
    return await Promise.all(chain.levels.map((l) => realpath(hostPath(root, l.path))));
  } finally {
    await chain.close();
  }
}

/** Reads `length` bytes at `offset` of VDI `uuid` on the master, through its chain. */
export async function readLeaf(f: SrFixture, uuid: string, offset: number, length: number): Promise<Buffer> {
  const chain = await openChain({ root: f.pool.runtime.host('host1').spec.root }, await devOf(f, uuid));
  try {
    return await readChain(chain, offset, length);
  } finally {
    await chain.close();
  }
}

/** VHD chain depth of VDI `uuid` as the master reads it. */
export async function depthOf(f: SrFixture, uuid: string): Promise<number> {
  const chain = await openChain({ root: f.pool.runtime.host('host1').spec.root }, await devOf(f, uuid), { maxDepth: 100 });
  const n = chain.levels.length;
  await chain.close();
  return n;
}

/** VDI uuid → what XAPI holds of it (the fields a snapshot may change). */
export type XapiView = Map<string, { ref: string; managed: boolean; isSnapshot: boolean; parent: string | undefined; size: string }>;

export async function xapiView(f: SrFixture): Promise<XapiView> {
  const out: XapiView = new Map();
  for (const [ref, r] of Object.entries(await f.xapi.vdi.getAllRecordsWhere(`field "SR" = "${f.srRef}"`))) {
    out.set(r.uuid, { ref, managed: r.managed, isSnapshot: r.is_a_snapshot, parent: r.sm_config['vhd-parent'], size: String(r.virtual_size) });
  }
  return out;
}

/**
 * KV, LINSTOR and VHD agree: every usable KV volume has its resource definition, no resource definition
 * of a VDI lacks a KV volume, no `updating-uuid-src` or journal entry is left, and every VHD parent
 * locator names a volume of the SR. Returns the problems found (empty when consistent).
 */
export async function inconsistencies(f: SrFixture): Promise<string[]> {
  const problems: string[] = [];
  const kv = await kvOf(f);
  const rds = new Set((await f.linstor.resourceDefinitions.list()).map((d) => d.name).filter((n) => n.startsWith('xcp-volume-')));
  const volumes = new Map<string, string>();
  for (const [key, value] of Object.entries(kv)) {
    const m = /^xcp\/volume\/([^/]+)\/(.+)$/.exec(key);
    if (key.startsWith('xcp/sr/journal/')) problems.push(`journal entry left: ${key}`);
    if (!m) continue;
    if (m[2] === 'updating-uuid-src') problems.push(`rename left: ${key}`);
    if (m[2] === 'not-exists' && value !== '0') problems.push(`volume ${m[1]} in state ${value}`);
    if (m[2] === 'volume-name') volumes.set(m[1]!, value);
  }
  const named = new Set(volumes.values());
  for (const [uuid, rd] of volumes) if (!rds.has(rd)) problems.push(`volume ${uuid} names a missing resource ${rd}`);
  for (const rd of rds) if (!named.has(rd)) problems.push(`resource ${rd} belongs to no VDI`);
  const root = f.pool.runtime.host('host1').spec.root;
  for (const [uuid, rd] of volumes) {
    const meta = JSON.parse(kv[`xcp/volume/${uuid}/metadata`] ?? '{}') as Record<string, unknown>;
    if (meta['vdi_type'] !== 'vhd' || !rds.has(rd)) continue;
    try {
      const info = await queryVhd({ root }, `/dev/drbd/by-res/${rd}/0`);
      const parentRd = info.parentPath === undefined ? undefined : /by-res\/([^/]+)\/0$/.exec(info.parentPath)?.[1];
      if (info.parentPath !== undefined && (parentRd === undefined || !named.has(parentRd))) problems.push(`VHD of ${uuid} has a parent outside the SR: ${info.parentPath}`);
    } catch (error) {
      // A resource that has no device on the master is read where it lives; the SR tests place none such.
      problems.push(`VHD of ${uuid} unreadable: ${String(error)}`);
    }
  }
  return problems;
}

/**
 * Seeds VDI `uuid` as the leaf of a chain over `bases` hidden base copies (what `bases` snapshots leave),
 * directly in LINSTOR and the KV, each level holding one written sector, for a scan to introduce.
 */
export async function seedChain(f: SrFixture, uuid: string, bases: number): Promise<void> {
  const root = f.pool.runtime.host('host1').spec.root;
  const volumes = await VolumeManager.open({ linstor: f.linstor, groupName: f.groupName, logger: silentLogger(), timeScale: 0.01 });
  const size = 4 << 20;
  let parent: string | undefined;
  for (let level = 0; level <= bases; level += 1) {
    const id = asVdiUuid(level === bases ? uuid : randomUUID());
    await volumes.create(id, computeVolumeSize(size, 'vhd'));
    const leaf = level === bases;
    await volumes.setMetadata(id, { name_label: leaf ? 'deep' : 'base copy', name_description: '', type: 'user', vdi_type: 'vhd', read_only: !leaf, is_a_snapshot: false, snapshot_of: '', snapshot_time: '', metadata_of_pool: '' });
    const path = await volumes.localDevicePath(id, 'host1', root);
    if (parent === undefined) await createVhd({ root }, path, { sizeBytes: size, maxSizeBytes: MAX_PREALLOCATED_SIZE });
    else await snapshotVhd({ root }, path, parent, { maxSizeBytes: MAX_PREALLOCATED_SIZE, noEmptyCheck: true });
    await writeAt({ root }, path, level * 512, Buffer.alloc(512, level + 1));
    if (!leaf) await setHidden({ root }, path, true);
    parent = path;
  }
}
