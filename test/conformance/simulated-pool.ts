/**
 * The pool `npm run conformance` starts when no XAPI_URL is given: the XAPI simulator with 3 hosts in a
 * temporary folder, on a loopback /24 of its own, with the recording stand-in driver for the `linstor`
 * type. (The full pool with LINSTOR and host tools replaces it once `xostor-sim up` exists.)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XapiSimulator } from '../../sim/xapi/simulator.js';
import { writeStandInDriver } from '../../sim/xapi/stand-in-driver.js';
import type { Target } from './scenario.js';

/** A started simulated pool and how to stop it. */
export type SimulatedPool = { readonly target: Target; stop(): Promise<void> };

/** Starts the pool. */
export async function startSimulatedPool(hosts = 3): Promise<SimulatedPool> {
  const dir = await mkdtemp(path.join(tmpdir(), 'conformance-'));
  const driver = await writeStandInDriver(path.join(dir, 'driver'));
  const [b = 0, c = 0] = randomBytes(2);
  const net = `127.${(b % 200) + 20}.${c}`;
  const password = randomBytes(6).toString('hex');
  const sim = new XapiSimulator({
    hosts: Array.from({ length: hosts }, (_, i) => ({
      name: `host${i + 1}`, uuid: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, address: `${net}.${i + 1}`,
      root: path.join(dir, 'hosts', `host${i + 1}`),
    })),
    drivers: { linstor: driver.file },
    password,
  });
  const { xapiUrl } = await sim.start();
  return {
    target: { kind: 'simulated', url: xapiUrl ?? '', user: 'root', password, srUuid: undefined },
    async stop() {
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
