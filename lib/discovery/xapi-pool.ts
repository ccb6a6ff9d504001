import { thisHostRef } from '../host/inventory.js';
import type { HostRecord, Xapi } from '../xapi/index.js';
import type { DiscoveryDeps, PoolHost } from './controller.js';

/** The host records and this host's ref, when the caller has read them already (the collector's setup). */
export type KnownPool = () => Promise<{ readonly hosts: Readonly<Record<string, HostRecord>>; readonly hostRef: string }>;

/**
 * What discovery asks XAPI, for every process that has a session (driver, plugin, collector): this
 * host's address (INSTALLATION_UUID → host record) and every host with a way to ask it
 * `hasControllerRunning`. With `known`, the addresses come from records already read (no XAPI call).
 */
export function xapiDiscovery(xapi: Xapi, root: string, known?: KnownPool): Pick<DiscoveryDeps, 'localAddress' | 'pool'> {
  const records = async () => (known ? (await known()).hosts : await xapi.host.getAllRecords());
  return {
    localAddress: async () => {
      if (known) {
        const k = await known();
        return k.hosts[k.hostRef]?.address;
      }
      return xapi.host.get(await thisHostRef(xapi, root), 'address');
    },
    pool: {
      hosts: async (): Promise<PoolHost[]> => Object.entries(await records()).map(([ref, r]) => ({ ref, hostname: r.hostname, address: r.address, enabled: r.enabled })),
      hasControllerRunning: async (h) => (await xapi.host.callPlugin(h.ref, 'linstor-manager', 'hasControllerRunning', {})) === 'True',
    },
  };
}
