/**
 * Moving DRBD traffic to another network (spec/sm-linstor.md §3.10, §6): LINSTOR net interfaces of a
 * node, named by the caller, with the address of a XAPI PIF, and the node's preferred interface
 * (`PrefNic`). Every function checks the node exists first, so an unknown host is named as such.
 * `groupName` is required, as in the Python plugin, though the node and its interfaces do not depend on it;
 * host and interface names reach LINSTOR URLs and are checked before anything is asked.
 */
import { LinstorApiError, RC } from '../../lib/linstor/index.js';
import { PluginFailure } from '../../lib/smapi/plugin.js';
import type { Xapi } from '../../lib/xapi/index.js';
import type { PluginFunction } from './context.js';
import { GROUP, HOSTNAME, INTERFACE, required, UUID } from './args.js';
import { checkPoolArgs, requireNode, withPool } from './pool-session.js';

const DEFAULT = 'default';

const NODE = { groupName: required(GROUP), hostname: required(HOSTNAME) };
const NAMED = { ...NODE, name: required(INTERFACE) };
const WITH_PIF = { ...NAMED, pifUuid: required(UUID) };

/** The PIF's address: IPv4 `IP`, or the first IPv6 address without its prefix. It must be plugged and have one. */
async function pifAddress(xapi: Xapi, pifUuid: string): Promise<string> {
  const pif = await xapi.pif.getRecord(await xapi.pif.getByUuid(pifUuid));
  if (!pif.currently_attached) throw new PluginFailure('-1', [`PIF ${pifUuid} is not plugged`]);
  const address = pif.primary_address_type.toLowerCase() === 'ipv6' ? (pif.IPv6[0] ?? '').split('/')[0]! : pif.IP;
  if (!address) throw new PluginFailure('-1', [`PIF ${pifUuid} has no IP address`]);
  return address;
}

function existsError(error: unknown): boolean {
  return error instanceof LinstorApiError && error.hasCode(RC.FAIL_EXISTS_NET_IF);
}

export const createNodeInterface: PluginFunction = async (ctx, args) => {
  const { hostname, name, pifUuid } = checkPoolArgs(args, WITH_PIF);
  return withPool(ctx, async (s) => {
    const address = await pifAddress(s.xapi, pifUuid);
    const linstor = await s.linstor();
    await requireNode(linstor, hostname);
    await linstor.nodes.createNetInterface(hostname, { name, address });
    return 'True';
  });
};

export const modifyNodeInterface: PluginFunction = async (ctx, args) => {
  const { hostname, name, pifUuid } = checkPoolArgs(args, WITH_PIF);
  return withPool(ctx, async (s) => {
    const address = await pifAddress(s.xapi, pifUuid);
    const linstor = await s.linstor();
    await requireNode(linstor, hostname);
    try {
      await linstor.nodes.createNetInterface(hostname, { name, address });
    } catch (error) {
      if (!existsError(error)) throw error;
      await linstor.nodes.modifyNetInterface(hostname, name, { name, address });
    }
    return 'True';
  });
};

export const destroyNodeInterface: PluginFunction = async (ctx, args) => {
  const { hostname, name } = checkPoolArgs(args, NAMED);
  return withPool(ctx, async (s) => {
    // The node's own address: LINSTOR could not reach the satellite without it.
    if (name.toLowerCase() === DEFAULT) throw new PluginFailure('-1', [`Cannot destroy '${DEFAULT}' interface`]);
    const linstor = await s.linstor();
    await requireNode(linstor, hostname);
    const present = (await linstor.nodes.listNetInterfaces(hostname)).some((n) => n.name.toLowerCase() === name.toLowerCase());
    if (!present) throw new PluginFailure('-1', [`no interface '${name}' on node '${hostname}'`]);
    await linstor.nodes.deleteNetInterface(hostname, name);
    return 'True';
  });
};

export const listNodeInterfaces: PluginFunction = async (ctx, args) => {
  const { hostname } = checkPoolArgs(args, NODE);
  return withPool(ctx, async (s) => {
    const linstor = await s.linstor();
    await requireNode(linstor, hostname);
    const out: Record<string, { address: string; active: boolean }> = {};
    for (const n of await linstor.nodes.listNetInterfaces(hostname)) out[n.name] = { address: n.address, active: n.is_active ?? false };
    return JSON.stringify(out);
  });
};

export const getNodePreferredInterface: PluginFunction = async (ctx, args) => {
  const { hostname } = checkPoolArgs(args, NODE);
  return withPool(ctx, async (s) => {
    const linstor = await s.linstor();
    await requireNode(linstor, hostname);
    return (await linstor.nodes.get(hostname)).props?.['PrefNic'] ?? DEFAULT;
  });
};

export const setNodePreferredInterface: PluginFunction = async (ctx, args) => {
  const { hostname, name } = checkPoolArgs(args, NAMED);
  return withPool(ctx, async (s) => {
    const linstor = await s.linstor();
    await requireNode(linstor, hostname);
    // LINSTOR accepts any PrefNic value; an interface that does not exist would silently not be used.
    const present = (await linstor.nodes.listNetInterfaces(hostname)).some((n) => n.name.toLowerCase() === name.toLowerCase());
    if (!present) throw new PluginFailure('-1', [`no interface '${name}' on node '${hostname}'`]);
    await linstor.nodes.modify(hostname, { override_props: { PrefNic: name } });
    return 'True';
  });
};
