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
import { createLinstorClient, type LinstorApi } from '../../lib/linstor/index.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { openSrContext, type SrContext } from '../../lib/sr-context/sr-context.js';
import { asVdiUuid, type VdiUuid } from '../../lib/volume/index.js';
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

/**
 * The SR context of an attach at boot: no XAPI session, the controller found from DRBD, then xhad.conf;
 * and this host's LINSTOR node, by its address. The caller closes the context.
 */
export async function openFromConfig(ctx: DriverContext, pool: LocalPool, config: SrConfig): Promise<{ sr: SrContext<undefined>; node: string }> {
  const sr = openSrContext({
    env: ctx.env,
    log: ctx.log,
    exec: ctx.exec,
    groupName: config.groupName,
    connect: async () => {
      const found = await discoverController({ exec: ctx.exec, root: ctx.env.root, log: ctx.log, retryDelayMs: scaled(ctx.env, 1000), localAddress: async () => pool.localAddress });
      return createLinstorClient({ controllers: found.uris, logger: ctx.log.child('linstor') });
    },
  });
  let linstor: LinstorApi;
  try {
    linstor = await sr.linstor();
  } catch (error) {
    throw new SrError('SRUnavailable', `Unable to attach from config: LINSTOR controller unreachable: ${(error as Error).message}`, { cause: error });
  }
  const node = await linstor.nodes
    .list()
    .then((nodes) => nodes.find((n) => (n.net_interfaces ?? []).some((i) => i.address === pool.localAddress))?.name)
    .catch(async (error: unknown) => {
      await sr.close();
      throw error;
    });
  if (node === undefined) {
    await sr.close();
    throw new SrError('SRUnavailable', `Unable to attach from config: no LINSTOR node has the address ${pool.localAddress}`);
  }
  return { sr, node };
}
