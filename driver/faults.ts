import { CommandError } from '../lib/exec/command-error.js';
import { ControllerNotFoundError } from '../lib/discovery/controller.js';
import { LinstorNetworkError } from '../lib/linstor/errors.js';
import { SrError, type SrErrorName } from '../lib/smapi/sr-error.js';
import type { Verb } from '../lib/smapi/verbs.js';
import { VolumeInUseError, VolumeNotFoundError } from '../lib/volume/errors.js';

/**
 * The only place where errors become SM faults. An SrError passes unchanged; known domain errors map to
 * the code SM raises for them; anything else gets the verb's default code (SM's SRCommand table), with
 * the error's message as opterr — never a stack trace.
 */
const VERB_DEFAULT: Partial<Record<Verb, SrErrorName>> = {
  sr_create: 'LinstorSRCreate',
  sr_delete: 'LinstorSRDelete',
  sr_scan: 'SRScan',
  vdi_create: 'VDICreate',
  vdi_delete: 'VDIDelete',
  vdi_attach: 'VDIUnavailable',
  vdi_detach: 'VDIUnavailable',
  vdi_activate: 'VDIUnavailable',
  vdi_deactivate: 'VDIUnavailable',
  vdi_resize: 'VDIResize',
  vdi_resize_online: 'VDIResize',
  vdi_snapshot: 'VDISnapshot',
  vdi_clone: 'VDIClone',
};

export function defaultErrorOf(verb: Verb | undefined): SrErrorName {
  return (verb && VERB_DEFAULT[verb]) ?? 'SMGeneral';
}

/** True when `error` or any error in its `cause` chain says the controller is gone or moving. */
function controllerUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth += 1) {
    if (e instanceof LinstorNetworkError || e instanceof ControllerNotFoundError) return true;
  }
  return false;
}

export function toSrError(error: unknown, verb: Verb | undefined): SrError {
  if (error instanceof SrError) return error;
  // The controller is gone or moving (drbd-reactor failover): the SR is unavailable for now, and the
  // caller may retry; the verb's own code would read as a failure of the operation itself. Domain errors
  // (a journal or rename write that failed) carry the network error as their cause.
  if (controllerUnreachable(error)) return new SrError('SRUnavailable', (error as Error).message, { cause: error });
  if (error instanceof VolumeNotFoundError) return new SrError('VDIMissing', error.message, { cause: error });
  // sm's vdi_delete answers VDIDelete with the volume manager's message when the device is open
  // (Primary) on some node; its refusal of a VDI attached through XAPI (VDIInUse) comes earlier.
  if (error instanceof VolumeInUseError) return new SrError(verb === 'vdi_delete' ? 'VDIDelete' : 'VDIInUse', error.message, { cause: error });
  const code = defaultErrorOf(verb);
  if (error instanceof CommandError) {
    // SM's shape for util.CommandException: "Command <cmd> failed (<reason>): <strerror>".
    const reason = error.exitCode !== undefined ? `exit code ${error.exitCode}` : (error.signal ?? 'not started');
    const detail = error.stderr.trim().split('\n').slice(-1)[0] ?? '';
    return new SrError(code, `Command ${error.argv.join(' ')} failed (${reason}): ${detail}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SrError(code, message, { cause: error });
}
