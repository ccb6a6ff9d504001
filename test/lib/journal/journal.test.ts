// The SR journal on the KV (spec/sm-linstor.md §5) against the LINSTOR simulator, with the Python
// driver's keys and values on both sides.
import test from 'ava';
import {
  formatCloneEntry,
  formatSizeEntry,
  FLAG_ENTRY,
  Journal,
  JournalConflictError,
  JournalFormatError,
  JournalWriteError,
  kvJournalStore,
  parseCloneEntry,
  parseSizeEntry,
} from '../../../lib/journal/index.js';
import { LinstorApiError } from '../../../lib/linstor/index.js';
import { asVdiUuid } from '../../../lib/volume/index.js';
import { createLogger, MemorySink } from '../../../lib/log/logger.js';
import { KV, startVolumeEnv } from '../volume/volume-env.js';

const VDI = '5f1e0c2a-1111-4222-8333-444455556666';
const BASE = '0d8ab1c3-aaaa-4bbb-8ccc-dddddddddddd';
const SNAP = '9e7f6a5b-eeee-4fff-8000-111111111111';

test('entry values are the Python formats', (t) => {
  t.is(formatCloneEntry({ baseUuid: BASE, snapUuid: SNAP }), `${BASE}_${SNAP}`);
  t.is(formatCloneEntry({ baseUuid: BASE, snapUuid: undefined }), `${BASE}_None`);
  t.deepEqual(parseCloneEntry(`${BASE}_None`), { baseUuid: BASE, snapUuid: undefined });
  t.deepEqual(parseCloneEntry(`${BASE}_${SNAP}`), { baseUuid: BASE, snapUuid: SNAP });
  t.throws(() => parseCloneEntry('nounderscore'), { instanceOf: JournalFormatError });
  t.is(formatSizeEntry(10_737_418_240), '10737418240');
  t.is(parseSizeEntry('10737418240'), 10_737_418_240);
  t.is(parseSizeEntry('4096L'), 4096);
  t.throws(() => parseSizeEntry('1.5'), { instanceOf: JournalFormatError });
  t.throws(() => formatSizeEntry(-1), { instanceOf: JournalFormatError });
});

test('entries of every type written by the Python client (leading /) are read back', async (t) => {
  const env = await startVolumeEnv(t);
  await env.seedKv({
    [`xcp/sr/journal/clone/${VDI}`]: `${BASE}_None`,
    [`xcp/sr/journal/inflate/${VDI}`]: '2147483648',
    [`xcp/sr/journal/zero/${BASE}`]: '1048576',
    [`xcp/sr/journal/leaf/${SNAP}`]: BASE,
    [`xcp/sr/journal/coalesce/${BASE}`]: '1',
    [`xcp/sr/journal/relink/${BASE}`]: '1',
  });
  const journal = new Journal(kvJournalStore(env.client.keyValueStore, KV), env.logger);
  t.is(await journal.get('clone', VDI), `${BASE}_None`);
  t.is(parseSizeEntry((await journal.get('inflate', VDI)) ?? ''), 2_147_483_648);
  t.deepEqual(Object.fromEntries(await journal.getAll('coalesce')), { [BASE]: FLAG_ENTRY });
  t.deepEqual(Object.fromEntries(await journal.getAll('leaf')), { [SNAP]: BASE });
  t.true(await journal.hasEntries(VDI));
  t.true(await journal.hasEntries(BASE));
  t.false(await journal.hasEntries('none'));
  t.is((await journal.entries()).length, 6);
});

test('create, get, remove write the keys the Python journaler reads; a second create conflicts', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const journal = new Journal(volumes.journalStore(), env.logger);
  await journal.create('inflate', VDI, formatSizeEntry(4_194_304));
  await journal.create('clone', VDI, formatCloneEntry({ baseUuid: BASE, snapUuid: SNAP }));
  t.deepEqual(await env.rawKv(), { [`xcp/sr/journal/inflate/${VDI}`]: '4194304', [`xcp/sr/journal/clone/${VDI}`]: `${BASE}_${SNAP}` });
  const conflict = await t.throwsAsync(journal.create('inflate', VDI, '1'), { instanceOf: JournalConflictError });
  t.is(conflict.type, 'inflate');
  t.is(conflict.id, VDI);
  await journal.remove('inflate', VDI);
  await journal.remove('inflate', VDI);
  t.is(await journal.get('inflate', VDI), undefined);
  t.deepEqual(Object.fromEntries(await journal.getAll('clone')), { [VDI]: `${BASE}_${SNAP}` });
  // Another reader (a fresh REST store) sees the same state.
  const fresh = new Journal(kvJournalStore(env.client.keyValueStore, KV), env.logger);
  t.deepEqual(await fresh.entries(), [{ type: 'clone', id: VDI, value: `${BASE}_${SNAP}` }]);
});

test('the REST store sends keys with a leading / like the Python client', async (t) => {
  const sent: unknown[] = [];
  const store = kvJournalStore(
    {
      props: async () => ({}),
      modify: async (_name, body) => {
        sent.push(body);
        return [];
      },
    },
    KV,
  );
  await new Journal(store, createLogger(new MemorySink())).create('zero', VDI, '0');
  t.deepEqual(sent, [{ override_props: { [`/xcp/sr/journal/zero/${VDI}`]: '0' } }]);
});

test('a failed write surfaces as JournalWriteError with the LINSTOR cause and leaves no entry', async (t) => {
  const env = await startVolumeEnv(t);
  const journal = new Journal(kvJournalStore(env.client.keyValueStore, KV), env.logger);
  env.sim.controls.addFault({ method: 'PUT', path: '/v1/key-value-store/{instance}', status: 500 });
  const error = await t.throwsAsync(journal.create('clone', VDI, `${BASE}_None`), { instanceOf: JournalWriteError });
  t.true(error.cause instanceof LinstorApiError);
  t.deepEqual(await env.rawKv(), {});
  t.false(await journal.hasEntries(VDI));
});

test('a Python-left SR with journal entries: repair at load keeps every entry and the journal reads them through the manager', async (t) => {
  const env = await startVolumeEnv(t);
  const seeder = await env.open();
  const rd = await seeder.create(asVdiUuid(VDI), 1024 ** 3);
  await env.seedKv({
    [`xcp/volume/${VDI}/metadata`]: '{"name_label": "vm disk", "vdi_type": "vhd"}',
    [`xcp/sr/journal/clone/${VDI}`]: `${BASE}_${SNAP}`,
    [`xcp/sr/journal/inflate/${VDI}`]: '1073741824',
    [`xcp/sr/journal/zero/${VDI}`]: '0',
    [`xcp/sr/journal/leaf/${VDI}`]: BASE,
    [`xcp/sr/journal/coalesce/${VDI}`]: '1',
    [`xcp/sr/journal/relink/${VDI}`]: '1',
  });
  const volumes = await env.open({ repair: true });
  t.is(volumes.resourceName(asVdiUuid(VDI)), rd);
  const journal = new Journal(volumes.journalStore(), env.logger);
  t.deepEqual((await journal.entries()).map((e) => e.type).sort(), ['clone', 'coalesce', 'inflate', 'leaf', 'relink', 'zero']);
  t.deepEqual(parseCloneEntry((await journal.get('clone', VDI)) ?? ''), { baseUuid: BASE, snapUuid: SNAP });
  const before = env.requests();
  await journal.remove('clone', VDI);
  t.false((await journal.getAll('clone')).has(VDI));
  t.is(env.requests() - before, 1, 'the journal shares the manager cache: one PUT, no GET');
  t.is(Object.keys(await env.rawKv()).filter((k) => k.startsWith('xcp/sr/journal/')).length, 5);
});
