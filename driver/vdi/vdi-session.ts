/**
 * The frame of every VDI verb: the SR session (device-config, master-only and exclusive rules, SR lock),
 * on a slave the volume lock taken on the master before any KV read, and both released in `finally`.
 */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import type { Verb } from '../../lib/smapi/verbs.js';
import { asVdiUuid, type VdiUuid } from '../../lib/volume/index.js';
import type { DriverContext } from '../context.js';
import { openSrSession, type SrSession } from '../sr/session.js';
import { lockVolumeOnMaster } from './volume-lock.js';

/** Runs `fn` with an open session; the VDI uuid is the request's (absent for vdi_create). */
export async function withVdiSession<V extends Verb, T>(ctx: DriverContext, request: SmapiRequest<V>, fn: (session: SrSession) => Promise<T>): Promise<T> {
  const session = await openSrSession(ctx, request, request.srSmConfig);
  try {
    const lock = await lockVolumeOnMaster(session, request.vdiUuid, ctx.log, ctx.env.timeScale);
    try {
      return await fn(session);
    } finally {
      await lock.release();
    }
  } finally {
    await session.close();
  }
}

/** The VDI uuid of a VDI-scoped request (the decoder guarantees it). */
export function vdiUuidOf<V extends Verb>(request: SmapiRequest<V>): VdiUuid {
  if (request.vdiUuid === undefined) throw new SrError('BadRequest', 'a VDI command needs vdi_uuid');
  return asVdiUuid(request.vdiUuid);
}

/** This host's LINSTOR node name: its XAPI hostname. */
export async function localNodeName(session: SrSession): Promise<string> {
  return session.xapi.host.get(session.hostRef(), 'hostname');
}
