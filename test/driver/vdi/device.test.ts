// The journal check of a VDI's activation: a command without the SR lock waits while another operation's
// entry for the VDI is there (re-reading the journal) and refuses only an entry that outlives the wait.
import test from 'ava';
import { awaitPendingJournal, refusePendingJournal } from '../../../driver/vdi/device.js';
import { Journal, type JournalStore } from '../../../lib/journal/index.js';
import { createLogger, MemorySink } from '../../../lib/log/logger.js';
import { SrError } from '../../../lib/smapi/sr-error.js';

const VDI = 'a0000000-0000-4000-8000-0000000000d1';
const log = createLogger(new MemorySink());

/** A KV whose reads are cached until refresh, like the volume manager's; `stored` is what LINSTOR holds. */
function cachedStore(stored: Record<string, string>): JournalStore & { refreshes: number } {
  let cache: Record<string, string> | undefined;
  return {
    refreshes: 0,
    props: async () => (cache ??= { ...stored }),
    async refresh() {
      this.refreshes += 1;
      cache = undefined;
    },
    modify: async () => undefined,
  };
}

test('an entry that another process removes while the activation waits lets it proceed', async (t) => {
  const stored: Record<string, string> = { [`xcp/sr/journal/leaf/${VDI}`]: 'b0000000-0000-4000-8000-0000000000d2' };
  const store = cachedStore(stored);
  const journal = new Journal(store, log);
  let polls = 0;
  const sleep = async () => {
    polls += 1;
    // The collector finishes its step after the third poll.
    if (polls === 3) delete stored[`xcp/sr/journal/leaf/${VDI}`];
  };
  await awaitPendingJournal(journal, VDI, { timeoutMs: 60_000, pollMs: 1, sleep, log });
  t.is(polls, 3);
  t.true(store.refreshes >= 3, 'each poll reads the journal afresh');
  await t.throwsAsync(refusePendingJournal(new Journal(cachedStore({ [`xcp/sr/journal/leaf/${VDI}`]: 'x' }), log), VDI), { instanceOf: SrError }, 'without a wait an entry is refused at once');
});

test('an entry that outlives the wait is refused with SM\'s message', async (t) => {
  const journal = new Journal(cachedStore({ [`xcp/sr/journal/clone/${VDI}`]: 'b_None' }), log);
  const error = await t.throwsAsync(awaitPendingJournal(journal, VDI, { timeoutMs: 30, pollMs: 5, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), log }), { instanceOf: SrError });
  t.is(error.code, 'VDIUnavailable');
  t.regex(error.message, /Interrupted operation detected on this VDI/);
});

test('entries of other VDIs do not hold the activation', async (t) => {
  const journal = new Journal(cachedStore({ 'xcp/sr/journal/clone/c0000000-0000-4000-8000-0000000000d3': 'b_None' }), log);
  await t.notThrowsAsync(awaitPendingJournal(journal, VDI, { timeoutMs: 0, pollMs: 1, sleep: async () => undefined, log }));
});
