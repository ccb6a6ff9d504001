import type { HostEnv } from '../lib/host/env.js';
import type { Logger } from '../lib/log/logger.js';
import type { Exec } from '../lib/exec/run.js';

/**
 * What every verb handler receives (driver/main.ts builds it): the host's environment, the logger and
 * the command runner. The network collaborators (XAPI, LINSTOR, the volume manager) come from the SR
 * session a handler opens (driver/sr/session.ts), so a handler that needs none opens no connection.
 */
export type DriverContext = {
  readonly env: HostEnv;
  readonly log: Logger;
  readonly exec: Exec;
};
