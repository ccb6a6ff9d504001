// KV keys and value formats of spec/sm-linstor.md §3.2, byte for byte what the Python driver writes.
import test from 'ava';
import {
  asVdiUuid,
  formatTimestamp,
  normaliseKey,
  normaliseProps,
  parseMetadata,
  parseTimestampMs,
  pythonJsonDumps,
  volumeKey,
  volumeRecords,
  wireKey,
  KvFormatError,
} from '../../../lib/volume/index.js';

test('keys are written with a leading / and read with or without it', (t) => {
  t.is(wireKey('xcp/sr/metadata'), '/xcp/sr/metadata');
  t.is(wireKey('/xcp//sr/metadata/'), '/xcp/sr/metadata');
  t.is(normaliseKey('/xcp/volume/u/not-exists'), 'xcp/volume/u/not-exists');
  t.deepEqual(normaliseProps({ '/xcp/sr/metadata': '{}', 'xcp/sr/uuid': 's' }), { 'xcp/sr/metadata': '{}', 'xcp/sr/uuid': 's' });
  t.is(volumeKey(asVdiUuid('u1'), 'volume-name'), 'xcp/volume/u1/volume-name');
});

test('volume records group the five fields per uuid and keep unknown keys', (t) => {
  const records = volumeRecords({
    'xcp/volume/u1/not-exists': '0',
    'xcp/volume/u1/volume-name': 'xcp-volume-a',
    'xcp/volume/u1/metadata': '{}',
    'xcp/volume/u1/readonly-timestamp': '1700000000.5',
    'xcp/volume/u2/updating-uuid-src': 'u1',
    'xcp/volume/u2/other': 'x',
    'xcp/sr/metadata': '{}',
  });
  t.deepEqual([...records.keys()], ['u1', 'u2']);
  const u1 = records.get(asVdiUuid('u1'));
  t.is(u1?.state, '0');
  t.is(u1?.volumeName, 'xcp-volume-a');
  t.is(u1?.readonlyTimestamp, '1700000000.5');
  t.is(records.get(asVdiUuid('u2'))?.updatingUuidSrc, 'u1');
  t.deepEqual(records.get(asVdiUuid('u2'))?.keys, ['xcp/volume/u2/updating-uuid-src', 'xcp/volume/u2/other']);
});

test("metadata JSON is Python's json.dumps: spaced separators, ASCII escapes, null, booleans", (t) => {
  // python3 -c 'import json; print(json.dumps({"name_label": "dïsk ☃", "is_a_snapshot": False, "snapshot_of": None, "read_only": True, "size": 2, "f": 1.5}))'
  t.is(
    pythonJsonDumps({ name_label: 'dïsk ☃', is_a_snapshot: false, snapshot_of: null, read_only: true, size: 2, f: 1.5 }),
    '{"name_label": "d\\u00efsk \\u2603", "is_a_snapshot": false, "snapshot_of": null, "read_only": true, "size": 2, "f": 1.5}',
  );
  t.is(pythonJsonDumps({ a: 'q"\n\u0001/' }), '{"a": "q\\"\\n\\u0001/"}');
  t.is(pythonJsonDumps([1, 'x']), '[1, "x"]');
  t.deepEqual(parseMetadata('{"name_label": "a", "read_only": false}'), { name_label: 'a', read_only: false });
  t.deepEqual(parseMetadata(undefined), {});
  t.throws(() => parseMetadata('[1]'), { instanceOf: KvFormatError });
  t.throws(() => parseMetadata('{'), { instanceOf: KvFormatError });
});

test("readonly-timestamp is Python's str(time.time()) and reads back", (t) => {
  t.is(formatTimestamp(1_700_000_000_000), '1700000000.0');
  t.is(formatTimestamp(1_700_000_000_123), '1700000000.123');
  t.is(parseTimestampMs('1700000000.0'), 1_700_000_000_000);
  t.is(parseTimestampMs('1700000000.12'), 1_700_000_000_120);
  t.is(parseTimestampMs('garbage'), undefined);
  t.is(parseTimestampMs(''), undefined);
});
