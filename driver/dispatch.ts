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
  vdi_create: async () => (await import('./verbs/vdi-create.js')).vdiCreate,
  vdi_delete: async () => (await import('./verbs/vdi-delete.js')).vdiDelete,
  vdi_update: async () => (await import('./verbs/vdi-update.js')).vdiUpdate,
  vdi_resize: async () => (await import('./verbs/vdi-resize.js')).vdiResize,
  vdi_attach: async () => (await import('./verbs/vdi-attach.js')).vdiAttach,
  vdi_activate: async () => (await import('./verbs/vdi-activate.js')).vdiActivate,
  vdi_deactivate: async () => (await import('./verbs/vdi-deactivate.js')).vdiDeactivate,
  vdi_detach: async () => (await import('./verbs/vdi-detach.js')).vdiDetach,
  vdi_epoch_begin: async () => (await import('./verbs/vdi-epoch.js')).vdiEpochBegin,
  vdi_epoch_end: async () => (await import('./verbs/vdi-epoch.js')).vdiEpochEnd,
  vdi_snapshot: async () => (await import('./verbs/vdi-snapshot.js')).vdiSnapshot,
  vdi_clone: async () => (await import('./verbs/vdi-clone.js')).vdiClone,
  vdi_revert: async () => (await import('./verbs/vdi-revert.js')).vdiRevert,
  sr_create: async () => (await import('./verbs/sr-create.js')).srCreate,
  sr_attach: async () => (await import('./verbs/sr-attach.js')).srAttach,
  sr_detach: async () => (await import('./verbs/sr-detach.js')).srDetach,
  sr_scan: async () => (await import('./verbs/sr-scan.js')).srScan,
  sr_update: async () => (await import('./verbs/sr-update.js')).srUpdate,
  sr_delete: async () => (await import('./verbs/sr-delete.js')).srDelete,
  sr_probe: async () => (await import('./verbs/sr-probe.js')).srProbe,
  vdi_compose: async () => (await import('./verbs/vdi-compose.js')).vdiCompose,
  vdi_introduce: async () => (await import('./verbs/vdi-introduce.js')).vdiIntroduce,
  vdi_generate_config: async () => (await import('./verbs/vdi-generate-config.js')).vdiGenerateConfig,
  vdi_attach_from_config: async () => (await import('./verbs/vdi-attach-from-config.js')).vdiAttachFromConfig,
  vdi_detach_from_config: async () => (await import('./verbs/vdi-detach-from-config.js')).vdiDetachFromConfig,
};

export async function dispatch(ctx: DriverContext, request: AnyRequest): Promise<VerbResult> {
  const load = HANDLERS[request.verb] as (() => Promise<Handler<Verb>>) | undefined;
  if (!load) throw new SrError('Unimplemented', `${request.verb} is not implemented by this driver yet`);
  const handler = await load();
  return handler(ctx, request as SmapiRequest<Verb>);
}
