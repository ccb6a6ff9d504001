/**
 * vdi_compose (storage migration, VDI_MIRROR; spec/sm-linstor.md §2.4, spec/blktap2.md §2.4): xapi
 * copied a snapshot of the source into `args[0]` (vdi1, the new parent) while the guest kept writing
 * into this VDI (vdi2, a differencing VHD over an empty base); compose stacks this VDI on vdi1.
 *
 *   checks (nothing changed on failure) ─▶ tap_pause ─▶ VHD parent of this VDI := vdi1's by-res path
 *   ─▶ vdi1's VHD hidden ─▶ VDI.set_managed(vdi1, false) ─▶ sm-config vhd-parent := vdi1 ─▶ tap_unpause
 *   ─▶ tap_refresh
 *
 * Not journaled, because every step is idempotent and a prefix of them loses nothing: the child only
 * ever points at its old base or at vdi1 (both hold the data it lacks), and a scan introduces no VDI for
 * either state (vdi1 is known to XAPI; the old base is a hidden leaf, GC garbage). A retry redoes the
 * steps. A `paused` key found here was left by a killed run: every pauser of a VDI (snapshot, compose,
 * the collector's relink and leaf-coalesce) holds the SR lock, which this verb holds now. So the retry
 * unpauses the VDI wherever it is active (a host whose tapdisk never paused answers True) and drops the
 * key before its own pause: a guest frozen by the killed run resumes.
 */
import { faultPoint } from '../../lib/host/faults.js';
import { tapPause, tapRefresh, tapUnpause, type HostCall } from '../../lib/blktap/pause.js';
import { setVhdParent, vdiSmConfig } from '../../lib/xapi/index.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { MAX_CHAIN_DEPTH, queryVhd, setHidden, setParent } from '../../lib/vhd/index.js';
import { asVdiUuid, type VdiUuid, type VolumeManager } from '../../lib/volume/index.js';
import type { DriverContext } from '../context.js';
import { refusePendingJournal } from '../vdi/device.js';
import { masterPrelude } from '../vdi/master-prelude.js';
import { vdiTypeOf } from '../vdi/vdi-type.js';
import { localNodeName, vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';
import type { SrSession } from '../sr/session.js';

/** The by-res paths of `path`'s chain, leaf first (to refuse composing a VDI onto its own descendant). */
async function chainPaths(root: string, path: string): Promise<string[]> {
  const out = [path];
  for (let i = 0; i < MAX_CHAIN_DEPTH; i += 1) {
    const parent = (await queryVhd({ root }, out.at(-1)!)).parentPath;
    if (parent === undefined) break;
    out.push(parent);
  }
  return out;
}

async function parentOf(session: SrSession, volumes: VolumeManager, request: SmapiRequest<'vdi_compose'>, child: VdiUuid): Promise<VdiUuid> {
  const ref = request.args.parentRef;
  let uuid: string;
  let sr: string;
  try {
    [uuid, sr] = await Promise.all([session.xapi.vdi.getUuid(ref), session.xapi.vdi.get(ref, 'SR') as Promise<string>]);
  } catch (error) {
    throw new SrError('VDIUnavailable', `the parent VDI ${ref} does not exist`, { cause: error });
  }
  if (request.srRef !== undefined && sr !== request.srRef) throw new SrError('VDIUnavailable', `the parent VDI ${uuid} is not in this SR`);
  if (uuid === child) throw new SrError('VDIUnavailable', `cannot compose VDI ${child} onto itself`);
  const parent = asVdiUuid(uuid);
  if (!volumes.has(parent)) throw new SrError('VDIUnavailable', `the parent VDI ${uuid} has no LINSTOR volume`);
  return parent;
}

export async function vdiCompose(ctx: DriverContext, request: SmapiRequest<'vdi_compose'>): Promise<null> {
  const uuid = vdiUuidOf(request);
  const vdiRef = request.vdiRef ?? '';
  return withVdiSession(ctx, request, async (session) => {
    if (!session.isMaster) throw new SrError('LinstorMaster');
    const node = await localNodeName(session);
    await masterPrelude(ctx, session, node);
    const volumes = await session.volumes();
    const journal = await session.journal();
    if (!volumes.has(uuid)) throw new SrError('VDIUnavailable', `VDI ${uuid} has no LINSTOR volume`);
    const parent = await parentOf(session, volumes, request, uuid);
    if ((await vdiTypeOf(volumes, uuid)) !== 'vhd') throw new SrError('Unimplemented', 'compose of a RAW VDI is not supported');
    if ((await vdiTypeOf(volumes, parent)) !== 'vhd') throw new SrError('VDIUnavailable', `the parent VDI ${parent} is RAW: only a VHD can be composed onto`);
    await refusePendingJournal(journal, uuid);
    await refusePendingJournal(journal, parent);
    const childPath = await volumes.localDevicePath(uuid, node, ctx.env.root);
    const parentPath = await volumes.localDevicePath(parent, node, ctx.env.root);
    const [child, above] = await Promise.all([queryVhd({ root: ctx.env.root }, childPath), chainPaths(ctx.env.root, parentPath)]);
    if (child.parentPath === undefined) throw new SrError('VDIUnavailable', `VDI ${uuid} is not a differencing VHD: nothing to compose`);
    if (above.includes(childPath)) throw new SrError('VDIUnavailable', `VDI ${parent} is below ${uuid} already: composing would make a loop`);
    const parentSize = (await queryVhd({ root: ctx.env.root }, parentPath)).virtualSize;
    if (parentSize > child.virtualSize) throw new SrError('VDIUnavailable', `the parent VDI ${parent} (${parentSize} bytes) is larger than ${uuid} (${child.virtualSize} bytes)`);
    if (above.length + 1 > MAX_CHAIN_DEPTH) throw new SrError('SnapshotChainTooLong', `the chain would be ${above.length + 1} deep (max ${MAX_CHAIN_DEPTH})`);

    const config = vdiSmConfig(session.xapi.vdi, vdiRef);
    const call: HostCall = (host, fn, args) => session.xapi.host.callPlugin(host, 'linstor-manager', fn, args);
    const sm = await config.read();
    const log = ctx.log.child('blktap');
    if ('paused' in sm) {
      log.warn('VDI left paused by an interrupted operation: unpausing it first', { vdi: uuid });
      if (!(await tapUnpause(config, call, log, session.srUuid, uuid))) throw new SrError('VDIUnavailable', `VDI ${uuid} was left paused and could not be unpaused`);
    }
    if (!(await tapPause(config, call, log, session.srUuid, uuid))) throw new SrError('VDIUnavailable', `Failed to pause VDI ${uuid}`);
    try {
      faultPoint(ctx.env.faults, 'vdi_compose:after-pause');
      await setParent({ root: ctx.env.root }, childPath, volumes.devicePath(parent));
      volumes.invalidateResources();
      faultPoint(ctx.env.faults, 'vdi_compose:after-set-parent');
      await setHidden({ root: ctx.env.root }, parentPath, true);
      faultPoint(ctx.env.faults, 'vdi_compose:after-hide');
      await session.xapi.vdi.set(request.args.parentRef, 'managed', false);
      faultPoint(ctx.env.faults, 'vdi_compose:after-unmanage');
      // XAPI's view of the chain follows the VHD (the scan reads `vhd-parent` to tell parents from garbage).
      await setVhdParent(session.xapi.vdi, vdiRef, parent);
    } finally {
      if (!(await tapUnpause(config, call, log, session.srUuid, uuid))) log.warn('unpause after compose failed', { vdi: uuid });
    }
    if (!(await tapRefresh(config, call, log, session.srUuid, uuid))) throw new SrError('VDIUnavailable', `Failed to refresh VDI ${uuid}`);
    ctx.log.info('VDI composed', { vdi: uuid, parent });
    return null;
  });
}
