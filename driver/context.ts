import type { HostEnv } from '../lib/host/env.js';
import type { Logger } from '../lib/log/logger.js';
import type { Exec } from '../lib/exec/run.js';

/**
 * What every verb handler receives (the composition root, driver/main.ts, builds it). Collaborators
 * that need a network (LINSTOR, XAPI) are added by the issues that use them; a handler that does not
 * need them never opens a connection.
 */
export type DriverContext = {
  readonly env: HostEnv;
  readonly log: Logger;
  readonly exec: Exec;
};
