/**
 * The state the Python driver leaves in LINSTOR (spec/sm-linstor.md §3.2, §5), written with raw LINSTOR
 * requests — not through lib/volume — so that a take-over test reads what Python wrote, not what we
 * write: resources spawned from the SR resource group as `xcp-volume-<uuid4>`, KV keys sent with the
 * leading `/` of the python `linstor.KV`, values as `json.dumps` prints them (`", "`, `": "`, non-ASCII
 * escaped), VHDs written on the devices as vhd-util lays them out (lib/vhd's writer, which the vhd tests
 * check against vhd-util's format with libvhdi and qemu-img), and journal entries of every type.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostPath } from '../../lib/host/env.js';
import type { LinstorApi } from '../../lib/linstor/index.js';
import { calcOverheadEmpty, computeVolumeSize, createVhd, MAX_PREALLOCATED_SIZE, openChain, setHidden, setPhysicalSize, snapshotVhd, writeChain } from '../../lib/vhd/index.js';
import { srNames } from '../../lib/volume/index.js';

const KIB = 1024;

/** Python's `json.dumps` of a flat dict: `", "` and `": "` separators, non-ASCII as `\uXXXX`. */
export function pythonJson(value: Readonly<Record<string, string | number | boolean | null>>): string {
  const ascii = (s: string) => JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `{${Object.entries(value)
    .map(([k, v]) => `${ascii(k)}: ${typeof v === 'string' ? ascii(v) : JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** The srmetadata tags the Python driver stores for a VDI (§3.2), in its order. */
export function pythonVdiMetadata(o: { label: string; vdiType: 'vhd' | 'aio'; snapshotOf?: string; readOnly?: boolean }): Record<string, string | boolean> {
  return {
    name_label: o.label,
    name_description: '',
    is_a_snapshot: o.snapshotOf !== undefined,
    snapshot_of: o.snapshotOf ?? '',
    snapshot_time: o.snapshotOf ? '20250101T00:00:00Z' : '',
    type: 'user',
    vdi_type: o.vdiType,
    read_only: o.readOnly ?? false,
    metadata_of_pool: '',
  };
}

/** Writes KV props the way the python client sends them (leading `/`). */
export async function putPythonKv(linstor: LinstorApi, groupName: string, props: Readonly<Record<string, string>>): Promise<void> {
  const override: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) override[`/${k}`] = v;
  await linstor.keyValueStore.modify(srNames(groupName).kv, { override_props: override });
}

export type PythonVolume = { readonly uuid: string; readonly rd: string; readonly device: string };

/**
 * `create_volume` as Python runs it: `not-exists` 2 and `volume-name` first, spawn `xcp-volume-<uuid4>`
 * from the SR group, then the metadata and `not-exists` 0.
 */
export async function spawnPythonVolume(linstor: LinstorApi, groupName: string, uuid: string, sizeBytes: number, metadata: Record<string, string | boolean>): Promise<PythonVolume> {
  const rd = `xcp-volume-${randomUUID()}`;
  await putPythonKv(linstor, groupName, { [`xcp/volume/${uuid}/not-exists`]: '2', [`xcp/volume/${uuid}/volume-name`]: rd });
  await linstor.resourceGroups.spawn(srNames(groupName).resourceGroup, { resource_definition_name: rd, volume_sizes: [Math.ceil(sizeBytes / KIB)] });
  await putPythonKv(linstor, groupName, { [`xcp/volume/${uuid}/metadata`]: pythonJson(metadata), [`xcp/volume/${uuid}/not-exists`]: '0' });
  return { uuid, rd, device: `/dev/drbd/by-res/${rd}/0` };
}

/** Waits for udev's by-res link (the simulator's satellite makes it asynchronously). */
export async function waitDevice(root: string, device: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (existsSync(hostPath(root, device))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${device} did not appear under ${root}`);
}

/** Writes `data` at `offset` of the chain whose leaf is `device` (what a guest did under Python). */
export async function writeGuest(root: string, device: string, offset: number, data: Buffer): Promise<void> {
  const chain = await openChain({ root }, device, { writable: true });
  try {
    await writeChain(chain, offset, data);
  } finally {
    await chain.close();
  }
}

export const PY = {
  base: 'a0000000-0000-4000-8000-00000000000a',
  leaf: 'a0000000-0000-4000-8000-00000000000b',
  snap: 'a0000000-0000-4000-8000-00000000000c',
  raw: 'a0000000-0000-4000-8000-00000000000d',
  inflated: 'a0000000-0000-4000-8000-00000000000e',
  cloned: 'a0000000-0000-4000-8000-00000000000f',
  cloneBase: 'a0000000-0000-4000-8000-000000000010',
  cloneSnap: 'a0000000-0000-4000-8000-000000000011',
} as const;

export const MIB = 1024 * 1024;
/** Guest data the test reads back: in the base (through the leaf) and in the leaf itself. */
export const BASE_DATA = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7 + 3) % 251));
export const LEAF_DATA = Buffer.from(Array.from({ length: 48 * 1024 + 17 }, (_, i) => (i * 13 + 5) % 241));
export const CLONE_DATA = Buffer.from('written before the interrupted snapshot\n'.repeat(100));
/** The GC's entries the driver must leave as they are (our collector owns them). */
export const GC_JOURNAL: Readonly<Record<string, string>> = {
  [`xcp/sr/journal/zero/${PY.raw}`]: '4194304',
  [`xcp/sr/journal/leaf/${PY.snap}`]: PY.base,
  [`xcp/sr/journal/coalesce/${PY.base}`]: '1',
  [`xcp/sr/journal/relink/${PY.base}`]: '1',
};

export type PythonSr = { readonly volumes: Record<keyof typeof PY, PythonVolume | undefined>; readonly inflateOldBytes: number };

/**
 * Seeds, on an SR whose LINSTOR objects exist, what a Python pool leaves (host `root` holds replicas):
 * a snapshot chain (hidden base, leaf, snapshot), a RAW volume, a thin VHD caught mid-inflate
 * (`inflate/<vdi>` = old size, device grown, footer at the new end), a snapshot caught after the rename
 * (`clone/<vdi>` = `<base>_<snap>`, base hidden and the leaf not yet made), the GC's entries, and the
 * SR name mirror without our `xcp/sr/uuid`.
 */
export async function seedPythonSr(linstor: LinstorApi, groupName: string, root: string): Promise<PythonSr> {
  const kv = srNames(groupName).kv;
  await linstor.keyValueStore.modify(kv, { delete_props: ['xcp/sr/uuid', '/xcp/sr/uuid'] });
  await putPythonKv(linstor, groupName, { 'xcp/sr/metadata': pythonJson({ name_label: 'XOSTOR (Python)', name_description: 'r\u00e9pliqu\u00e9' }) });
  const full = computeVolumeSize(32 * MIB, 'vhd');
  const base = await spawnPythonVolume(linstor, groupName, PY.base, full, pythonVdiMetadata({ label: 'base copy', vdiType: 'vhd', readOnly: true }));
  await waitDevice(root, base.device);
  await createVhd({ root }, base.device, { sizeBytes: 32 * MIB });
  await writeGuest(root, base.device, 1 * MIB, BASE_DATA);
  await setHidden({ root }, base.device, true);
  const leaf = await spawnPythonVolume(linstor, groupName, PY.leaf, full, pythonVdiMetadata({ label: 'Python disk \u00e9', vdiType: 'vhd' }));
  await waitDevice(root, leaf.device);
  await snapshotVhd({ root }, leaf.device, base.device, { noEmptyCheck: true });
  await writeGuest(root, leaf.device, 5 * MIB + 3, LEAF_DATA);
  const snap = await spawnPythonVolume(linstor, groupName, PY.snap, full, pythonVdiMetadata({ label: 'Python disk \u00e9', vdiType: 'vhd', snapshotOf: PY.leaf }));
  await waitDevice(root, snap.device);
  await snapshotVhd({ root }, snap.device, base.device, { noEmptyCheck: true });
  const raw = await spawnPythonVolume(linstor, groupName, PY.raw, 8 * MIB, pythonVdiMetadata({ label: 'raw', vdiType: 'aio' }));

  // Mid-inflate: the old (thin) size is journaled, the device grown, the footer moved to its end.
  // Python's thin create: the empty VHD's overhead (a BAT for 2 TiB), rounded up here to whole MiB.
  const oldBytes = Math.ceil(calcOverheadEmpty(MAX_PREALLOCATED_SIZE) / MIB + 1) * MIB;
  const inflated = await spawnPythonVolume(linstor, groupName, PY.inflated, oldBytes, pythonVdiMetadata({ label: 'thin mid-inflate', vdiType: 'vhd' }));
  await waitDevice(root, inflated.device);
  await createVhd({ root }, inflated.device, { sizeBytes: 16 * MIB });
  await putPythonKv(linstor, groupName, { [`xcp/sr/journal/inflate/${PY.inflated}`]: String(oldBytes) });
  await linstor.volumeDefinitions.resize(inflated.rd, 0, Math.ceil(computeVolumeSize(16 * MIB, 'vhd') / KIB));
  await setPhysicalSize({ root }, inflated.device, computeVolumeSize(16 * MIB, 'vhd'));

  // Mid-snapshot: the VDI's volume renamed to the base uuid and hidden; neither leaf exists yet.
  const cloneBase = await spawnPythonVolume(linstor, groupName, PY.cloneBase, full, pythonVdiMetadata({ label: 'snapshotted disk', vdiType: 'vhd', readOnly: true }));
  await waitDevice(root, cloneBase.device);
  await createVhd({ root }, cloneBase.device, { sizeBytes: 32 * MIB });
  await writeGuest(root, cloneBase.device, 0, CLONE_DATA);
  await setHidden({ root }, cloneBase.device, true);
  await putPythonKv(linstor, groupName, { [`xcp/sr/journal/clone/${PY.cloned}`]: `${PY.cloneBase}_${PY.cloneSnap}`, ...GC_JOURNAL });
  return {
    volumes: { base, leaf, snap, raw, inflated, cloned: undefined, cloneBase, cloneSnap: undefined },
    inflateOldBytes: oldBytes,
  };
}
