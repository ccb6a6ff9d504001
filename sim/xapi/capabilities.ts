/**
 * The SM record's capabilities gate operations as in xapi (spec/smapi-protocol.md §3.2): without
 * VDI_CREATE, VDI_DELETE, VDI_SNAPSHOT, VDI_CLONE, VDI_RESIZE or VDI_UPDATE the matching VDI operation
 * is refused with SR_OPERATION_NOT_SUPPORTED [sr]; VDI_ACTIVATE/VDI_DEACTIVATE decide whether plug and
 * unplug run vdi_activate/vdi_deactivate at all.
 */
import { fail } from './api-error.js';
import type { SimState } from './context.js';

/** True when the SM record of `type` lists `capability`. */
export function smHas(sim: SimState, type: string, capability: string): boolean {
  const [sm] = sim.db.refsWhere('SM', (r) => r['type'] === type);
  return sm !== undefined && (sim.db.get('SM', sm)['capabilities'] as string[]).includes(capability);
}

/** Throws SR_OPERATION_NOT_SUPPORTED [sr] unless the SR's type has `capability`. */
export function requireCapability(sim: SimState, sr: string, capability: string): void {
  if (!smHas(sim, sim.db.str('SR', sr, 'type'), capability)) fail('SR_OPERATION_NOT_SUPPORTED', sr);
}
