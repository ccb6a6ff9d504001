/**
 * `healthCheck(groupName)` (spec/sm-linstor.md §6, §3.10, §7.4): the report Xen Orchestra's XOSTOR tab
 * and `linstor-health` show — where the controller is, each node's connection status, each storage
 * pool's free space and capacity (bytes, -1 when unknown), each resource of the SR with its VDI uuid and
 * per-node replicas, and the problems found, each with a code whose bits say its severity and subject.
 * It never fails: a problem reaching LINSTOR is itself an entry of `errors`. The Python plugin iterated
 * `resources[rd]` as `{node: …}` and so never checked a volume (§9); here every volume is checked.
 */
import { DATABASE_VOLUME_NAME } from '../../lib/volume/index.js';
import type { SrContext } from '../../lib/sr-context/sr-context.js';
import { versionMismatchMessage, type LinstorApi, type ResourceWithVolumes } from '../../lib/linstor/index.js';
import { HEALTH_CODES, type HealthReplica, type HealthReport } from '../../lib/health/report.js';
import type { PluginFunction } from './context.js';
import { checkArgs, GROUP, required } from './args.js';
import { withPool } from './pool-session.js';

const LOW_FREE_THRESHOLD = 10;
const OK_STATES = new Set(['UpToDate', 'Created', 'Attached']);
const INVALID_STATES = new Set(['Inconsistent', 'Failed', 'To: Creating', 'To: Attachable', 'To: Attaching']);

const bytes = (kib: number | undefined): number => (kib === undefined || kib < 0 ? -1 : kib * 1024);

function replica(r: ResourceWithVolumes, online: boolean): HealthReplica {
  const flags = r.flags ?? [];
  return {
    volumes: (r.volumes ?? []).map((v) => {
      const drbd = v.layer_data_list?.find((l) => l.type === 'DRBD')?.data;
      return {
        'storage-pool-name': v.storage_pool_name ?? '',
        'linstor-uuid': v.uuid ?? '',
        number: v.volume_number ?? 0,
        'device-path': v.device_path ?? drbd?.device_path ?? '',
        'usable-size': bytes(drbd?.usable_size_kib),
        'allocated-size': bytes(v.allocated_size_kib),
        // An offline satellite reports nothing: its replicas are in an unknown state.
        'disk-state': online ? (v.state?.disk_state ?? 'DUnknown') : 'DUnknown',
      };
    }),
    diskful: !flags.some((f) => f === 'DISKLESS' || f === 'DRBD_DISKLESS'),
    'tie-breaker': flags.includes('TIE_BREAKER'),
    'in-use': r.state?.in_use === true,
  };
}

async function inspect(linstor: LinstorApi, sr: SrContext, report: HealthReport): Promise<void> {
  const volumes = await sr.volumes();
  const nodes = await linstor.nodes.list();
  for (const node of nodes) {
    const status = node.connection_status ?? 'UNKNOWN';
    report.nodes[node.name] = status;
    if (status !== 'ONLINE') report.errors.push({ code: HEALTH_CODES.NODE_NOT_ONLINE, name: node.name, status });
  }
  // Not a mere warning: sm's driver refuses every SR and VDI command while a node mismatches.
  const mismatch = versionMismatchMessage(nodes);
  if (mismatch !== undefined) report.errors.push({ code: HEALTH_CODES.GENERIC_UNEXPECTED, message: mismatch });
  for (const p of await linstor.storagePools.view({ storagePools: [volumes.names.storagePool] })) {
    const free = bytes(p.free_capacity);
    const capacity = bytes(p.total_capacity);
    (report['storage-pools'][p.node_name ?? ''] ??= []).push({ name: p.storage_pool_name, 'linstor-uuid': p.uuid ?? '', 'free-size': free, capacity });
    // The Python field names and values (Xen Orchestra reads them): the pool's name alone, the node
    // being the key of `storage-pools` it is listed under.
    const name = p.storage_pool_name;
    if (free < 0) report.errors.push({ code: HEALTH_CODES.STORAGE_POOL_UNKNOWN_FREE_SIZE, name });
    else if (capacity <= 0) report.errors.push({ code: HEALTH_CODES.STORAGE_POOL_UNKNOWN_CAPACITY, name });
    else if ((free / capacity) * 100 < LOW_FREE_THRESHOLD) report.errors.push({ code: HEALTH_CODES.STORAGE_POOL_LOW_FREE_SIZE, name, threshold: LOW_FREE_THRESHOLD });
  }
  const ours = new Set([...(await volumes.resourceDefinitions()).keys()].map((n) => n.toLowerCase()));
  ours.add(DATABASE_VOLUME_NAME);
  const vdiOf = new Map([...volumes.volumeNames()].map(([uuid, rd]) => [rd.toLowerCase(), uuid as string]));
  for (const r of await linstor.resources.view()) {
    if (!ours.has(r.name.toLowerCase())) continue;
    const entry = (report.resources[r.name] ??= { uuid: vdiOf.get(r.name.toLowerCase()) ?? '', nodes: {} });
    const info = replica(r, report.nodes[r.node_name] === 'ONLINE');
    entry.nodes[r.node_name] = info;
    for (const [number, v] of info.volumes.entries()) {
      const state = v['disk-state'];
      // The Python entries: `number` is the volume's index in the replica's list, `state` its disk state
      // (absent from VOLUME_UNKNOWN_STATE, as there).
      const at = { node: r.node_name, resource: r.name, number };
      const where = { ...at, state };
      if (OK_STATES.has(state)) continue;
      if (state === 'Diskless') {
        if (info.diskful) report.errors.push({ code: HEALTH_CODES.VOLUME_WRONG_DISKLESS_STATE, ...where });
        else if (info['tie-breaker']) v['disk-state'] = 'TieBreaker';
        continue;
      }
      if (state === 'DUnknown') report.errors.push({ code: HEALTH_CODES.VOLUME_UNKNOWN_STATE, ...at });
      else if (INVALID_STATES.has(state)) report.errors.push({ code: HEALTH_CODES.VOLUME_INVALID_STATE, ...where });
      else report.errors.push({ code: HEALTH_CODES.VOLUME_INTERNAL_UNVERIFIED_STATE, ...where });
    }
  }
}

export const healthCheck: PluginFunction = async (ctx, args) => {
  // A refused argument is a plugin failure, as a missing one is in the Python plugin (KeyError): the
  // report's errors describe the pool, not the call.
  const { groupName } = checkArgs(args, { groupName: required(GROUP) });
  const report: HealthReport = { 'controller-uri': '', nodes: {}, 'storage-pools': {}, resources: {}, errors: [] };
  try {
    await withPool(ctx, async (s) => {
      let linstor: LinstorApi;
      try {
        linstor = await s.linstor();
        // Discovery answers an address, never localhost (DESIGN.md "The local controller").
        report['controller-uri'] = s.controllerUri ?? '';
      } catch (error) {
        report.errors.push({ code: HEALTH_CODES.GENERIC_LINSTOR_UNREACHABLE, message: (error as Error).message });
        return;
      }
      await inspect(linstor, await s.srContext(groupName), report);
    });
  } catch (error) {
    report.errors.push({ code: HEALTH_CODES.GENERIC_UNEXPECTED, message: error instanceof Error ? error.message : String(error) });
  }
  return JSON.stringify(report);
};
