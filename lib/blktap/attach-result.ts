import { backendPath, paramsNbd } from './paths.js';

/**
 * What `vdi_attach` returns for a LINSTOR VDI (spec/blktap2.md §1.8): the backend path (made later, at
 * activate), the NBD URI, O_DIRECT on (LINSTOR is not a read-caching SR type), and xenstore data with
 * the synthetic SCSI inquiry pages the guest sees and the blktap memory pool. The driver answers it as
 * SMAPI's attach struct (lib/smapi/response.ts names that shape; this side does not import the protocol).
 */
export type AttachResultOptions = {
  /** xapi's pool restriction `restrict_read_caching`. */
  readonly readCachingRestricted?: boolean;
  /** SR other-config `mem-pool-size-rings`. */
  readonly srMemPoolRings?: string | undefined;
  /** VDI other-config `mem-pool` and `mem-pool-size-rings`. */
  readonly vdiMemPool?: string | undefined;
  readonly vdiMemPoolRings?: string | undefined;
};

/** VPD page 0x80 (unit serial number): `00 80 00 12`, the first 16 characters of the uuid, two spaces. */
export function vpdPage80(vdi: string): string {
  return Buffer.concat([Buffer.from([0x00, 0x80, 0x00, 0x12]), Buffer.from(`${vdi.slice(0, 16)}  `, 'ascii')]).toString('base64');
}

/** VPD page 0x83 (device identification): one `XENSRC  <uuid> ` designator. */
export function vpdPage83(vdi: string): string {
  return Buffer.concat([
    Buffer.from([0x00, 0x83, 0x00, 0x31, 0x02, 0x01, 0x00, 0x2d]),
    Buffer.from(`XENSRC  ${vdi} `, 'ascii'),
  ]).toString('base64');
}

function rings(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 8 ? n : undefined;
}

export function attachResult(sr: string, vdi: string, options: AttachResultOptions = {}) {
  const xenstore: Record<string, string> = {
    'vdi-uuid': vdi,
    'scsi/0x12/0x80': vpdPage80(vdi),
    'scsi/0x12/0x83': vpdPage83(vdi),
    'mem-pool': options.vdiMemPool ?? sr,
  };
  const n = options.vdiMemPool !== undefined ? rings(options.vdiMemPoolRings) : rings(options.srMemPoolRings);
  if (n !== undefined) xenstore['mem-pool-size'] = String(352 * n);
  return {
    params: backendPath(sr, vdi),
    params_nbd: paramsNbd(sr, vdi),
    o_direct: true,
    o_direct_reason: options.readCachingRestricted ? 'LICENSE_RESTRICTION' : 'SR_NOT_SUPPORTED',
    xenstore_data: xenstore,
  };
}
