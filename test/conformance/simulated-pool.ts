/**
 * The pool `npm run conformance` starts when no XAPI_URL is given: the full simulated pool (XAPI
 * simulator running the built driver and plugin, host tool stand-ins, the LINSTOR controller when a
 * host starts it) with 3 hosts in a temporary folder, on a loopback /24 of its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPool } from '../../sim/pool/pool.js';
import type { PoolControls, Target } from './scenario.js';

/** A started simulated pool and how to stop it. */
export type SimulatedPool = { readonly target: Target; stop(): Promise<void> };

/**
 * Starts the pool. `legacyPluginHosts` answer as hosts of the pre-2026 sm (the old linstor-manager
 * argument and answer shapes): a mixed pool, as during a rolling update.
 */
export async function startSimulatedPool(hosts = 3, options: { readonly legacyPluginHosts?: readonly string[] } = {}): Promise<SimulatedPool> {
  const dir = await mkdtemp(path.join(tmpdir(), 'conformance-'));
  const legacy = options.legacyPluginHosts?.length ? { legacyPluginHosts: options.legacyPluginHosts } : {};
  const pool = await startPool({ dir, hosts, env: { LINSTOR_SR_TIME_SCALE: '0.01' }, ...legacy });
  const controls: PoolControls = {
    async setNodeStatus(node, status) {
      const linstor = pool.runtime.controller.sim;
      if (!linstor || !(await linstor.setNodeConnectionStatus(node, status))) throw new Error(`no LINSTOR node ${node} in the simulated pool`);
    },
  };
  return {
    target: { kind: 'simulated', url: pool.xapiUrl ?? '', user: 'root', password: '', srUuid: undefined, controls },
    async stop() {
      await pool.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
