/**
 * The SR context (lib/sr-context) of one plugin call: the caller's XAPI session, the SR's group name,
 * no repair (a plugin call never owns the SR), closed when the body returns.
 */
import { openSrContext, type SrContext } from '../../lib/sr-context/sr-context.js';
import type { PluginContext } from './context.js';
import { xapiOf } from './pool-session.js';

export async function withSrContext<T>(ctx: PluginContext, groupName: string, body: (sr: SrContext) => Promise<T>): Promise<T> {
  const sr = openSrContext({ env: ctx.env, log: ctx.log, exec: ctx.exec, xapi: xapiOf(ctx), groupName });
  try {
    return await body(sr);
  } finally {
    await sr.close();
  }
}
