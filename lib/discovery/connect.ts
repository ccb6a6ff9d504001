import type { Exec } from '../exec/run.js';
import { scaled, type HostEnv } from '../host/env.js';
import { createLinstorClient, type LinstorApi } from '../linstor/index.js';
import type { Logger } from '../log/logger.js';
import type { Xapi } from '../xapi/index.js';
import { discoverController } from './controller.js';
import { xapiDiscovery } from './xapi-pool.js';

export type ConnectOptions = {
  readonly exec: Exec;
  readonly env: Pick<HostEnv, 'root' | 'timeScale'>;
  readonly log: Logger;
  readonly xapi: Xapi;
  readonly attempts?: number;
};

/**
 * Finds the controller as a process with a XAPI session does (DRBD database, then the hosts through
 * the plugin) and returns a client on the URIs found. Throws ControllerNotFoundError when none answers.
 */
export async function connectController(options: ConnectOptions): Promise<LinstorApi> {
  return (await connectControllerAt(options)).linstor;
}

/** {@link connectController}, also answering the URIs found (the first is where the controller runs). */
export async function connectControllerAt(options: ConnectOptions): Promise<{ linstor: LinstorApi; uris: readonly string[] }> {
  const found = await discoverController({
    exec: options.exec,
    root: options.env.root,
    log: options.log,
    retryDelayMs: scaled(options.env, 1000),
    ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
    ...xapiDiscovery(options.xapi, options.env.root),
  });
  return { linstor: createLinstorClient({ controllers: found.uris, logger: options.log.child('linstor') }), uris: found.uris };
}
