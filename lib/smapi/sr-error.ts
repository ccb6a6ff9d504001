import { redactText } from '../log/redact.js';
import { SR_ERROR_CODES } from './error-codes.generated.js';
import type { XmlRpcFault } from './xmlrpc.js';

/** Every SM error name; a typo is a compile error, so SM's "unknown key → code 1" cannot happen. */
export type SrErrorName = keyof typeof SR_ERROR_CODES;

/**
 * An SM error as XAPI sees it: `faultCode` from XE_SR_ERRORCODES and SM's message shape
 * `"<description> [opterr=<detail>]"`. Only the boundaries (driver/, plugins/, gc/) build these —
 * lib/ throws domain errors — except lib/smapi itself for undecodable requests.
 */
export class SrError extends Error {
  override name = 'SrError';
  readonly code: SrErrorName;
  readonly opterr: string | undefined;

  /** `opterr` goes to xapi (task errors, XenCenter, logs elsewhere): session refs and secrets are masked in it. */
  constructor(code: SrErrorName, opterr?: string, options?: { cause?: unknown }) {
    const safe = opterr === undefined ? undefined : redactText(opterr);
    super(faultStringOf(code, safe), options);
    this.code = code;
    this.opterr = safe;
  }

  get faultCode(): number {
    return SR_ERROR_CODES[this.code].value;
  }

  get faultString(): string {
    return this.message;
  }

  toFault(): XmlRpcFault {
    return { faultCode: this.faultCode, faultString: this.faultString };
  }
}

function faultStringOf(code: SrErrorName, opterr: string | undefined): string {
  const { description } = SR_ERROR_CODES[code];
  return opterr === undefined || opterr === '' ? description : `${description} [opterr=${opterr}]`;
}

/** Looks an error name up by its numeric code (for reading faults back, e.g. in the simulator). */
export function srErrorNameOf(faultCode: number): SrErrorName | undefined {
  for (const [name, { value }] of Object.entries(SR_ERROR_CODES)) if (value === faultCode) return name as SrErrorName;
  return undefined;
}
