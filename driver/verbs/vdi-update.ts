/**
 * vdi_update (any host; spec/sm-linstor.md §2.4): copies XAPI's name_label and name_description of the
 * VDI into its KV metadata (merge), so that an SR re-introduced elsewhere keeps the names. Control
 * characters cannot be written back as XML: IllegalXMLChar. An unknown volume: VDIUnavailable.
 */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { hasIllegalXmlChar } from '../../lib/smapi/xmlrpc.js';
import type { DriverContext } from '../context.js';
import { vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';

export async function vdiUpdate(ctx: DriverContext, request: SmapiRequest<'vdi_update'>): Promise<null> {
  const uuid = vdiUuidOf(request);
  return withVdiSession(ctx, request, async (session) => {
    if (request.vdiRef === undefined) throw new SrError('BadRequest', 'vdi_update needs vdi_ref');
    const record = await session.xapi.vdi.getRecord(request.vdiRef);
    for (const [field, value] of [['name_label', record.name_label], ['name_description', record.name_description]] as const) {
      if (hasIllegalXmlChar(value)) throw new SrError('IllegalXMLChar', `${field} contains a control character`);
    }
    const volumes = await session.volumes();
    if (!volumes.has(uuid)) throw new SrError('VDIUnavailable', `LINSTOR volume ${uuid} not found`);
    await volumes.updateMetadata(uuid, { name_label: record.name_label, name_description: record.name_description });
    return null;
  });
}
