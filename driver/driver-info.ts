import type { DriverInfo } from '../lib/smapi/response.js';

/**
 * What `sr_get_driver_info` answers: the Python driver's DRIVER_INFO (spec/sm-linstor.md §2.1), so that
 * xapi's SM record does not change when this driver replaces it. xapi drops capability names it does
 * not know (ATOMIC_PAUSE is for sm's blktap layer) — they are kept exactly as the Python driver sends them.
 * Additions: SR_PROBE, since sr_probe names the SR LINSTOR holds for a group; VDI_REVERT, since vdi_revert
 * reverts a VDI in place (xapi then keeps VDI uuids across VM.revert); VDI_INTRODUCE, since vdi_introduce
 * gives XAPI back a VDI whose volume is still there (after a forget); VDI_RESET_ON_BOOT/2 (sm compares
 * that exact string), since vdi_epoch_begin resets a leaf whose VDI has on_boot=reset.
 */
export const DRIVER_INFO: DriverInfo = {
  name: 'LINSTOR resources on XCP-ng',
  description: 'SR plugin which uses Linstor to manage VDIs',
  vendor: 'Vates',
  copyright: '(C) 2020 Vates',
  driver_version: '1.0',
  required_api_version: '1.0',
  capabilities: [
    'ATOMIC_PAUSE',
    'SR_PROBE',
    'SR_UPDATE',
    'VDI_CREATE',
    'VDI_DELETE',
    'VDI_UPDATE',
    'VDI_ATTACH',
    'VDI_DETACH',
    'VDI_ACTIVATE',
    'VDI_DEACTIVATE',
    'VDI_CLONE',
    'VDI_MIRROR',
    'VDI_RESIZE',
    'VDI_SNAPSHOT',
    'VDI_REVERT',
    'VDI_INTRODUCE',
    'VDI_RESET_ON_BOOT/2',
    'VDI_GENERATE_CONFIG',
  ],
  configuration: [
    ['group-name', 'LVM group name'],
    ['redundancy', 'replication count'],
    ['provisioning', '"thin" or "thick" are accepted'],
    ['monitor-db-quorum', 'disable controller when only one host is online'],
  ],
};
