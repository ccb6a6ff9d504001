/**
 * Wires lib/blktap's activation duties to this driver: sm's lock files, tap-ctl, the VDI's sm-config
 * through XAPI, the on-slave `is_open` check for stale host keys, and the LINSTOR device driver.
 */
import type { ActivationDeps } from '../../lib/blktap/activation.js';
import { TapCtl } from '../../lib/blktap/tap-ctl.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { vdiSmConfig } from '../../lib/xapi/index.js';
import type { VdiUuid } from '../../lib/volume/index.js';
import type { DriverContext } from '../context.js';
import type { SrSession } from '../sr/session.js';
import { linstorDevice } from './device.js';
import { vdiTypeOf } from './vdi-type.js';
import { localNodeName } from './vdi-session.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function activationDeps(ctx: DriverContext, session: SrSession, uuid: VdiUuid, vdiRef: string | undefined, srRef: string | undefined): Promise<ActivationDeps> {
  if (vdiRef === undefined) throw new SrError('BadRequest', 'activation needs vdi_ref');
  const volumes = await session.volumes();
  const [type, node, journal] = await Promise.all([vdiTypeOf(volumes, uuid), localNodeName(session), session.journal()]);
  const log = ctx.log.child('blktap');
  return {
    root: ctx.env.root,
    exec: ctx.exec,
    tap: new TapCtl({ exec: ctx.exec, log, sleep, timeScale: ctx.env.timeScale }),
    locks: session.locks,
    smConfig: vdiSmConfig(session.xapi.vdi, vdiRef),
    hostRef: session.hostRef(),
    isOpenOn: async (ref) => (await session.xapi.host.callPlugin(ref, 'on-slave', 'is_open', { vdiUuid: uuid, srRef: srRef ?? '' })) === 'True',
    hostExists: async (ref) =>
      session.xapi.host.getRecord(ref).then(
        () => true,
        () => false,
      ),
    device: linstorDevice({
      volumes,
      journal,
      uuid,
      type,
      provisioning: session.config.provisioning,
      node,
      isMaster: session.isMaster,
      root: ctx.env.root,
      faults: ctx.env.faults,
      log: ctx.log.child('device'),
    }),
    log,
    sleep,
    timeScale: ctx.env.timeScale,
  };
}
