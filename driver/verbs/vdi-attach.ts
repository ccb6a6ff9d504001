/**
 * vdi_attach (any host; spec/blktap2.md §1.3, §1.8): under ATOMIC_PAUSE attach does no device work — the
 * device, inflate and tapdisk come at activate. On the master (SR lock held) it first recovers what
 * interrupted operations left; an entry that remains (or that a slave sees) is refused. It answers the attach result xapi plugs the VBD
 * with (backend path, NBD URI, O_DIRECT, xenstore data).
 */
import { attachResult } from '../../lib/blktap/attach-result.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { AttachResult } from '../../lib/smapi/response.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import type { DriverContext } from '../context.js';
import { refusePendingJournal } from '../vdi/device.js';
import { masterPrelude } from '../vdi/master-prelude.js';
import { localNodeName, vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';

export async function vdiAttach(ctx: DriverContext, request: SmapiRequest<'vdi_attach'>): Promise<AttachResult> {
  const uuid = vdiUuidOf(request);
  return withVdiSession(ctx, request, async (session) => {
    // The master holds the SR lock: what an interrupted operation left is recovered here, not refused.
    if (session.isMaster) await masterPrelude(ctx, session, await localNodeName(session));
    const volumes = await session.volumes();
    if (!volumes.has(uuid)) throw new SrError('VDIUnavailable', `Could not load ${uuid} because: the LINSTOR volume does not exist`);
    // A slave got the volume lock from the master under the master's SR lock: no master operation on
    // this VDI runs now, so an entry is a leftover the master must recover.
    await refusePendingJournal(await session.journal(), uuid);
    const none: Readonly<Record<string, string>> = {};
    const [vdiOther, srOther] = await Promise.all([
      request.vdiRef === undefined ? none : session.xapi.vdi.get(request.vdiRef, 'other_config'),
      request.srRef === undefined ? none : session.xapi.sr.get(request.srRef, 'other_config'),
    ]);
    return attachResult(session.srUuid, uuid, {
      srMemPoolRings: srOther['mem-pool-size-rings'],
      vdiMemPool: vdiOther['mem-pool'],
      vdiMemPoolRings: vdiOther['mem-pool-size-rings'],
    });
  });
}
