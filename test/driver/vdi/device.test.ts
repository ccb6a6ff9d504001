// The journal check of a VDI's activation: the command holds the VDI's volume lock by then, so an entry
// is an interrupted operation and is refused at once with SM's message.
import test from 'ava';
import { refusePendingJournal } from '../../../driver/vdi/device.js';
import { Journal } from '../../../lib/journal/index.js';
import { createLogger, MemorySink } from '../../../lib/log/logger.js';
import { SrError } from '../../../lib/smapi/sr-error.js';

const VDI = 'a0000000-0000-4000-8000-0000000000d1';
const log = createLogger(new MemorySink());

function store(props: Record<string, string>) {
  return { props: async () => props, modify: async () => undefined };
}

test('an entry of the VDI is refused at once with SM\'s message', async (t) => {
  const error = await t.throwsAsync(refusePendingJournal(new Journal(store({ [`xcp/sr/journal/clone/${VDI}`]: 'b_None' }), log), VDI), { instanceOf: SrError });
  t.is(error.code, 'VDIUnavailable');
  t.regex(error.message, /Interrupted operation detected on this VDI, scan SR first to trigger auto-repair/);
});

test('entries of other VDIs do not hold the activation', async (t) => {
  await t.notThrowsAsync(refusePendingJournal(new Journal(store({ 'xcp/sr/journal/clone/c0000000-0000-4000-8000-0000000000d3': 'b_None' }), log), VDI));
});
