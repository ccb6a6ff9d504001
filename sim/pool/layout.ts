/**
 * The simulated pool on disk (DESIGN.md "The simulated pool"): `<dir>/hosts/<hostname>/` is each host's
 * root, laid out like a dom0 where the driver looks (inventory, pool.conf, xhad.conf with HA, sm's lock
 * folders, the plugins and programs run by absolute path), `<dir>/linstor/` the controller's state.
 * Each pool gets its own loopback /24 (`127.<a>.<b>.0`): host N answers on `127.<a>.<b>.N`.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type SimHostSpec = {
  /** `host1` … `hostN`; also the LINSTOR node name and the XAPI hostname. */
  readonly name: string;
  /** 1-based position; host1 is the master. */
  readonly index: number;
  readonly uuid: string;
  /** The management address, `127.<a>.<b>.<index>`. */
  readonly address: string;
  /** The second network's address (for LINSTOR node interfaces), `127.<a>.<b+1>.<index>`. */
  readonly storageAddress: string;
  /** The host's root: dom0 paths are opened under it (LINSTOR_SR_ROOT). */
  readonly root: string;
  /** Where the host tool stand-ins are, first on the host's PATH. */
  readonly binDir: string;
  /** No `linstor_group` volume group on this host. */
  readonly diskless: boolean;
};

export type PoolSpec = {
  readonly dir: string;
  readonly hosts: readonly SimHostSpec[];
  readonly master: SimHostSpec;
  readonly poolUuid: string;
  readonly diskSizeGiB: number;
  readonly ha: boolean;
  /** `127.<a>.<b>` */
  readonly subnet: string;
};

export type PlanOptions = {
  readonly dir: string;
  readonly hosts: number;
  readonly diskless?: readonly string[];
  readonly diskSizeGiB?: number;
  readonly ha?: boolean;
  /** Fixes the /24 (tests); random otherwise, so that pools on one machine do not meet. */
  readonly subnet?: readonly [number, number];
};

/** Decides names, uuids and addresses of a new pool (nothing is written). */
export function planPool(options: PlanOptions): PoolSpec {
  if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > 32) {
    throw new RangeError(`--hosts must be between 1 and 32, got ${options.hosts}`);
  }
  const dir = path.resolve(options.dir);
  const [a, b] = options.subnet ?? [randomInt(16, 250), randomInt(0, 127) * 2];
  const diskless = new Set(options.diskless ?? []);
  const hosts: SimHostSpec[] = [];
  for (let index = 1; index <= options.hosts; index += 1) {
    const name = `host${index}`;
    const root = path.join(dir, 'hosts', name);
    hosts.push({
      name,
      index,
      uuid: randomUUID(),
      address: `127.${a}.${b}.${index}`,
      storageAddress: `127.${a}.${b + 1}.${index}`,
      root,
      binDir: path.join(root, 'sim', 'bin'),
      diskless: diskless.has(name),
    });
  }
  for (const name of diskless) {
    if (!hosts.some((h) => h.name === name)) throw new RangeError(`--diskless names an unknown host: ${name}`);
  }
  return {
    dir,
    hosts,
    master: hosts[0]!,
    poolUuid: randomUUID(),
    diskSizeGiB: options.diskSizeGiB ?? 100,
    ha: options.ha ?? false,
    subnet: `127.${a}.${b}`,
  };
}

/** The /etc/xensource-inventory of a dom0, with the keys sm and xapi tools read. */
export function inventory(host: SimHostSpec): string {
  const keys: Record<string, string> = {
    PRODUCT_BRAND: 'XCP-ng',
    PRODUCT_NAME: 'xenenterprise',
    PRODUCT_VERSION: '8.3.0',
    PLATFORM_VERSION: '3.4.0',
    BUILD_NUMBER: 'release/sim',
    INSTALLATION_DATE: '2026-11-24 00:00:00.000000',
    INSTALLATION_UUID: host.uuid,
    CONTROL_DOMAIN_UUID: `00000000-0000-0000-0000-${String(host.index).padStart(12, '0')}`,
    MANAGEMENT_INTERFACE: 'xenbr0',
    MANAGEMENT_ADDRESS_TYPE: 'IPv4',
    CURRENT_INTERFACES: 'xenbr0',
    DOM0_MEM: '4096',
    DOM0_VCPUS: '2',
    PRIMARY_DISK: '/dev/disk/by-id/sim-disk',
    BACKUP_PARTITION: '/dev/disk/by-id/sim-disk-part2',
  };
  return Object.entries(keys)
    .map(([k, v]) => `${k}='${v}'\n`)
    .join('');
}

/** /etc/xensource/xhad.conf as xhad writes it: the pool's hosts and this host's id. */
export function xhadConf(spec: PoolSpec, host: SimHostSpec): string {
  const hosts = spec.hosts
    .map((h) => `    <host>\n      <HostID>${h.uuid}</HostID>\n      <IPaddress>${h.address}</IPaddress>\n    </host>\n`)
    .join('');
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n<xhad-config version="1.0">\n  <common-config>\n    <GenerationUUID>${spec.poolUuid}</GenerationUUID>\n` +
    `    <UDPport>694</UDPport>\n${hosts}  </common-config>\n  <local-config>\n    <localhost>\n      <HostID>${host.uuid}</HostID>\n    </localhost>\n  </local-config>\n</xhad-config>\n`
  );
}

/** Folders a dom0 has and the driver writes to. */
const FOLDERS = [
  'etc/xensource',
  'etc/xapi.d/plugins',
  'etc/drbd-reactor.d',
  'opt/xensource/libexec',
  'opt/xensource/sm',
  'var/lock/sm',
  'var/run/sm',
  'var/lib/xcp',
  'var/lib/linstor',
  'run/nonpersistent',
  'dev/drbd/by-res',
  'dev/sm',
  'dev/xen/blktap-2',
  'sys/kernel/debug/drbd/resources',
  'tmp',
  'sim/bin',
];

/** Writes a host's root: folders, inventory, pool.conf, xhad.conf (HA), programs run by absolute path. */
export async function writeHostRoot(spec: PoolSpec, host: SimHostSpec, programs: Readonly<Record<string, string>>): Promise<void> {
  for (const f of FOLDERS) await mkdir(path.join(host.root, f), { recursive: true });
  await writeFile(path.join(host.root, 'etc/xensource-inventory'), inventory(host));
  await writeFile(
    path.join(host.root, 'etc/xensource/pool.conf'),
    host === spec.master ? 'master' : `slave:${spec.master.address}`,
  );
  if (spec.ha) await writeFile(path.join(host.root, 'etc/xensource/xhad.conf'), xhadConf(spec, host));
  for (const [dom0Path, text] of Object.entries(programs)) {
    const file = path.join(host.root, dom0Path);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    await chmod(file, 0o755);
  }
}
