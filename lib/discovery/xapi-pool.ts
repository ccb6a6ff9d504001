import { readInventory } from '../host/inventory.js';
import type { Xapi } from '../xapi/index.js';
import type { DiscoveryDeps, PoolHost } from './controller.js';

/**
 * What discovery asks XAPI, for every process that has a session (driver, plugin): this host's
 * address (INSTALLATION_UUID → host record) and every host with a way to ask it `hasControllerRunning`.
 */
export function xapiDiscovery(xapi: Xapi, root: string): Pick<DiscoveryDeps, 'localAddress' | 'pool'> {
  return {
    localAddress: async () => {
      const inventory = await readInventory(root);
      return xapi.host.get(await xapi.host.getByUuid(inventory['INSTALLATION_UUID'] ?? ''), 'address');
    },
    pool: {
      hosts: async (): Promise<PoolHost[]> =>
        Object.entries(await xapi.host.getAllRecords()).map(([ref, r]) => ({ ref, hostname: r.hostname, address: r.address, enabled: r.enabled })),
      hasControllerRunning: async (h) => (await xapi.host.callPlugin(h.ref, 'linstor-manager', 'hasControllerRunning', {})) === 'True',
    },
  };
}
