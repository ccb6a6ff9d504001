// The master's own volume lock for its vdi_activate and vdi_deactivate: set under a short hold of the SR
// lock; an activation waits for a journal entry of its VDI to go without holding the volume lock (the
// recovery that removes the entry renames the volume, which waits for that lock).
import test from 'ava';
import { lockVolumeHere } from '../../../driver/vdi/master-volume-lock.js';
import type { SrSession } from '../../../driver/sr/session.js';
import { createLogger, MemorySink } from '../../../lib/log/logger.js';
import { SrError } from '../../../lib/smapi/sr-error.js';

const VDI = 'a0000000-0000-4000-8000-0000000000d1';
const OTHER = 'c0000000-0000-4000-8000-0000000000d3';

type World = { entries: Set<string>; volumes: Set<string>; locked: Set<string>; srHeld: boolean; events: string[]; opens: number };

function world(init: Partial<Pick<World, 'entries' | 'volumes'>> = {}): World {
  return { entries: init.entries ?? new Set(), volumes: init.volumes ?? new Set([VDI]), locked: new Set(), srHeld: false, events: [], opens: 0 };
}

/** The parts of an SR session the lock uses, over `w` (LINSTOR's KV and the SR lock file). */
function session(w: World): SrSession {
  const volumes = async () => {
    w.opens += 1;
    return {
      has: (uuid: string) => w.volumes.has(uuid),
      async lock(uuid: string) {
        w.events.push(w.srHeld ? `lock ${uuid} under the SR lock` : `lock ${uuid} WITHOUT the SR lock`);
        w.locked.add(uuid);
      },
      async unlock(uuid: string) {
        w.events.push(`unlock ${uuid}`);
        w.locked.delete(uuid);
      },
    };
  };
  let cached: ReturnType<typeof volumes> | undefined;
  const memoVolumes = () => (cached ??= volumes());
  return {
    srUuid: 'b0000000-0000-4000-8000-0000000000aa',
    locks: {
      async acquire() {
        if (w.srHeld) throw new Error('the SR lock is taken twice');
        w.srHeld = true;
        return { release: async () => void (w.srHeld = false) };
      },
    },
    volumes: memoVolumes,
    // As the session's: the journal reads the volume manager's KV.
    journal: async () => {
      await memoVolumes();
      return { hasEntries: async (id: string) => w.entries.has(id) };
    },
    forgetVolumes: () => void (cached = undefined),
  } as unknown as SrSession;
}

const log = createLogger(new MemorySink());

test('the lock is set under the SR lock and removed on release', async (t) => {
  const w = world();
  const handle = await lockVolumeHere(session(w), VDI, { log, timeScale: 1, journalWait: { timeoutMs: 1_000, pollMs: 1, sleep: async () => undefined } });
  t.deepEqual([...w.locked], [VDI]);
  t.false(w.srHeld, 'the SR lock is held only for the look');
  await handle.release();
  t.deepEqual(w.events, [`lock ${VDI} under the SR lock`, `unlock ${VDI}`]);
});

test('an activation waits without the volume lock while its VDI has a journal entry, and locks once the entry is gone', async (t) => {
  const w = world({ entries: new Set([VDI]) });
  let polls = 0;
  const sleep = async () => {
    polls += 1;
    t.deepEqual([...w.locked], [], 'no volume lock while waiting: the recovery renames the volume');
    t.false(w.srHeld, 'no SR lock while waiting: the recovery needs it');
    // The collector's recovery ends the entry after the third poll.
    if (polls === 3) w.entries.delete(VDI);
  };
  await lockVolumeHere(session(w), VDI, { log, timeScale: 1, journalWait: { timeoutMs: 60_000, pollMs: 1, sleep } });
  t.is(polls, 3);
  t.deepEqual([...w.locked], [VDI]);
  t.is(w.opens, 4, 'each look reads the volumes afresh (the recovery renamed them)');
});

test('an entry that outlives the wait is refused with SM\'s message, and nothing is locked', async (t) => {
  const w = world({ entries: new Set([VDI]) });
  const error = await t.throwsAsync(
    lockVolumeHere(session(w), VDI, { log, timeScale: 1, journalWait: { timeoutMs: 30, pollMs: 5, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) } }),
    { instanceOf: SrError },
  );
  t.is(error.code, 'VDIUnavailable');
  t.regex(error.message, /Interrupted operation detected on this VDI, scan SR first to trigger auto-repair/);
  t.deepEqual(w.events, []);
});

test('entries of other VDIs do not hold the activation; a deactivation does not look at the journal', async (t) => {
  const w = world({ entries: new Set([OTHER]), volumes: new Set([VDI]) });
  await lockVolumeHere(session(w), VDI, { log, timeScale: 1, journalWait: { timeoutMs: 0, pollMs: 1, sleep: async () => t.fail('no wait') } });
  const d = world({ entries: new Set([VDI]) });
  await lockVolumeHere(session(d), VDI, { log, timeScale: 1 });
  t.deepEqual([...d.locked], [VDI], 'the deactivation locks the volume though an entry is there');
});

test('a VDI without a volume is not locked (no stray lock key is written)', async (t) => {
  const w = world({ volumes: new Set() });
  const handle = await lockVolumeHere(session(w), VDI, { log, timeScale: 1 });
  await handle.release();
  t.deepEqual(w.events, []);
});
