/**
 * Helpers of the pool-administration scenarios (hosts-admin.ts, failover.ts), XenAPI only: the SR's
 * group name, where the controller runs (the plugin's hasControllerRunning on every host, as discovery
 * asks), and the plugin called on a host. Disruptive scenarios run on a real pool only when
 * XAPI_DISRUPTIVE=1 (they remove a host from the SR or move the controller).
 */
import type { Xapi } from '../../../lib/xapi/index.js';
import type { ScenarioContext, Skip } from '../scenario.js';

export function plugin(xapi: Xapi, host: string, fn: string, args: Record<string, string> = {}): Promise<string> {
  return xapi.host.callPlugin(host, 'linstor-manager', fn, args);
}

export async function groupOf(xapi: Xapi, sr: string): Promise<string> {
  const [pbd] = Object.values(await xapi.pbd.recordsOfSr(sr));
  return pbd?.device_config['group-name'] ?? '';
}

/** The host whose controller answers, if any. */
export async function controllerHost(xapi: Xapi): Promise<string | undefined> {
  for (const host of await xapi.host.getAll()) if ((await plugin(xapi, host, 'hasControllerRunning')) === 'True') return host;
  return undefined;
}

export function disruptiveSkip(ctx: ScenarioContext): Skip | undefined {
  return ctx.target.kind === 'real' && process.env['XAPI_DISRUPTIVE'] !== '1' ? { skip: 'disruptive on a real pool: set XAPI_DISRUPTIVE=1' } : undefined;
}
