/**
 * What vdi_attach_from_config and vdi_detach_from_config work with: static-vdis replays them at boot,
 * before xapi answers, with only the struct vdi_generate_config wrote (spec/blktap2.md §4.4, §5.4).
 * So no XAPI session: the pool comes from xhad.conf (HA is on whenever the statefile is attached), else
 * from a local XAPI login when xapi does answer; master or slave from pool.conf; the controller from
 * DRBD, then xhad.conf; this host's LINSTOR node from its address.
 */
import { readFile } from 'node:fs/promises';
import { discoverController } from '../../lib/discovery/controller.js';
import { readXhaConfig } from '../../lib/discovery/xha-config.js';
import { hostPath, scaled } from '../../lib/host/env.js';
import { thisHostRef } from '../../lib/host/inventory.js';
import { Journal } from '../../lib/journal/index.js';
import { createLinstorClient, type LinstorApi } from '../../lib/linstor/index.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { asVdiUuid, VolumeManager, type VdiUuid } from '../../lib/volume/index.js';
import { createLocalXapi } from '../../lib/xapi/index.js';
import type { DriverContext } from '../context.js';
import { parseSrConfig, type SrConfig } from '../sr/config.js';

export type FromConfig = {
  readonly uuid: VdiUuid;
  /** `vdi_path` of the config: the by-res path when it was generated, or `/dev/http-nbd/<volume>`. */
  readonly vdiPath: string;
  readonly config: SrConfig;
};

/** The pool as seen from here without xapi's session. */
export type LocalPool = { readonly isMaster: boolean; readonly localAddress: string; readonly addresses: readonly string[] };

/** Reads and checks the replayed struct; a malformed one is refused before anything is touched. */
export function readFromConfig(request: SmapiRequest<'vdi_attach_from_config' | 'vdi_detach_from_config'>): FromConfig {
  const vdiPath = request.params['vdi_path'];
  if (typeof vdiPath !== 'string' || !vdiPath.startsWith('/dev/')) throw new SrError('SRUnavailable', 'Unable to attach from config: vdi_path is missing or not a device path');
  if (request.vdiUuid === undefined) throw new SrError('SRUnavailable', 'Unable to attach from config: vdi_uuid is missing');
  return { uuid: asVdiUuid(request.vdiUuid), vdiPath, config: parseSrConfig(request.deviceConfig, request.srSmConfig) };
}

async function isMasterHere(root: string): Promise<boolean> {
  const text = await readFile(hostPath(root, '/etc/xensource/pool.conf'), 'utf8').catch(() => 'master');
  return text.trim() === 'master';
}

/** This host's address and every host's, from xhad.conf, else from a local XAPI login (5 s at most). */
export async function localPool(ctx: DriverContext): Promise<LocalPool> {
  const isMaster = await isMasterHere(ctx.env.root);
  const xha = await readXhaConfig(ctx.env.root).catch(() => undefined);
  const local = xha?.hosts.find((h) => h.hostId === xha.localHostId);
  if (xha && local) return { isMaster, localAddress: local.address, addresses: xha.hosts.map((h) => h.address) };
  const xapi = createLocalXapi({ socketPath: ctx.env.xapiSocket });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer from XAPI in 5 s')), 5000).unref());
  try {
    await Promise.race([xapi.client.loginWithPassword('root', ''), timeout]);
    const self = await thisHostRef(xapi, ctx.env.root);
    const hosts = await xapi.host.getAllRecords();
    return { isMaster, localAddress: hosts[self]?.address ?? '', addresses: Object.values(hosts).map((h) => h.address) };
  } catch (error) {
    throw new SrError('SRUnavailable', `Unable to attach from config: no xhad.conf and no local XAPI (${(error as Error).message})`, { cause: error });
  } finally {
    await xapi.client.logout().catch(() => undefined);
  }
}

/** The controller (DRBD database, then xhad.conf) and this host's LINSTOR node (by its address). */
export async function openLinstor(ctx: DriverContext, pool: LocalPool): Promise<{ linstor: LinstorApi; node: string }> {
  let linstor: LinstorApi;
  try {
    const found = await discoverController({ exec: ctx.exec, root: ctx.env.root, log: ctx.log, retryDelayMs: scaled(ctx.env, 1000), localAddress: async () => pool.localAddress });
    linstor = createLinstorClient({ controllers: found.uris, logger: ctx.log.child('linstor') });
  } catch (error) {
    throw new SrError('SRUnavailable', `Unable to attach from config: LINSTOR controller unreachable: ${(error as Error).message}`, { cause: error });
  }
  const node = (await linstor.nodes.list()).find((n) => (n.net_interfaces ?? []).some((i) => i.address === pool.localAddress))?.name;
  if (node === undefined) {
    await linstor.close();
    throw new SrError('SRUnavailable', `Unable to attach from config: no LINSTOR node has the address ${pool.localAddress}`);
  }
  return { linstor, node };
}

export async function openVolumes(ctx: DriverContext, linstor: LinstorApi, config: SrConfig): Promise<{ volumes: VolumeManager; journal: Journal }> {
  const volumes = await VolumeManager.open({ linstor, groupName: config.groupName, logger: ctx.log.child('volume'), timeScale: ctx.env.timeScale });
  return { volumes, journal: new Journal(volumes.journalStore(), ctx.log.child('journal')) };
}
