/**
 * The frame of every VDI verb: the SR session (device-config, master-only and exclusive rules, SR lock),
 * the volume lock before any KV read (a slave's taken through the master; on the master itself the
 * tapdisk verbs', which run without the SR lock), and both released in `finally`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { scaled } from '../../lib/host/env.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import type { Verb } from '../../lib/smapi/verbs.js';
import { asVdiUuid, type VdiUuid } from '../../lib/volume/index.js';
import type { DriverContext } from '../context.js';
import { openSrSession, type SrSession } from '../sr/session.js';
import { lockVolumeHere } from './master-volume-lock.js';
import { lockVolumeOnMaster, NOOP, type VolumeLockHandle } from './volume-lock.js';

/** Verbs that open or close a tapdisk on the VDI: on the master too they hold its volume lock. */
const TAPDISK_VERBS: ReadonlySet<Verb> = new Set<Verb>(['vdi_activate', 'vdi_deactivate']);

/** The volume lock a VDI verb holds for its run (see the header). */
async function volumeLock(ctx: DriverContext, session: SrSession, verb: Verb, vdiUuid: string | undefined): Promise<VolumeLockHandle> {
  if (!session.isMaster) return lockVolumeOnMaster(session, vdiUuid, ctx.log, ctx.env.timeScale);
  if (vdiUuid === undefined || session.holdsSrLock || !TAPDISK_VERBS.has(verb)) return NOOP;
  // sm's patience for an SR lock (two minutes), polled every second.
  const journalWait = verb === 'vdi_activate' ? { timeoutMs: scaled(ctx.env, 120_000), pollMs: scaled(ctx.env, 1_000), sleep } : undefined;
  return lockVolumeHere(session, vdiUuid, { log: ctx.log.child('volume-lock'), timeScale: ctx.env.timeScale, ...(journalWait ? { journalWait } : {}) });
}

/** Runs `fn` with an open session; the VDI uuid is the request's (absent for vdi_create). */
export async function withVdiSession<V extends Verb, T>(ctx: DriverContext, request: SmapiRequest<V>, fn: (session: SrSession) => Promise<T>): Promise<T> {
  const session = await openSrSession(ctx, request, request.srSmConfig);
  try {
    const lock = await volumeLock(ctx, session, request.verb, request.vdiUuid);
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
