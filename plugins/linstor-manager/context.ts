import type { HostEnv } from '../../lib/host/env.js';
import type { Exec } from '../../lib/exec/run.js';
import type { Logger } from '../../lib/log/logger.js';

/** What every plugin function receives; built once per call by plugins/linstor-manager.ts. */
export type PluginContext = {
  readonly env: HostEnv;
  readonly log: Logger;
  readonly exec: Exec;
  /** The caller's session ref (never logged). */
  readonly sessionRef: string;
};

/** A plugin function: string args in, string result out (spec/sm-linstor.md §6). */
export type PluginFunction = (ctx: PluginContext, args: Readonly<Record<string, string>>) => Promise<string>;
