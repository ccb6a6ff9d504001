/**
 * Test environment for the LINSTOR client and simulator: a temporary pool directory, a simulator on
 * an ephemeral 127.0.0.1 port with contract validation on (when the OpenAPI spec is present), and a
 * client pointed at it. {@link simTest} also asserts that no request or response broke the contract.
 */
import test, { type ExecutionContext } from 'ava';
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLinstorClient, type LinstorApi } from '../../../lib/linstor/index.js';
import type { LinstorHttpOptions } from '../../../lib/linstor/http.js';
import { OPENAPI_SPEC_PATH, OpenApiValidator } from '../../../sim/linstor/openapi-validator.js';
import { startLinstorSim, type LinstorSim, type LinstorSimOptions } from '../../../sim/linstor/simulator.js';

let validatorPromise: Promise<OpenApiValidator | undefined> | undefined;

/** True when LINSTOR's OpenAPI spec can be read. */
export async function specAvailable(): Promise<boolean> {
  return access(OPENAPI_SPEC_PATH).then(
    () => true,
    () => false,
  );
}

/**
 * The validator, loaded once per process; undefined when the spec is absent outside CI. In CI
 * (`CI=true`) a missing spec is an error: contract tests must run there.
 */
export function contractValidator(): Promise<OpenApiValidator | undefined> {
  validatorPromise ??= (async () => {
    if (!(await specAvailable())) {
      if (process.env['CI'] === 'true') throw new Error(`LINSTOR OpenAPI spec missing at ${OPENAPI_SPEC_PATH.pathname}; contract tests must run in CI`);
      return undefined;
    }
    return OpenApiValidator.load();
  })();
  return validatorPromise;
}

/** What a {@link simTest} body receives. */
export type SimEnv = { sim: LinstorSim; client: LinstorApi; dir: string };

/** Starts a simulator (+ client) for one test; everything is torn down by the caller's teardown. */
export async function startEnv(
  t: ExecutionContext,
  options: Omit<LinstorSimOptions, 'dir' | 'validator'> = {},
  clientOptions: Partial<LinstorHttpOptions> = {},
): Promise<SimEnv> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'linstor-sim-'));
  const validator = await contractValidator();
  const sim = await startLinstorSim({ ...options, dir, ...(validator ? { validator } : {}) });
  const client = createLinstorClient({ controllers: [sim.url], timeoutMs: 10_000, ...clientOptions });
  t.teardown(async () => {
    await client.close();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { sim, client, dir };
}

/** An ava test with a fresh simulator that also checks the contract of everything exchanged. */
export function simTest(title: string, body: (t: ExecutionContext, env: SimEnv) => Promise<void>, options: Omit<LinstorSimOptions, 'dir' | 'validator'> = {}): void {
  test(title, async (t) => {
    const env = await startEnv(t, options);
    await body(t, env);
    t.deepEqual(env.sim.violations, [], 'every request and response matches the OpenAPI contract');
  });
}

/** Registers `names` as Combined nodes with one interface each. */
export async function addNodes(client: LinstorApi, names: readonly string[]): Promise<void> {
  for (const [i, name] of names.entries()) {
    await client.nodes.create({ name, type: 'Combined', net_interfaces: [{ name: 'default', address: `127.0.0.${i + 1}` }] });
  }
}

/** The XCP-ng thin pool name and its creation on each node (errors for diskless nodes are swallowed). */
export const THIN_POOL = 'xcp-sr-linstor_group_thin_device';
export const THICK_POOL = 'xcp-sr-linstor_group';

export async function addPools(client: LinstorApi, nodes: readonly string[], kind: 'LVM' | 'LVM_THIN' = 'LVM_THIN'): Promise<void> {
  for (const node of nodes) {
    await client.storagePools.create(node, {
      storage_pool_name: kind === 'LVM_THIN' ? THIN_POOL : THICK_POOL,
      provider_kind: kind,
      props: { 'StorDriver/StorPoolName': kind === 'LVM_THIN' ? 'linstor_group/thin_device' : 'linstor_group' },
    });
  }
}

/** An SR-like setup: nodes, pools and a resource group with one volume group. */
export async function addSr(client: LinstorApi, nodes: readonly string[], placeCount = 2, kind: 'LVM' | 'LVM_THIN' = 'LVM_THIN'): Promise<string> {
  await addNodes(client, nodes);
  await addPools(client, nodes, kind);
  const pool = kind === 'LVM_THIN' ? THIN_POOL : THICK_POOL;
  await client.resourceGroups.create({ name: pool, select_filter: { place_count: placeCount, storage_pool: pool, diskless_on_remaining: false } });
  await client.resourceGroups.createVolumeGroup(pool);
  return pool;
}
