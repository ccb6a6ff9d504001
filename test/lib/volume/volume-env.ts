/**
 * Test environment of the volume manager: a LINSTOR simulator in a temp dir with three nodes, the thin
 * `linstor_group/thin_device` pools and the SR resource group (as `sr_create` leaves them), a client, a
 * memory logger, and helpers to read the raw KV and seed it the way the Python driver writes it.
 */
import type { ExecutionContext } from 'ava';
import type { LinstorApi } from '../../../lib/linstor/index.js';
import { createLogger, MemorySink, type Logger } from '../../../lib/log/logger.js';
import { VolumeManager, type VolumeManagerOptions } from '../../../lib/volume/index.js';
import type { LinstorSim } from '../../../sim/linstor/simulator.js';
import { addSr, startEnv } from '../../sim/linstor/sim-env.js';

/** The group name of the test SR. */
export const GROUP = 'linstor_group/thin_device';
/** Its RG, pool and KV name. */
export const KV = 'xcp-sr-linstor_group_thin_device';
export const NODES = ['h1', 'h2', 'h3'] as const;

/** What a volume test receives. */
export type VolumeEnv = {
  sim: LinstorSim;
  client: LinstorApi;
  /** The pool directory; host `<node>` has its root at `<dir>/hosts/<node>`. */
  dir: string;
  sink: MemorySink;
  logger: Logger;
  /** Opens a manager on the test SR (repair off unless asked). */
  open(options?: Partial<VolumeManagerOptions>): Promise<VolumeManager>;
  /** The raw KV instance as LINSTOR lists it. */
  rawKv(): Promise<Record<string, string>>;
  /** Writes keys exactly as the Python `linstor.KV` does (leading `/`). */
  seedKv(props: Record<string, string>): Promise<void>;
  /** Requests the client has sent so far. */
  requests(): number;
};

/** Starts the simulator (with `simOptions`, e.g. its clock) with an SR of redundancy `placeCount` (2 by default). */
export async function startVolumeEnv(t: ExecutionContext, placeCount = 2, simOptions: Parameters<typeof startEnv>[1] = {}): Promise<VolumeEnv> {
  const { sim, client, dir } = await startEnv(t, simOptions);
  await addSr(client, NODES, placeCount, 'LVM_THIN');
  const sink = new MemorySink();
  const logger = createLogger(sink);
  return {
    sim,
    client,
    dir,
    sink,
    logger,
    open: (options = {}) => VolumeManager.open({ linstor: client, groupName: GROUP, logger, timeScale: 0.001, ...options }),
    rawKv: () => client.keyValueStore.props(KV),
    seedKv: async (props) => {
      await client.keyValueStore.modify(KV, { override_props: Object.fromEntries(Object.entries(props).map(([k, v]) => [`/${k}`, v])) });
    },
    requests: () => client.stats().requests,
  };
}
