/**
 * vdi_create (master only; spec/sm-linstor.md §2.4, §3.4; sm-changes-2026.md §5.3–§5.4; smapi-protocol.md §4.3):
 *
 *   image format (VDIType) ─▶ size rules (VDISize) ─▶ space check (SRNoSpace) ─▶ volume CREATING
 *   ─▶ VHD (or RAW) on the device ─▶ KV metadata ─▶ volume EXISTS ─▶ VDI.db_introduce ─▶ {uuid, location}
 *
 * The format is the VDI's sm-config `image-format` (legacy `type`), else the SR's first preferred format;
 * it is checked with the size before the session opens, so a refused create sends no LINSTOR request.
 * Thin VHDs start with a volume holding the VHD metadata only (inflated at writable attach); thick VHDs
 * and RAW get their full size at once. The HA statefile and redo log use their persistent names in the
 * HA resource group. Any failure destroys what was made: the volume is still CREATING until the very
 * end, so even a killed process leaves only what the next repair removes.
 */
import { randomUUID } from 'node:crypto';
import { faultPoint } from '../../lib/host/faults.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VdiResult } from '../../lib/smapi/response.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { createVhd, MAX_PREALLOCATED_SIZE } from '../../lib/vhd/index.js';
import { asVdiUuid, HA_STATEFILE_VOLUME_NAME, REDO_LOG_VOLUME_NAME, type CreateVolumeOptions, type VdiMetadata, type VdiUuid, type VolumeManager } from '../../lib/volume/index.js';
import { EPOCH, NULL_REF } from '../../lib/xapi/index.js';
import type { DriverContext } from '../context.js';
import { parseSrConfig } from '../sr/config.js';
import { backupAfterCommit } from '../sr/database-backup.js';
import type { SrSession } from '../sr/session.js';
import { requestedImageFormat, vdiTypeOfImageFormat, type ImageFormat } from '../vdi/image-format.js';
import { masterPrelude } from '../vdi/master-prelude.js';
import { fullVolumeSize, THIN_VHD_INITIAL_SIZE, validateAndRoundSize, type VdiType } from '../vdi/sizes.js';
import { updateSrStats } from '../vdi/sr-stats.js';
import { localNodeName, withVdiSession } from '../vdi/vdi-session.js';

/** HA volumes have fixed names and live in the HA resource group. */
function placement(xapiType: string): CreateVolumeOptions {
  if (xapiType === 'ha_statefile') return { resourceName: HA_STATEFILE_VOLUME_NAME, highAvailability: true };
  if (xapiType === 'redo_log') return { resourceName: REDO_LOG_VOLUME_NAME, highAvailability: true };
  return {};
}

export async function vdiCreate(ctx: DriverContext, request: SmapiRequest<'vdi_create'>): Promise<VdiResult> {
  // sm's order: the SR's device-config, then the VDI's format (at its load), then the size.
  const { preferredImageFormats } = parseSrConfig(request.deviceConfig, request.srSmConfig);
  const format = requestedImageFormat(request.vdiSmConfig, preferredImageFormats);
  const type = vdiTypeOfImageFormat(format);
  const size = validateAndRoundSize(request.args.virtualSizeBytes);
  const xapiType = request.vdiType ?? 'user';
  return withVdiSession(ctx, request, async (session) => {
    const node = await localNodeName(session);
    await masterPrelude(ctx, session, node);
    const volumes = await session.volumes();
    const full = fullVolumeSize(size, type);
    const max = await volumes.maxVolumeSizeBytes();
    if (max < full) throw new SrError('SRNoSpace', `a volume of ${full} bytes does not fit (largest possible: ${max} bytes)`);
    const volumeSize = type === 'vhd' && session.config.provisioning === 'thin' ? THIN_VHD_INITIAL_SIZE : full;
    const uuid = asVdiUuid(randomUUID());
    const options = placement(xapiType);
    let created = false;
    try {
      const rd = await volumes.create(uuid, volumeSize, { ...options, persistent: false });
      created = true;
      faultPoint(ctx.env.faults, 'vdi_create:after-volume');
      const virtualSize = await writeImage(ctx, volumes, uuid, node, type, size);
      faultPoint(ctx.env.faults, 'vdi_create:after-image');
      const metadata: VdiMetadata = {
        name_label: request.args.nameLabel,
        name_description: request.args.nameDescription,
        is_a_snapshot: false,
        snapshot_of: '',
        snapshot_time: '',
        type: xapiType,
        vdi_type: type,
        read_only: request.args.readOnly,
        metadata_of_pool: '',
      };
      if (options.highAvailability) {
        // DRBD tenths of a second: 60 s to promote, so the HA daemon's reopen after a failover succeeds.
        await (await session.linstor()).resourceDefinitions.setProps(rd, { 'DrbdOptions/Resource/auto-promote-timeout': '600' });
      }
      volumes.invalidateResources();
      const utilisation = (await volumes.sizes(uuid))?.allocatedBytes ?? 0;
      // The metadata and EXISTS in one KV request.
      await volumes.markPersistent(uuid, metadata);
      faultPoint(ctx.env.faults, 'vdi_create:before-introduce');
      await introduce(session, request, uuid, xapiType, format, virtualSize, utilisation);
      ctx.log.info('VDI created', { vdi: uuid, resource: rd, format, virtualSize, volumeSize });
      await updateSrStats(session, request.srRef, virtualSize, ctx.log);
      await backupAfterCommit(ctx, session.linstor, 'create');
      return { uuid, location: uuid };
    } catch (error) {
      if (created) await destroyAfterFailure(ctx, volumes, uuid);
      throw error;
    }
  });
}

/** Lays the image out on the new device; returns the virtual size xapi records. */
async function writeImage(ctx: DriverContext, volumes: VolumeManager, uuid: VdiUuid, node: string, type: VdiType, size: number): Promise<number> {
  if (type === 'aio') {
    // RAW: the disk is the whole device LINSTOR gave (≥ the size asked).
    return (await volumes.sizes(uuid))?.usableBytes ?? size;
  }
  const path = await volumes.localDevicePath(uuid, node, ctx.env.root);
  await createVhd({ root: ctx.env.root }, path, { sizeBytes: size, maxSizeBytes: MAX_PREALLOCATED_SIZE });
  return size;
}

async function introduce(session: SrSession, request: SmapiRequest<'vdi_create'>, uuid: string, xapiType: string, format: ImageFormat, virtualSize: number, utilisation: number): Promise<void> {
  await session.xapi.vdi.dbIntroduce({
    uuid,
    name_label: request.args.nameLabel,
    name_description: request.args.nameDescription,
    SR: request.srRef ?? NULL_REF,
    type: xapiType,
    sharable: false,
    read_only: request.args.readOnly,
    other_config: {},
    location: uuid,
    xenstore_data: {},
    // The caller's keys stay (sm keeps them); the format is written as sm normalises it.
    sm_config: { ...request.vdiSmConfig, vdi_type: vdiTypeOfImageFormat(format), 'image-format': format },
    managed: true,
    virtual_size: virtualSize,
    physical_utilisation: utilisation,
    metadata_of_pool: request.args.metadataOfPool === '' ? NULL_REF : request.args.metadataOfPool,
    is_a_snapshot: false,
    snapshot_time: EPOCH,
    snapshot_of: NULL_REF,
    cbt_enabled: false,
  });
}

async function destroyAfterFailure(ctx: DriverContext, volumes: VolumeManager, uuid: VdiUuid): Promise<void> {
  try {
    await volumes.destroy(uuid, { timeoutMs: 0 });
  } catch (error) {
    // The volume is still CREATING (or NOT_EXISTS): the next repair removes it.
    ctx.log.warn('cannot destroy the volume of a failed create; the next repair will', { vdi: uuid, error });
  }
}
