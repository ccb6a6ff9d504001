import test from 'ava';
import { leafMode, LIVE_LEAF_MAX_BYTES, MAX_SNAPSHOT_ROUNDS, type LeafFacts } from '../../gc/leaf-policy.js';

const MIB = 1024 * 1024;
const facts = (f: Partial<LeafFacts>): LeafFacts => ({ activating: false, activeOn: [], vbdAttached: false, leafBytes: MIB, leafCoalesceConfig: undefined, rounds: [], ...f });

test('a leaf active nowhere is merged offline; plugged without a tapdisk it waits', (t) => {
  t.deepEqual(leafMode(facts({})), { kind: 'offline' });
  t.deepEqual(leafMode(facts({ leafBytes: 10 * LIVE_LEAF_MAX_BYTES })), { kind: 'offline' }, 'offline has no size limit');
  t.is(leafMode(facts({ vbdAttached: true })).kind, 'skip');
  t.regex(JSON.stringify(leafMode(facts({ activating: true }))), /"skip".*activation is in flight/, 'an activation in flight: it waits too');
  t.is(leafMode(facts({ activating: true, activeOn: ['host2'] })).kind, 'skip', 'even where a tapdisk already serves it');
});

test('a leaf a VM runs on: live up to the limit or when forced, snapshotted first above it', (t) => {
  const on = ['host2'];
  t.deepEqual(leafMode(facts({ activeOn: on, leafBytes: LIVE_LEAF_MAX_BYTES })), { kind: 'live' });
  t.deepEqual(leafMode(facts({ activeOn: on, leafBytes: LIVE_LEAF_MAX_BYTES + 512 })), { kind: 'snapshot-first' });
  t.deepEqual(leafMode(facts({ activeOn: on, leafBytes: 100 * MIB, leafCoalesceConfig: 'force' })), { kind: 'live' });
  t.deepEqual(leafMode(facts({ activeOn: on, leafBytes: 100 * MIB, leafCoalesceConfig: 'true' })), { kind: 'snapshot-first' });
});

test('snapshot rounds stop when the leaf does not shrink or after the maximum, with a reason', (t) => {
  const on = ['host2'];
  t.deepEqual(leafMode(facts({ activeOn: on, leafBytes: 40 * MIB, rounds: [60 * MIB] })), { kind: 'snapshot-first' }, 'it shrank: another round');
  const grew = leafMode(facts({ activeOn: on, leafBytes: 70 * MIB, rounds: [60 * MIB] }));
  t.is(grew.kind, 'skip');
  t.regex(grew.kind === 'skip' ? grew.reason : '', /writes faster/);
  const rounds = Array.from({ length: MAX_SNAPSHOT_ROUNDS }, (_, i) => (200 - i * 20) * MIB);
  t.is(leafMode(facts({ activeOn: on, leafBytes: 30 * MIB, rounds })).kind, 'skip');
  t.is(leafMode(facts({ activeOn: on, leafBytes: 2 * MIB, rounds })).kind, 'live', 'small enough after the rounds: merged live');
});
