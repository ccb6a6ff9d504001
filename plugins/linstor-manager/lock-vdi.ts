/**
 * `lockVdi(groupName, srUuid, vdiUuid, locked)` (spec/sm-linstor.md §3.6, §6): a slave asks the master to
 * set (or clear) the volume lock `readonly-timestamp` of a VDI before it reads the KV. Setting it happens
 * under this host's SR lock, so it never interleaves with an exclusive verb or the GC; clearing does not
 * wait for it. Answers 'True'/'False'.
 */
import { SmLocks, type SmLockHandle } from '../../lib/host/sm-lock.js';
import { asVdiUuid } from '../../lib/volume/index.js';
import { checkArgs, GROUP, required, TRUTH, UUID } from './args.js';
import { withSrContext } from './sr-context.js';
import { strtobool, trueFalse } from './true-false.js';

export const lockVdi = trueFalse('lockVdi', async (ctx, args) => {
  // srUuid names the lock file (/var/lock/sm/<sr>/sr); `locked` is required: without it the Python
  // plugin fails (KeyError), it never means "unlock".
  const a = checkArgs(args, { groupName: required(GROUP), srUuid: required(UUID), vdiUuid: required(UUID), locked: required(TRUTH) });
  const [groupName, srUuid, vdiUuid, locked] = [a.groupName, a.srUuid, asVdiUuid(a.vdiUuid), strtobool(a.locked)];
  const locks = new SmLocks({ root: ctx.env.root });
  let srLock: SmLockHandle | undefined;
  try {
    if (locked) srLock = await locks.acquire(srUuid, 'sr');
    await withSrContext(ctx, groupName, async (sr) => {
      const volumes = await sr.volumes();
      if (locked) await volumes.lock(vdiUuid);
      else await volumes.unlock(vdiUuid);
    });
  } finally {
    await srLock?.release();
    await locks.close();
  }
});
