/**
 * What DRBD looks like on one simulated host, computed from the LINSTOR simulator's state (the
 * satellites' devices): the resources this host has, their role (Primary when in use here), disk
 * state, minor, and their connections to the peers. The drbdsetup/drbdadm stand-ins render it.
 */
import type { SimResource, SimResourceDefinition, SimState } from '../linstor/model.js';
import { DISKLESS_POOL } from '../linstor/model.js';
import { diskStateOf as linstorDiskState } from '../linstor/sync.js';

export type DrbdPeer = {
  readonly name: string;
  readonly nodeId: number;
  readonly address: string;
  readonly connected: boolean;
  readonly role: 'Primary' | 'Secondary' | 'Unknown';
  readonly diskState: string;
  readonly diskless: boolean;
};

export type DrbdResourceView = {
  readonly name: string;
  readonly nodeId: number;
  readonly role: 'Primary' | 'Secondary';
  readonly minor: number;
  readonly sizeKib: number;
  readonly diskless: boolean;
  readonly diskState: string;
  readonly port: number;
  readonly address: string;
  readonly backingDisk: string | undefined;
  readonly peers: readonly DrbdPeer[];
};

const diskless = (r: SimResource): boolean => r.storagePool.toUpperCase() === DISKLESS_POOL.toUpperCase();

function addressOf(state: SimState, node: string): string {
  const n = state.nodes[node.toUpperCase()];
  const prefNic = n?.props['PrefNic'];
  const nic = n?.netIfs.find((i) => i.name === prefNic) ?? n?.netIfs.find((i) => i.name === 'default') ?? n?.netIfs[0];
  return nic?.address ?? '0.0.0.0';
}

/** The disk state DRBD reports now (a sync target's is Inconsistent while its RD resyncs). */
function diskStateOf(rd: SimResourceDefinition, r: SimResource): string {
  return diskless(r) ? 'Diskless' : linstorDiskState(rd, r, Date.now());
}

function view(state: SimState, rd: SimResourceDefinition, node: string): DrbdResourceView | undefined {
  const me = rd.resources[node.toUpperCase()];
  if (!me) return undefined;
  const vd = rd.vds[0];
  const vg = state.storagePools[`${node.toUpperCase()}/${me.storagePool.toUpperCase()}`]?.props['StorDriver/LvmVg'];
  const peers = Object.values(rd.resources)
    .filter((r) => r !== me)
    .map((r) => {
      const online = state.nodes[r.node.toUpperCase()]?.online ?? false;
      return {
        name: r.node,
        nodeId: r.nodeId,
        address: addressOf(state, r.node),
        connected: online,
        role: online ? (r.inUse ? 'Primary' : 'Secondary') : 'Unknown',
        diskState: online ? diskStateOf(rd, r) : 'DUnknown',
        diskless: diskless(r),
      } satisfies DrbdPeer;
    });
  return {
    name: rd.name,
    nodeId: me.nodeId,
    role: me.inUse ? 'Primary' : 'Secondary',
    minor: vd?.minor ?? 0,
    sizeKib: vd?.sizeKib ?? 0,
    diskless: diskless(me),
    diskState: diskStateOf(rd, me),
    port: rd.port,
    address: addressOf(state, node),
    backingDisk: diskless(me) || !vg ? undefined : `/dev/${vg}/${rd.name}_00000`,
    peers,
  };
}

/** The DRBD resources of `node`, optionally only `name`. */
export function drbdResources(state: SimState | undefined, node: string, name?: string): DrbdResourceView[] {
  if (!state || !state.nodes[node.toUpperCase()]) return [];
  const out: DrbdResourceView[] = [];
  for (const rd of Object.values(state.resourceDefinitions)) {
    if (name !== undefined && rd.name !== name) continue;
    const v = view(state, rd, node);
    if (v) out.push(v);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** `drbdsetup status --json`, in drbd-utils 9's shape. */
export function statusJson(resources: readonly DrbdResourceView[]): string {
  const doc = resources.map((r) => ({
    name: r.name,
    'node-id': r.nodeId,
    role: r.role,
    suspended: false,
    'suspended-user': false,
    'suspended-no-data': false,
    'suspended-fencing': false,
    'suspended-quorum': false,
    'force-io-failures': false,
    'write-ordering': 'flush',
    devices: [
      {
        volume: 0,
        minor: r.minor,
        'disk-state': r.diskState,
        client: r.diskless,
        open: r.role === 'Primary',
        quorum: true,
        size: r.sizeKib,
        read: 0,
        written: 0,
        'al-writes': 0,
        'bm-writes': 0,
        'upper-pending': 0,
        'lower-pending': 0,
      },
    ],
    connections: r.peers.map((p) => ({
      'peer-node-id': p.nodeId,
      name: p.name,
      'connection-state': p.connected ? 'Connected' : 'Connecting',
      congested: false,
      'peer-role': p.role,
      'ap-in-flight': 0,
      'rs-in-flight': 0,
      peer_devices: [
        {
          volume: 0,
          'replication-state': p.connected ? 'Established' : 'Off',
          'peer-disk-state': p.diskState,
          'peer-client': p.diskless,
          'resync-suspended': 'no',
          received: 0,
          sent: 0,
          'out-of-sync': 0,
          pending: 0,
          unacked: 0,
          'has-sync-details': false,
          'has-online-verify-details': false,
          'percent-in-sync': 100,
        },
      ],
    })),
  }));
  return JSON.stringify(doc, null, 2) + '\n';
}

/** `drbdsetup show --json`: the configuration drbd-utils prints (subset: what sm reads). */
export function showJson(resources: readonly DrbdResourceView[], hostname: string): string {
  const doc = resources.map((r) => ({
    resource: r.name,
    options: { 'auto-promote': 'no', quorum: 'majority' },
    _this_host: {
      'node-id': r.nodeId,
      volumes: [
        {
          volume_nr: 0,
          device_minor: r.minor,
          ...(r.backingDisk ? { 'backing-disk': r.backingDisk, 'meta-disk': 'internal' } : { 'backing-disk': 'none' }),
          disk: { 'discard-zeroes-if-aligned': 'yes' },
        },
      ],
    },
    connections: r.peers.map((p) => ({
      path: { _this_host: `ipv4 ${r.address}:${r.port}`, _remote_host: `ipv4 ${p.address}:${r.port}` },
      net: { _name: p.name, 'allow-two-primaries': 'no', protocol: 'C' },
      volumes: [{ volume_nr: 0, disk: {} }],
      _peer_node_id: p.nodeId,
    })),
    _host: hostname,
  }));
  return JSON.stringify(doc, null, 2) + '\n';
}

/** `drbdadm status`: the human text sm's discovery parses (`<peer> role:Primary`). */
export function statusText(resources: readonly DrbdResourceView[]): string {
  return resources
    .map((r) => {
      const lines = [`${r.name} role:${r.role}`, `  disk:${r.diskState}`];
      for (const p of r.peers) {
        lines.push(`  ${p.name} ${p.connected ? `role:${p.role}` : 'connection:Connecting'}`);
        if (p.connected) lines.push(`    peer-disk:${p.diskState}`);
      }
      return lines.join('\n') + '\n';
    })
    .join('\n');
}

/** `drbdsetup events2 --now`: one `exists` line per object, then `exists -`. */
export function events2(resources: readonly DrbdResourceView[]): string {
  const lines: string[] = [];
  for (const r of resources) {
    const mayPromote = r.peers.every((p) => p.role !== 'Primary') ? 'yes' : 'no';
    lines.push(`exists resource name:${r.name} role:${r.role} suspended:no force-io-failures:no may_promote:${mayPromote} promotion_score:10102`);
    for (const p of r.peers) {
      lines.push(`exists connection name:${r.name} peer-node-id:${p.nodeId} conn-name:${p.name} connection:${p.connected ? 'Connected' : 'Connecting'} role:${p.role}`);
    }
    lines.push(
      `exists device name:${r.name} volume:0 minor:${r.minor} backing_dev:${r.backingDisk ?? 'none'} disk:${r.diskState} client:${r.diskless ? 'yes' : 'no'} quorum:yes`,
    );
    for (const p of r.peers) {
      lines.push(
        `exists peer-device name:${r.name} peer-node-id:${p.nodeId} conn-name:${p.name} volume:0 replication:${p.connected ? 'Established' : 'Off'} peer-disk:${p.diskState} peer-client:${p.diskless ? 'yes' : 'no'} resync-suspended:no`,
      );
    }
  }
  lines.push('exists -');
  return lines.join('\n') + '\n';
}
