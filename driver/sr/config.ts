import { SrError } from '../../lib/smapi/sr-error.js';
import type { Verb } from '../../lib/smapi/verbs.js';
import { groupNameProblem } from '../../lib/volume/group-name.js';
import { isProvisioning, srProvisioning, type Provisioning } from '../../lib/volume/provisioning.js';
import { parsePreferredImageFormats, type ImageFormat } from '../vdi/image-format.js';

/** The device-config of a LINSTOR SR (spec/sm-linstor.md §2.1–§2.2). */
export type SrConfig = {
  /** `linstor_group` (thick) or `linstor_group/thin_device` (thin). */
  readonly groupName: string;
  /** Replicas per volume; only meaningful at sr_create (the resource group holds it afterwards). */
  readonly redundancy: number;
  readonly provisioning: Provisioning;
  /** Disable the controller when only one host is online (DRBD quorum on the database). */
  readonly monitorDbQuorum: boolean;
  /** `preferred-image-formats`: the first is what vdi_create makes when the VDI's sm-config names none. */
  readonly preferredImageFormats: readonly ImageFormat[];
};

const TRUE = ['y', 'yes', 't', 'true', 'on', '1'];
const FALSE = ['n', 'no', 'f', 'false', 'off', '0'];

/**
 * Validates device-config as the Python driver's load() does: group-name (5004) and redundancy (5005)
 * required, provisioning thin|thick (InvalidArg), monitor-db-quorum a truth value (default true),
 * preferred-image-formats a comma list whose entries this SR cannot store are dropped (never an error, as in
 * sm). The SR's sm-config `provisioning`, when valid, overrides device-config's.
 */
export function parseSrConfig(deviceConfig: Readonly<Record<string, string>>, srSmConfig: Readonly<Record<string, string>> = {}): SrConfig {
  const groupName = deviceConfig['group-name'] ?? '';
  if (groupName === '') throw new SrError('LinstorConfigGroupNameMissing');
  // The same rule as the plugin's groupName: this name reaches vgchange and LINSTOR names.
  const problem = groupNameProblem(groupName);
  if (problem) throw new SrError('InvalidArg', `group-name must be VG or VG/thin-pool, got ${JSON.stringify(groupName)} (${problem})`);
  const redundancyText = deviceConfig['redundancy'] ?? '';
  if (redundancyText === '') throw new SrError('LinstorConfigRedundancyMissing');
  if (!/^\d+$/.test(redundancyText) || Number(redundancyText) < 1 || Number(redundancyText) > 32) {
    throw new SrError('InvalidArg', `redundancy must be a positive integer, got ${JSON.stringify(redundancyText)}`);
  }
  const given = deviceConfig['provisioning'] ?? 'thin';
  if (!isProvisioning(given)) {
    throw new SrError('InvalidArg', `provisioning must be thin or thick, got ${JSON.stringify(given)}`);
  }
  const provisioning = srProvisioning(deviceConfig, srSmConfig) ?? given;
  const quorumText = (deviceConfig['monitor-db-quorum'] ?? 'true').toLowerCase();
  if (!TRUE.includes(quorumText) && !FALSE.includes(quorumText)) {
    throw new SrError('InvalidArg', `monitor-db-quorum must be true or false, got ${JSON.stringify(deviceConfig['monitor-db-quorum'])}`);
  }
  return {
    groupName,
    redundancy: Number(redundancyText),
    provisioning,
    monitorDbQuorum: TRUE.includes(quorumText),
    preferredImageFormats: parsePreferredImageFormats(deviceConfig['preferred-image-formats']),
  };
}

/** Commands that hold the SR lock for their whole run, and whose master runs repair (Python OPS_EXCLUSIVE + probe). */
export const OPS_EXCLUSIVE: ReadonlySet<Verb> = new Set<Verb>([
  'sr_create', 'sr_delete', 'sr_attach', 'sr_detach', 'sr_scan', 'sr_update', 'sr_probe',
  'vdi_create', 'vdi_delete', 'vdi_attach', 'vdi_detach', 'vdi_clone', 'vdi_snapshot',
  // Not Python's (it has neither): revert renames volumes as a clone does, so its master repairs first;
  // introduce reads volumes as the scan does, and must not see one a running snapshot is building.
  'vdi_revert', 'vdi_introduce',
]);

/**
 * Commands that hold the SR lock for their whole run: the exclusive ones, plus the master-only verbs that
 * change a chain or a volume's size (vdi_resize inflates, vdi_compose pauses and relinks). Only a command
 * holding it may recover journals (every owner of a clone or inflate entry on the master holds it too).
 */
export const OPS_SR_LOCKED: ReadonlySet<Verb> = new Set<Verb>([...OPS_EXCLUSIVE, 'vdi_resize', 'vdi_compose']);

/** Commands a slave refuses with LinstorMaster (5002). */
export const MASTER_ONLY: ReadonlySet<Verb> = new Set<Verb>([
  'sr_create', 'sr_delete', 'sr_update', 'sr_probe', 'sr_scan',
  'vdi_create', 'vdi_delete', 'vdi_resize', 'vdi_snapshot', 'vdi_clone', 'vdi_revert', 'vdi_compose', 'vdi_introduce',
]);
