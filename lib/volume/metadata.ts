/**
 * VDI and SR metadata in the KV (spec/sm-linstor.md §3.2): JSON objects written as Python's `json.dumps`
 * writes them. `update` merges keys into the stored object, `set` replaces it.
 */
import type { VolumeContext } from './context.js';
import { FIELD_METADATA, parseMetadata, pythonJsonDumps, SR_METADATA_KEY, SR_UUID_KEY, volumeKey, volumeRecords, type SrMetadata, type VdiMetadata } from './kv-layout.js';
import { requireVolume } from './lifecycle.js';
import type { VdiUuid } from './naming.js';

/** The metadata of a usable volume (`{}` when none was written). */
export async function getVolumeMetadata(ctx: VolumeContext, uuid: VdiUuid): Promise<VdiMetadata> {
  requireVolume(ctx, uuid);
  return parseMetadata((await ctx.kv.props())[volumeKey(uuid, FIELD_METADATA)], `metadata of VDI ${uuid}`);
}

/** The metadata of every usable volume from one KV read (what `sr_scan` needs for 500 VDIs at once). */
export async function allVolumeMetadata(ctx: VolumeContext): Promise<Map<VdiUuid, VdiMetadata>> {
  const records = volumeRecords(await ctx.kv.props());
  const out = new Map<VdiUuid, VdiMetadata>();
  for (const uuid of ctx.volumes.keys()) out.set(uuid, parseMetadata(records.get(uuid)?.metadata, `metadata of VDI ${uuid}`));
  return out;
}

/** Replaces the metadata of `uuid`. */
export async function setVolumeMetadata(ctx: VolumeContext, uuid: VdiUuid, metadata: VdiMetadata): Promise<void> {
  requireVolume(ctx, uuid);
  await ctx.kv.modify({ set: { [volumeKey(uuid, FIELD_METADATA)]: pythonJsonDumps(metadata) } });
}

/** Merges `changes` into the metadata of `uuid` (keys set to undefined are left as they are). */
export async function updateVolumeMetadata(ctx: VolumeContext, uuid: VdiUuid, changes: Partial<VdiMetadata>): Promise<VdiMetadata> {
  const merged: VdiMetadata = { ...(await getVolumeMetadata(ctx, uuid)) };
  for (const [k, v] of Object.entries(changes)) if (v !== undefined) merged[k] = v;
  await setVolumeMetadata(ctx, uuid, merged);
  return merged;
}

/** The SR name mirror (`{}` when never written). */
export async function getSrMetadata(ctx: VolumeContext): Promise<SrMetadata> {
  return parseMetadata<SrMetadata>((await ctx.kv.props())[SR_METADATA_KEY], 'SR metadata');
}

/** Replaces the SR name mirror. */
export async function setSrMetadata(ctx: VolumeContext, metadata: SrMetadata): Promise<void> {
  await ctx.kv.modify({ set: { [SR_METADATA_KEY]: pythonJsonDumps(metadata) } });
}

/** The SR uuid written by our `sr_create`/`sr_attach`; undefined on an SR the Python driver made. */
export async function getSrUuid(ctx: VolumeContext): Promise<string | undefined> {
  return (await ctx.kv.props())[SR_UUID_KEY];
}

/** Records the SR uuid (our addition, invisible to the Python driver). */
export async function setSrUuid(ctx: VolumeContext, srUuid: string): Promise<void> {
  await ctx.kv.modify({ set: { [SR_UUID_KEY]: srUuid } });
}
