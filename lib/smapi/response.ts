import type { SrError } from './sr-error.js';
import { encodeFault, encodeMethodResponse, type XmlRpcInput } from './xmlrpc.js';

/**
 * The shapes xapi parses from a driver's methodResponse (spec/smapi-protocol.md §2.2). xapi reads every
 * member of a VDI result as a string, so numbers never appear in them.
 */

/** create/introduce/snapshot/clone/resize: `uuid` and `location` are required; every member is a string. */
export type VdiResult = { readonly uuid: string; readonly location: string; readonly [key: string]: string };

/** attach (and attach_from_config). Both `params` and `params_nbd` are sent, for xapi before and after 23.12. */
export type AttachResult = {
  readonly params: string;
  readonly params_nbd: string;
  readonly o_direct: boolean;
  readonly o_direct_reason: string;
  readonly xenstore_data: Readonly<Record<string, string>>;
};

/**
 * vdi_attach_from_config of a driver whose DRIVER_CONFIG has ATTACH_FROM_CONFIG_WITH_TAPDISK false
 * (spec/blktap2.md §1.11): the plain device, deliberately without `params_nbd`.
 */
export type FromConfigResult = { readonly params: string; readonly xenstore_data: Readonly<Record<string, string>> };

/** sr_get_driver_info. `configuration` pairs become `{key, description}` structs. */
export type DriverInfo = {
  readonly name: string;
  readonly description: string;
  readonly vendor: string;
  readonly copyright: string;
  readonly driver_version: string;
  readonly required_api_version: string;
  readonly capabilities: readonly string[];
  readonly configuration: readonly (readonly [key: string, description: string])[];
};

/** What a verb handler returns: nil, a string, or one of the structs above. */
export type VerbResult = null | string | VdiResult | AttachResult | FromConfigResult | DriverInfo;

export function isDriverInfo(result: VerbResult): result is DriverInfo {
  return result !== null && typeof result === 'object' && 'capabilities' in result;
}

/** Encodes a successful result as the one methodResponse the driver prints. */
export function encodeResult(result: VerbResult): string {
  if (result !== null && typeof result === 'object' && isDriverInfo(result)) {
    const value: XmlRpcInput = {
      ...result,
      configuration: result.configuration.map(([key, description]) => ({ key, description })),
    };
    return encodeMethodResponse(value);
  }
  if (result !== null && typeof result === 'object' && !('params_nbd' in result) && !('xenstore_data' in result)) {
    for (const [key, value] of Object.entries(result)) {
      if (typeof value !== 'string') throw new TypeError(`VDI result member ${key} must be a string`);
    }
  }
  return encodeMethodResponse(result as XmlRpcInput);
}

/** Encodes an SM fault: `{faultCode, faultString}` with SM's message shape. */
export function encodeSrFault(error: SrError): string {
  return encodeFault(error.toFault());
}
