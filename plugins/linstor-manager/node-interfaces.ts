/**
 * Moving DRBD traffic to another network (spec/sm-linstor.md §3.10, §6): LINSTOR net interfaces of a
 * node, named by the caller, with the address of a XAPI PIF, and the node's preferred interface
 * (`PrefNic`). Every function checks the node exists first, so an unknown host is named as such.
 */
import { LinstorApiError, RC } from '../../lib/linstor/index.js';
import { PluginFailure } from '../../lib/smapi/plugin.js';
import type { Xapi } from '../../lib/xapi/index.js';
import type { PluginFunction } from './context.js';
import { requireNode, withPool } from './pool-session.js';
import { arg } from './true-false.js';

const DEFAULT = 'default';

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

export const createNodeInterface: PluginFunction = (ctx, args) =>
  withPool(ctx, async (s) => {
    const [hostname, name] = [arg(args, 'hostname'), arg(args, 'name')];
    const address = await pifAddress(s.xapi, arg(args, 'pifUuid'));
    const linstor = await s.linstor();
    await requireNode(linstor, hostname);
    await linstor.nodes.createNetInterface(hostname, { name, address });
    return 'True';
  });

export const modifyNodeInterface: PluginFunction = (ctx, args) =>
  withPool(ctx, async (s) => {
    const [hostname, name] = [arg(args, 'hostname'), arg(args, 'name')];
    const address = await pifAddress(s.xapi, arg(args, 'pifUuid'));
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

export const destroyNodeInterface: PluginFunction = (ctx, args) =>
  withPool(ctx, async (s) => {
    const [hostname, name] = [arg(args, 'hostname'), arg(args, 'name')];
    // The node's own address: LINSTOR could not reach the satellite without it.
    if (name.toLowerCase() === DEFAULT) throw new PluginFailure('-1', [`Cannot destroy '${DEFAULT}' interface`]);
    const linstor = await s.linstor();
    await requireNode(linstor, hostname);
    const present = (await linstor.nodes.listNetInterfaces(hostname)).some((n) => n.name.toLowerCase() === name.toLowerCase());
    if (!present) throw new PluginFailure('-1', [`no interface '${name}' on node '${hostname}'`]);
    await linstor.nodes.deleteNetInterface(hostname, name);
    return 'True';
  });

export const listNodeInterfaces: PluginFunction = (ctx, args) =>
  withPool(ctx, async (s) => {
    const hostname = arg(args, 'hostname');
    const linstor = await s.linstor();
    await requireNode(linstor, hostname);
    const out: Record<string, { address: string; active: boolean }> = {};
    for (const n of await linstor.nodes.listNetInterfaces(hostname)) out[n.name] = { address: n.address, active: n.is_active ?? false };
    return JSON.stringify(out);
  });

export const getNodePreferredInterface: PluginFunction = (ctx, args) =>
  withPool(ctx, async (s) => {
    const hostname = arg(args, 'hostname');
    const linstor = await s.linstor();
    await requireNode(linstor, hostname);
    return (await linstor.nodes.get(hostname)).props?.['PrefNic'] ?? DEFAULT;
  });

export const setNodePreferredInterface: PluginFunction = (ctx, args) =>
  withPool(ctx, async (s) => {
    const [hostname, name] = [arg(args, 'hostname'), arg(args, 'name')];
    const linstor = await s.linstor();
    await requireNode(linstor, hostname);
    // LINSTOR accepts any PrefNic value; an interface that does not exist would silently not be used.
    const present = (await linstor.nodes.listNetInterfaces(hostname)).some((n) => n.name.toLowerCase() === name.toLowerCase());
    if (!present) throw new PluginFailure('-1', [`no interface '${name}' on node '${hostname}'`]);
    await linstor.nodes.modify(hostname, { override_props: { PrefNic: name } });
    return 'True';
  });
