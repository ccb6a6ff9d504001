/** Whether a running VM uses a VDI: the invariant every recovery checks before it drops or forgets one. */
import { isXapiError, type Ref, type Xapi } from '../../lib/xapi/index.js';

/** True when a VBD of the VDI is plugged (or XAPI cannot say: then it counts as plugged). */
export async function pluggedSomewhere(xapi: Xapi, vbds: readonly Ref[]): Promise<boolean> {
  for (const vbd of vbds) {
    try {
      if (await xapi.vbd.get(vbd, 'currently_attached')) return true;
    } catch (error) {
      if (!isXapiError(error, 'HANDLE_INVALID')) return true;
    }
  }
  return false;
}
