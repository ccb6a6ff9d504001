import { SrError } from '../lib/smapi/sr-error.js';
import type { AnyRequest, SmapiRequest } from '../lib/smapi/request.js';
import type { VerbResult } from '../lib/smapi/response.js';
import type { Verb } from '../lib/smapi/verbs.js';
import type { DriverContext } from './context.js';
import { DRIVER_INFO } from './driver-info.js';

/** A verb handler: pure with respect to its context; returns the result xapi expects for the verb. */
export type Handler<V extends Verb> = (ctx: DriverContext, request: SmapiRequest<V>) => Promise<VerbResult>;

/**
 * Verb name → handler loader. Loaders import their module on demand, so a verb only pays for the code
 * it runs (sr_get_driver_info answers without loading the LINSTOR or XAPI clients). A verb absent
 * from this table is known but not built: it answers SM's `Unimplemented` (38), which xapi maps to
 * SR_OPERATION_NOT_SUPPORTED / UNIMPLEMENTED_IN_SM_BACKEND, or (for clone) its own fallback.
 */
export const HANDLERS: { readonly [V in Verb]?: () => Promise<Handler<V>> } = {
  sr_get_driver_info: async () => async () => DRIVER_INFO,
};

export async function dispatch(ctx: DriverContext, request: AnyRequest): Promise<VerbResult> {
  const load = HANDLERS[request.verb] as (() => Promise<Handler<Verb>>) | undefined;
  if (!load) throw new SrError('Unimplemented', `${request.verb} is not implemented by this driver yet`);
  const handler = await load();
  return handler(ctx, request as SmapiRequest<Verb>);
}
