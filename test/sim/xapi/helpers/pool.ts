import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createXapi, type Xapi } from '../../../../lib/xapi/index.js';
import { driverParams, type Execution } from '../../../../sim/xapi/index.js';
import { XapiSimulator, type XapiSimOptions } from '../../../../sim/xapi/simulator.js';
import { writeStandInDriver, type StandInDriver } from '../../../../sim/xapi/stand-in-driver.js';

export type TestPool = {
  sim: XapiSimulator;
  driver: StandInDriver;
  /** A root session over the master's TCP address. */
  xapi: Xapi;
  dir: string;
  ref(host: string): string;
  /** Driver runs since the mark, as `[verb, host]`. */
  runs(since?: number): Array<[string, string]>;
  mark(): number;
};

/** A loopback /24 of its own per pool, so parallel test files never collide. */
function subnet(): string {
  const b = randomBytes(2);
  return `127.${(b[0] ?? 0) % 200 + 20}.${b[1] ?? 0}`;
}

/** Starts a pool of `hosts` hosts whose `linstor` type runs the recording stand-in driver. */
/** Anything that runs cleanups at the end (an ava test context, or a hook-level list). */
export type Teardown = { teardown(fn: () => Promise<void>): void };

export async function startPool(t: Teardown, hosts = 3, options: Partial<XapiSimOptions> = {}): Promise<TestPool> {
  const dir = await mkdtemp(path.join(tmpdir(), 'xapi-sim-'));
  const driver = await writeStandInDriver(path.join(dir, 'driver'));
  const net = subnet();
  const sim = new XapiSimulator({
    hosts: Array.from({ length: hosts }, (_, i) => ({
      name: `host${i + 1}`, uuid: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, address: `${net}.${i + 1}`,
      root: path.join(dir, 'hosts', `host${i + 1}`), toolsPath: path.join(dir, 'hosts', `host${i + 1}`, 'tools'),
    })),
    drivers: { linstor: driver.file },
    plugins: {},
    env: { LINSTOR_SR_TIME_SCALE: '0.01' },
    password: 'secret',
    ...options,
  });
  const { xapiUrl } = await sim.start();
  const xapi = createXapi({ endpoint: { url: xapiUrl ?? '' } });
  await xapi.client.loginWithPassword('root', 'secret');
  t.teardown(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    sim, driver, xapi, dir,
    ref: (host) => sim.host(host).ref,
    mark: () => sim.executions.length,
    runs: (since = 0) => sim.executions.slice(since).filter((e) => e.kind === 'driver').map((e) => [e.name, e.host]),
  };
}

/** The parameter struct of the last driver run of `verb`. */
export function lastParams(sim: XapiSimulator, verb: string): Readonly<Record<string, unknown>> {
  const run = [...sim.executions].reverse().find((e: Execution) => e.kind === 'driver' && e.name === verb);
  if (!run) throw new Error(`no ${verb} run`);
  return driverParams(run);
}

/** Creates a shared SR of the stand-in type on host1. */
export async function createSr(pool: TestPool): Promise<string> {
  return pool.xapi.sr.create({ host: pool.ref('host1'), deviceConfig: { 'group-name': 'linstor_group/thin_device', redundancy: '2' }, nameLabel: 'xostor', type: 'linstor', shared: true });
}
