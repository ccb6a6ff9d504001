/**
 * A simplified LINSTOR autoplacer (linstor-rest.md §7.1 item 5): picks `place_count` nodes that are
 * online, do not already hold a disk of the resource, and have a storage pool of the wanted name with
 * room for every volume; the pools with the most free space win (LINSTOR's default weighting), ties
 * go by node name. `replicas_on_same/different` are not modelled (the XCP-ng driver does not use them).
 */
import type { AutoSelectFilter } from '../../lib/linstor/types.js';
import { MASK_CRT, OBJ, RC } from '../../lib/linstor/ret-codes.js';
import { fits, isDataPool, placeableKib } from './capacity.js';
import type { SimContext } from './context.js';
import { isDiskless } from './deploy.js';
import type { SimResourceDefinition, SimStoragePool } from './model.js';
import { fail } from './replies.js';

/** Where one new replica goes. */
export type Placement = { readonly node: string; readonly pool: string };

/** The pool names a filter (or, failing that, the RD's or group's `StorPoolName`) asks for. */
export function wantedPools(ctx: SimContext, rd: SimResourceDefinition, filter: AutoSelectFilter): string[] | undefined {
  if (filter.storage_pool_list && filter.storage_pool_list.length > 0) return [...filter.storage_pool_list];
  if (filter.storage_pool) return [filter.storage_pool];
  const group = ctx.store.state.resourceGroups[rd.group.toUpperCase()];
  const prop = rd.props['StorPoolName'] ?? group?.props['StorPoolName'];
  return prop ? [prop] : undefined;
}

/** Picks `count` nodes for new diskful replicas of `rd`, or fails with 996 as LINSTOR does. */
export function choosePlacement(ctx: SimContext, rd: SimResourceDefinition, filter: AutoSelectFilter, count: number, placeCount: number): Placement[] {
  const { state } = ctx.store;
  const names = wantedPools(ctx, rd, filter)?.map((n) => n.toUpperCase());
  const onlyNodes = filter.node_name_list?.map((n) => n.toUpperCase());
  const avoid = (filter.not_place_with_rsc ?? []).map((n) => n.toUpperCase());
  const sizeKib = rd.vds.reduce((sum, vd) => sum + vd.sizeKib, 0);
  const candidates: { node: string; pool: SimStoragePool; room: number }[] = [];
  for (const node of Object.values(state.nodes)) {
    const key = node.name.toUpperCase();
    if (!node.online) continue;
    if (onlyNodes && !onlyNodes.includes(key)) continue;
    const existing = rd.resources[key];
    if (existing && !isDiskless(existing)) continue;
    if (avoid.some((other) => state.resourceDefinitions[other]?.resources[key])) continue;
    let best: { pool: SimStoragePool; room: number } | undefined;
    for (const pool of Object.values(state.storagePools)) {
      if (pool.node.toUpperCase() !== key || !isDataPool(pool)) continue;
      if (names && !names.includes(pool.name.toUpperCase())) continue;
      if (filter.provider_list && !filter.provider_list.includes(pool.provider)) continue;
      if (!fits(ctx, pool, sizeKib, rd.peerSlots)) continue;
      const room = placeableKib(ctx, pool);
      if (!best || room > best.room) best = { pool, room };
    }
    if (best) candidates.push({ node: node.name, ...best });
  }
  candidates.sort((a, b) => b.room - a.room || a.node.localeCompare(b.node));
  if (candidates.length < count) {
    const criteria = [
      names ? ` * has a deployed storage pool named ${JSON.stringify(wantedPools(ctx, rd, filter))}` : ' * has a deployed storage pool',
      ` * the storage pools have to have at least '${sizeKib}' free space`,
      ' * the current access context has enough privileges to use the node and the storage pool',
      ' * the node is online',
    ];
    fail(RC.FAIL_NOT_ENOUGH_NODES, { op: MASK_CRT, obj: OBJ.RSC }, 'Not enough available nodes', {
      details:
        `Not enough nodes fulfilling the following auto-place criteria:\n${criteria.join('\n')}\n\n` +
        `Auto-place configuration details:\n   Replica count: ${placeCount}\n   Additional replica count: ${count}`,
      objRefs: { RscDfn: rd.name },
    });
  }
  return candidates.slice(0, count).map((c) => ({ node: c.node, pool: c.pool.name }));
}
