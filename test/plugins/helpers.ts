import { createXapi } from '../../lib/xapi/index.js';
import type { SimPool } from '../../sim/pool/pool.js';

/** Calls a linstor-manager function on `host` through XAPI, as other hosts and scripts do. */
export async function callPlugin(pool: SimPool, host: string, fn: string, args: Record<string, string> = {}): Promise<string> {
  const xapi = createXapi({ endpoint: { socketPath: pool.xapiSockets['host1']! } });
  await xapi.client.loginWithPassword('root', '');
  try {
    return await xapi.host.callPlugin(pool.xapi.host(host).ref, 'linstor-manager', fn, args);
  } finally {
    await xapi.client.logout();
  }
}
