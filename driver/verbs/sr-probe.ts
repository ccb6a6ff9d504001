/**
 * sr_probe (SR.probe, master; spec/smapi-protocol.md §2.2): the SR that LINSTOR holds for the
 * device-config's group, as `<SRlist><SR><UUID>…</UUID><name_label>…</name_label><name_description>…
 * </name_description></SR></SRlist>` — the uuid from the KV key `xcp/sr/uuid` that sr_create and
 * sr_attach write (omitted on an SR only the Python driver touched), the names from `xcp/sr/metadata`.
 * No controller in the pool, or no such group: `<SRlist/>`. Read-only; there is no SR, so no SR lock.
 */
import { connectController } from '../../lib/discovery/connect.js';
import type { LinstorApi } from '../../lib/linstor/index.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VerbResult } from '../../lib/smapi/response.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { normaliseProps, parseMetadata, SR_METADATA_KEY, SR_UUID_KEY, srNames, type SrMetadata } from '../../lib/volume/index.js';
import { createLocalXapi, type Xapi } from '../../lib/xapi/index.js';
import type { DriverContext } from '../context.js';
import { parseSrConfig } from '../sr/config.js';

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The controller, if the pool runs one (few attempts: a probe usually comes before any SR exists). */
async function findController(ctx: DriverContext, xapi: Xapi): Promise<LinstorApi | undefined> {
  try {
    return await connectController({ exec: ctx.exec, env: ctx.env, log: ctx.log, xapi, attempts: 2 });
  } catch (error) {
    ctx.log.info('sr_probe: no LINSTOR controller in the pool', { error: String(error) });
    return undefined;
  }
}

/** The `<SRlist>` document for the SR of `groupName`, or an empty list. */
export async function probeDocument(linstor: LinstorApi, groupName: string): Promise<string> {
  const names = srNames(groupName);
  const groups = await linstor.resourceGroups.list({ resourceGroups: [names.resourceGroup] });
  if (!groups.some((g) => g.name.toUpperCase() === names.resourceGroup.toUpperCase())) return '<SRlist/>';
  const kv = normaliseProps(await linstor.keyValueStore.props(names.kv));
  const uuid = kv[SR_UUID_KEY];
  const meta = parseMetadata<SrMetadata>(kv[SR_METADATA_KEY], 'SR metadata');
  const parts = [
    uuid ? `<UUID>${escapeXml(uuid)}</UUID>` : '',
    `<name_label>${escapeXml(String(meta.name_label ?? ''))}</name_label>`,
    `<name_description>${escapeXml(String(meta.name_description ?? ''))}</name_description>`,
  ];
  return `<SRlist><SR>${parts.join('')}</SR></SRlist>`;
}

export async function srProbe(ctx: DriverContext, request: SmapiRequest<'sr_probe'>): Promise<VerbResult> {
  const config = parseSrConfig(request.deviceConfig, request.srSmConfig);
  if (request.srMaster !== true) throw new SrError('LinstorMaster');
  if (!request.sessionRef) throw new SrError('BadRequest', 'sr_probe needs a session');
  const xapi = createLocalXapi({ socketPath: ctx.env.xapiSocket, sessionRef: request.sessionRef, subtaskOf: request.subtaskOf });
  const linstor = await findController(ctx, xapi);
  if (!linstor) return '<SRlist/>';
  try {
    return await probeDocument(linstor, config.groupName);
  } finally {
    await linstor.close();
  }
}
