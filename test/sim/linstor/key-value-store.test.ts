// KV store semantics of linstor-rest.md §3.10, as the XCP-ng driver relies on them (spec/sm-linstor.md §3.2).
import { LinstorApiError, LinstorHttp, LinstorNotFoundError, RC } from '../../../lib/linstor/index.js';
import { simTest } from './sim-env.js';

simTest('keys are written with a leading slash and listed without it; empty segments are dropped', async (t, { client }) => {
  await client.keyValueStore.modify('xcp-sr-g', { override_props: { '/xcp/volume/u1/volume-name': 'xcp-volume-1', 'xcp//sr/metadata/': '{}' } });
  t.deepEqual(await client.keyValueStore.props('xcp-sr-g'), { 'xcp/volume/u1/volume-name': 'xcp-volume-1', 'xcp/sr/metadata': '{}' });
});

simTest('delete_props, then delete_namespaces remove keys and sub-trees; missing keys are no error', async (t, { client }) => {
  await client.keyValueStore.modify('kv1', {
    override_props: { 'xcp/volume/u1/a': '1', 'xcp/volume/u1/b': '2', 'xcp/volume/u10/a': '3', 'xcp/sr/metadata': '{}' },
  });
  await client.keyValueStore.modify('kv1', { delete_props: ['/xcp/sr/metadata', 'never/set'], delete_namespaces: ['/xcp/volume/u1'] });
  t.deepEqual(await client.keyValueStore.props('kv1'), { 'xcp/volume/u10/a': '3' });
});

simTest('override is applied before delete in one request', async (t, { client }) => {
  await client.keyValueStore.modify('kv2', { override_props: { keep: 'x', gone: 'y' }, delete_props: ['gone'] });
  t.deepEqual(await client.keyValueStore.props('kv2'), { keep: 'x' });
});

simTest('an instance left without keys disappears', async (t, { client }) => {
  await client.keyValueStore.modify('kv3', { override_props: { a: '1' } });
  await client.keyValueStore.modify('kv3', { delete_props: ['a'] });
  t.deepEqual(await client.keyValueStore.list(), []);
});

simTest('the per-instance GET is a one-element list or a 404 with FAIL_NOT_FOUND_KVS', async (t, { client, sim }) => {
  const http = new LinstorHttp({ controllers: [sim.url] });
  t.teardown(() => http.close());
  await client.keyValueStore.modify('Kv4', { override_props: { a: '1' } });
  t.deepEqual((await http.request('GET', '/v1/key-value-store/kv4')).body, [{ name: 'Kv4', props: { a: '1' } }]);
  const error = await t.throwsAsync(http.request('GET', '/v1/key-value-store/none'), { instanceOf: LinstorNotFoundError });
  t.is(error.retCodes[0]!.message, "Could not find key value store instance 'none'.");
  t.true(error.hasCode(RC.FAIL_NOT_FOUND_KVS));
});

simTest('keys longer than 256 characters are refused with 213', async (t, { client }) => {
  const error = await t.throwsAsync(client.keyValueStore.modify('kv5', { override_props: { ['k'.repeat(257)]: 'x' } }), { instanceOf: LinstorApiError });
  t.true(error.hasCode(RC.FAIL_INVLD_PROP));
  t.is(error.retCodes[0]!.message, 'Invalid key.');
  t.deepEqual(await client.keyValueStore.list(), []);
});
