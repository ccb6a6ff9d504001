/**
 * The SR's volume manager for the SR verbs, with the Python `load()` mapping of failures: a controller
 * that cannot be reached or an SR that LINSTOR does not hold is SRUnavailable, never a generic error, so
 * xapi reports the SR as unavailable and nothing is forgotten.
 */
import { SrError } from '../../lib/smapi/sr-error.js';
import type { VolumeManager } from '../../lib/volume/index.js';
import type { SrSession } from './session.js';

export async function openVolumes(session: SrSession): Promise<VolumeManager> {
  try {
    return await session.volumes();
  } catch (error) {
    if (error instanceof SrError) throw error;
    throw new SrError('SRUnavailable', `no such group ${session.config.groupName}: ${(error as Error).message}`, { cause: error });
  }
}

/** This host's hostname, which is its LINSTOR node name. */
export async function localNode(session: SrSession): Promise<string> {
  return session.xapi.host.get(session.hostRef(), 'hostname');
}
