/**
 * How xapi reads a driver's run (spec/smapi-protocol.md §1.2, §2): exit status and signals, the
 * methodResponse on stdout, the result shape each verb must have, and the fault mapping of §2.4.
 */
import { decodeMethodResponse, isStruct, type XmlRpcValue } from '../../lib/smapi/xmlrpc.js';
import { ApiError } from './api-error.js';
import type { SpawnResult } from './spawn.js';

const NIL_VERBS = new Set([
  'sr_create', 'sr_delete', 'sr_attach', 'sr_detach', 'sr_scan', 'sr_update', 'vdi_activate', 'vdi_deactivate', 'vdi_detach', 'vdi_delete',
  'vdi_update', 'vdi_epoch_begin', 'vdi_epoch_end', 'vdi_compose', 'vdi_revert', 'vdi_enable_cbt', 'vdi_disable_cbt', 'vdi_data_destroy',
]);
const STRING_VERBS = new Set(['sr_probe', 'vdi_generate_config', 'vdi_list_changed_blocks', 'sr_content_type']);
const VDI_STRUCT_VERBS = new Set(['vdi_create', 'vdi_introduce', 'vdi_snapshot', 'vdi_clone', 'vdi_resize', 'vdi_resize_online']);
const DRIVER_INFO_STRINGS = ['name', 'description', 'vendor', 'copyright', 'driver_version', 'required_api_version'];

/** The refs a fault mapping may name. */
export type FaultRefs = { readonly srRef?: string | undefined; readonly vdiRef?: string | undefined };

/** Turns a finished run into the verb's value, or throws the ApiError xapi would raise. */
export function readSmResult(verb: string, run: SpawnResult, refs: FaultRefs): XmlRpcValue {
  const { stdout, stderr } = run;
  if (run.spawnError !== undefined) throw new ApiError('SR_BACKEND_FAILURE', [`exec failed: ${run.spawnError}`, stdout, stderr]);
  if (run.timedOut) throw new ApiError('SR_BACKEND_FAILURE', [`received signal: SIGKILL (timed out)`, stdout, stderr]);
  if (run.signal !== null) throw new ApiError('SR_BACKEND_FAILURE', [`received signal: ${run.signal}`, stdout, stderr]);
  if (run.exitCode !== 0) throw new ApiError('SR_BACKEND_FAILURE', ['non-zero exit', stdout, stderr]);
  let decoded;
  try {
    decoded = decodeMethodResponse(stdout);
  } catch (error) {
    throw new ApiError('SR_BACKEND_FAILURE', [(error as Error).message, stdout, stderr]);
  }
  if (decoded.kind === 'fault') throw faultError(verb, decoded.fault.faultCode, decoded.fault.faultString, stderr, refs);
  return checkShape(verb, decoded.value, stdout);
}

/** spec §2.4: the special codes, else SR_BACKEND_FAILURE_<n> ["", faultString, stderr]. */
export function faultError(verb: string, code: number, faultString: string, stderr: string, refs: FaultRefs): ApiError {
  const sr = refs.srRef ?? '';
  switch (code) {
    case 38:
      if (['sr_create', 'sr_delete', 'sr_scan', 'sr_update'].includes(verb)) return new ApiError('SR_OPERATION_NOT_SUPPORTED', [sr]);
      return new ApiError('UNIMPLEMENTED_IN_SM_BACKEND', [sr]);
    case 39:
      return new ApiError('SR_NOT_EMPTY', []);
    case 24:
      return new ApiError('VDI_IN_USE', []);
    case 16:
      return new ApiError('SR_DEVICE_IN_USE', []);
    case 144:
      return new ApiError('VDI_MISSING', [sr, refs.vdiRef ?? '']);
    default:
      return new ApiError(`SR_BACKEND_FAILURE_${code}`, ['', faultString, stderr]);
  }
}

function parseFailure(stdout: string, reason: string): ApiError {
  return new ApiError('SR_BACKEND_FAILURE', ['', `XML parse failure: ${stdout}`, reason]);
}

function checkShape(verb: string, value: XmlRpcValue, stdout: string): XmlRpcValue {
  if (NIL_VERBS.has(verb)) {
    // xapi's unmarshaller raises an unwrapped type error here; INTERNAL_ERROR is what reaches the client.
    if (value !== null) throw new ApiError('INTERNAL_ERROR', [`${verb}: expected nil, got ${describe(value)}`]);
    return value;
  }
  if (STRING_VERBS.has(verb)) {
    if (typeof value !== 'string') throw new ApiError('INTERNAL_ERROR', [`${verb}: expected a string, got ${describe(value)}`]);
    return value;
  }
  if (!isStruct(value)) throw parseFailure(stdout, `expected a <struct>, got ${describe(value)}`);
  if (VDI_STRUCT_VERBS.has(verb)) {
    for (const key of ['uuid', 'location']) if (!(key in value)) throw parseFailure(stdout, `<struct> missing field: ${key}`);
    for (const [key, v] of Object.entries(value)) if (typeof v !== 'string') throw parseFailure(stdout, `field ${key} is not a string`);
  } else if (verb === 'vdi_attach' || verb === 'vdi_attach_from_config') {
    if (typeof value['params_nbd'] !== 'string') throw parseFailure(stdout, '<struct> missing field: params_nbd');
  } else if (verb === 'sr_get_driver_info') {
    for (const key of DRIVER_INFO_STRINGS) if (typeof value[key] !== 'string') throw parseFailure(stdout, `<struct> missing field: ${key}`);
    if (!Array.isArray(value['capabilities']) || !Array.isArray(value['configuration'])) throw parseFailure(stdout, 'capabilities/configuration must be arrays');
  }
  return value;
}

function describe(value: XmlRpcValue): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'a struct' : `${typeof value} ${JSON.stringify(value).slice(0, 80)}`;
}
