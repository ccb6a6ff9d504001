/**
 * The JSON shapes the simulator answers with, as the real server emits them (linstor-rest.md §3,
 * §7.1 item 3): upper-case enum names, empty fields omitted, a DRBD → STORAGE layer tree, the DRBD
 * layer entry carrying `usable_size_kib` and `device_path`, `state` only for online nodes.
 */
import { poolCapacity, thickAllocatedKib } from './capacity.js';
import type { SimContext } from './context.js';
import { isDiskless } from './deploy.js';
import { diskStateOf } from './sync.js';
import { nonEmpty } from './handlers/common.js';
import { poolKey, type SimNode, type SimResource, type SimResourceDefinition, type SimStoragePool, type SimVolumeDefinition } from './model.js';
import { rc } from './replies.js';
import { RC } from '../../lib/linstor/ret-codes.js';

/** Long.MAX_VALUE, what DISKLESS pools report as capacity; a bigint so it goes out exact. */
const LONG_MAX = 9_223_372_036_854_775_807n;

/** A node as `GET /v1/nodes` lists it. */
export function renderNode(node: SimNode): Record<string, unknown> {
  return nonEmpty({
    name: node.name,
    type: node.type,
    props: node.props,
    net_interfaces: node.netIfs.map((n) => ({ ...n })),
    connection_status: node.online ? (node.versionMismatch === true ? 'VERSION_MISMATCH' : 'ONLINE') : 'OFFLINE',
    uuid: node.uuid,
    storage_providers: ['DISKLESS', 'LVM', 'LVM_THIN'],
    resource_layers: ['DRBD', 'STORAGE'],
  });
}

/** A storage pool with its current capacity (none when broken; Long.MAX_VALUE when DISKLESS). */
export function renderStoragePool(ctx: SimContext, pool: SimStoragePool): Record<string, unknown> {
  const thin = pool.provider === 'LVM_THIN';
  const diskless = pool.provider === 'DISKLESS';
  const cap = poolCapacity(ctx, pool);
  return nonEmpty({
    storage_pool_name: pool.name,
    node_name: pool.node,
    provider_kind: pool.provider,
    props: pool.props,
    static_traits: { Provisioning: thin || diskless ? 'Thin' : 'Fat', SupportsSnapshots: String(thin) },
    free_capacity: diskless ? LONG_MAX : cap?.freeKib,
    total_capacity: diskless ? LONG_MAX : cap?.totalKib,
    free_space_mgr_name: `${pool.node};${pool.name}`,
    uuid: pool.uuid,
    reports: pool.configError ? [rc('error', RC.FAIL_STOR_POOL_CONFIGURATION_ERROR, null, pool.configError)] : undefined,
    supports_snapshots: thin,
  });
}

function drbdRdData(rd: SimResourceDefinition): Record<string, unknown> {
  return { resource_name_suffix: '', peer_slots: rd.peerSlots, al_stripes: 1, al_stripe_size_kib: 32, port: rd.port, transport_type: 'IP', secret: rd.secret, down: false };
}

/** A volume definition with its DRBD layer data (minor number). */
export function renderVolumeDefinition(vd: SimVolumeDefinition): Record<string, unknown> {
  return nonEmpty({
    volume_number: vd.number,
    size_kib: vd.sizeKib,
    props: vd.props,
    flags: vd.flags,
    layer_data: [{ type: 'DRBD', data: { resource_name_suffix: '', volume_number: vd.number, minor_number: vd.minor } }, { type: 'STORAGE' }],
    uuid: vd.uuid,
  });
}

/** A resource definition; volume definitions only when asked (`with_volume_definitions`). */
export function renderResourceDefinition(rd: SimResourceDefinition, withVds: boolean): Record<string, unknown> {
  return nonEmpty({
    name: rd.name,
    external_name: rd.externalName,
    props: rd.props,
    layer_data: [{ type: 'DRBD', data: drbdRdData(rd) }, { type: 'STORAGE' }],
    uuid: rd.uuid,
    resource_group_name: rd.group,
    volume_definitions: withVds ? rd.vds.map(renderVolumeDefinition) : undefined,
  });
}

type VolumeFacts = { drbd: Record<string, unknown>; storage: Record<string, unknown> | undefined; allocatedKib: number };

function volumeFacts(ctx: SimContext, rd: SimResourceDefinition, r: SimResource, vd: SimVolumeDefinition): VolumeFacts {
  const pool = ctx.store.state.storagePools[poolKey(r.node, r.storagePool)];
  const diskless = isDiskless(r);
  const lv = `/dev/linstor_group/${rd.name}_${String(vd.number).padStart(5, '0')}`;
  const drbdAllocated = vd.sizeKib + (diskless ? 0 : thickAllocatedKib(vd.sizeKib, rd.peerSlots) - vd.sizeKib);
  const storageAllocated = pool?.provider === 'LVM_THIN' ? ctx.satellites.allocatedKib(rd.name, vd.number) : thickAllocatedKib(vd.sizeKib, rd.peerSlots);
  const drbd = nonEmpty({
    drbd_volume_definition: { volume_number: vd.number, minor_number: vd.minor },
    device_path: `/dev/drbd${vd.minor}`,
    backing_device: diskless ? undefined : lv,
    meta_disk: diskless ? undefined : 'internal',
    allocated_size_kib: drbdAllocated,
    usable_size_kib: vd.sizeKib,
    disk_state: diskStateOf(rd, r, ctx.nowMs()),
  });
  const storage = diskless
    ? undefined
    : { volume_number: vd.number, device_path: lv, allocated_size_kib: storageAllocated, usable_size_kib: thickAllocatedKib(vd.sizeKib, rd.peerSlots), disk_state: '[]' };
  return { drbd, storage, allocatedKib: diskless ? 0 : storageAllocated };
}

/** A resource as `…/resources` lists it (`withVolumes` adds what `/v1/view/resources` shows). */
export function renderResource(ctx: SimContext, rd: SimResourceDefinition, r: SimResource, withVolumes: boolean): Record<string, unknown> {
  const node = ctx.store.state.nodes[r.node.toUpperCase()];
  const online = node?.online ?? false;
  const facts = rd.vds.map((vd) => ({ vd, ...volumeFacts(ctx, rd, r, vd) }));
  const peers = Object.values(rd.resources).filter((p) => p !== r);
  const connections = Object.fromEntries(peers.map((p) => [p.node, { connected: true, message: 'Connected' }]));
  const storageChild = { type: 'STORAGE', resource_name_suffix: '', storage: nonEmpty({ storage_volumes: facts.flatMap((f) => (f.storage ? [f.storage] : [])) }) };
  const layer = {
    type: 'DRBD',
    resource_name_suffix: '',
    children: isDiskless(r) ? [] : [storageChild],
    drbd: nonEmpty({
      drbd_resource_definition: drbdRdData(rd),
      node_id: r.nodeId,
      tcp_ports: [r.tcpPort],
      peer_slots: rd.peerSlots,
      al_stripes: 1,
      al_size: 32,
      flags: r.flags.includes('DISKLESS') ? ['DISKLESS', 'INITIALIZED'] : ['INITIALIZED'],
      drbd_volumes: facts.map((f) => f.drbd),
      connections,
      promotion_score: r.inUse ? 0 : 10102,
      may_promote: !r.inUse && !peers.some((p) => p.inUse),
    }),
  };
  const base = nonEmpty({
    name: rd.name,
    node_name: r.node,
    props: r.props,
    flags: r.flags,
    layer_object: nonEmpty(layer),
    state: online ? { in_use: r.inUse } : undefined,
    uuid: r.uuid,
    create_timestamp: r.createdAtMs,
  });
  if (!withVolumes) return base;
  const volumes = facts.map(({ vd, drbd, storage, allocatedKib }) =>
    nonEmpty({
      volume_number: vd.number,
      storage_pool_name: r.storagePool,
      provider_kind: isDiskless(r) ? 'DISKLESS' : (ctx.store.state.storagePools[poolKey(r.node, r.storagePool)]?.provider ?? 'LVM'),
      device_path: `/dev/drbd${vd.minor}`,
      allocated_size_kib: allocatedKib,
      state: online
        ? nonEmpty({
            disk_state: diskStateOf(rd, r, ctx.nowMs()),
            replication_states: Object.fromEntries(peers.map((p) => [p.node, { replication_state: 'Established' }])),
          })
        : undefined,
      layer_data_list: [{ type: 'DRBD', data: drbd }, ...(storage ? [{ type: 'STORAGE', data: storage }] : [])],
      uuid: vd.uuid,
    }),
  );
  return { ...base, volumes };
}
