/**
 * Helpers of the collector tests: the visible content of a leaf, and the collector's context and SR-lock
 * windows in the test's own process. Building chains and running dist/linstor-gc are in sim/fixtures/.
 */
import { openChain, readChain } from '../../lib/vhd/index.js';
import { asVdiUuid } from '../../lib/volume/index.js';
import type { UnderLock } from '../../gc/coalesce.js';
import type { GcContext } from '../../gc/sr-context.js';
import { readHostEnv } from '../../lib/host/env.js';
import { Journal } from '../../lib/journal/index.js';
import { createLogger, type MemorySink } from '../../lib/log/logger.js';
import type { SrOnPool } from '../../sim/fixtures/sr.js';
import { openVolumes } from '../../sim/fixtures/volumes.js';

/** The whole virtual disk of `uuid` as read through its chain on host1. */
export async function contentOf(fx: SrOnPool, uuid: string): Promise<Buffer> {
  const root = fx.pool.runtime.host('host1').spec.root;
  const volumes = await openVolumes(fx);
  const chain = await openChain({ root }, volumes.devicePath(asVdiUuid(uuid)));
  try {
    return await readChain(chain, 0, chain.leaf.virtualSize);
  } finally {
    await chain.close();
  }
}

/** The collector's context on host1 (the master), in this process, with the plugin calls handed to `callPlugin`. */
export function gcContextOn(fx: SrOnPool, sink: MemorySink, callPlugin: GcContext['callPlugin']): GcContext {
  const root = fx.pool.runtime.host('host1').spec.root;
  const refs = ['host1', 'host2'].map((h) => [fx.pool.xapi.host(h).ref, h] as const);
  return {
    env: { ...readHostEnv({}), root, timeScale: 0.01 },
    log: createLogger(sink),
    exec: () => Promise.reject(new Error('no exec in this test')),
    srUuid: fx.srUuid,
    srRef: fx.srRef,
    groupName: fx.groupName,
    provisioning: 'thin',
    xapi: fx.xapi,
    hostRef: fx.pool.xapi.host('host1').ref,
    node: 'host1',
    hostnames: new Map(refs),
    linstor: fx.linstor,
    openVolumes: () => openVolumes(fx),
    readOnlyVolumes: () => openVolumes(fx),
    plugged: async () => true,
    srSwitches: async () => ({ gc: true, coalesce: true }),
    xapiVdis: async () => new Map(),
    callPlugin,
    close: async () => undefined,
  };
}

/** The collector's SR-lock windows, in a test that is alone on the SR: a fresh volume manager each. */
export function underLockOf(fx: SrOnPool, ctx: GcContext): UnderLock {
  return async (fn) => {
    const volumes = await openVolumes(fx);
    return fn(volumes, new Journal(volumes.journalStore(), ctx.log), new Map());
  };
}
