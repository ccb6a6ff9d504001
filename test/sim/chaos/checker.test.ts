import test from 'ava';
import { checkState, verifyReads } from '../../../sim/chaos/checker.js';
import { ChaosModel, type ModelVdi } from '../../../sim/chaos/model.js';
import type { KvVolume, Observation, VdiRead, XapiVdi } from '../../../sim/chaos/observation.js';
import type { SectorValue } from '../../../sim/chaos/pattern.js';

const MIB = 1024 * 1024;
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const S = '00000000-0000-4000-8000-00000000005a';
const W1 = 1_000_001;
const W2 = 1_000_002;
const W3 = 1_000_003;

const rdOf = (uuid: string) => `xcp-volume-${uuid.slice(-4)}`;

function disk(model: ChaosModel, uuid: string, label = `disk-${uuid.slice(-1)}`): ModelVdi {
  return model.add({ uuid, label, role: 'disk', owner: 0, sizes: [16 * MIB], origin: 'test' });
}

const xv = (label: string, extra: Partial<XapiVdi> = {}): XapiVdi => ({ ref: `OpaqueRef:${label}`, managed: true, label, sizeBytes: 16 * MIB, isSnapshot: false, parent: undefined, paused: false, ...extra });
const kvv = (uuid: string, extra: Partial<KvVolume> = {}): KvVolume => ({ rd: rdOf(uuid), notExists: '0', renaming: false, ...extra });
const read = (entries: [number, SectorValue][], where = 'host1 (device)'): VdiRead => ({ where, sectors: new Map(entries) });

/** A consistent observation of `model` (every VDI present, read back exactly as the model says). */
function faithful(model: ChaosModel, overrides: Partial<Observation> = {}): Observation {
  const xapi = new Map<string, XapiVdi>();
  const kv = new Map<string, KvVolume>();
  const reads = new Map<string, VdiRead[]>();
  for (const v of model.vdis.values()) {
    xapi.set(v.uuid, xv(v.label, { sizeBytes: v.sizes[0]!, isSnapshot: v.role === 'snapshot' }));
    kv.set(v.uuid, kvv(v.uuid));
    reads.set(v.uuid, [read([...v.content].map(([s, cell]) => [s, cell[0]!]))]);
  }
  return {
    xapi, kv, journal: [], resources: new Set([...kv.values()].map((k) => k.rd!)), pausedTapdisks: [], reads, readErrors: new Map(),
    ...overrides,
  };
}

test('a faithful pool passes, and every acknowledged write counts as checked', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.write(A, 10, 2, W1, 'acked');
  m.write(A, 100, 1, W2, 'acked');
  const r = checkState(m, faithful(m), 1);
  t.deepEqual(r.findings, []);
  t.deepEqual([...r.checkedWrites].sort(), [`${A}:${W1}`, `${A}:${W2}`]);
  t.is(r.lostWrites.size, 0);
});

test('an acknowledged write that reads back as older data is a lost write, naming the write and the data found', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.write(A, 10, 4, W1, 'acked');
  m.write(A, 10, 4, W2, 'acked');
  const obs = faithful(m, { reads: new Map([[A, [read([[10, W1], [11, W1], [12, W1], [13, W1]])]]]) });
  const r = checkState(m, obs, 1);
  t.is(r.findings.length, 1);
  t.is(r.findings[0]!.kind, 'lost-write');
  t.regex(r.findings[0]!.detail, /bytes 5120\+2048 .* hold w0#1, expected w0#2/);
  t.deepEqual([...r.lostWrites], [`${A}:${W2}`]);
});

test('an acknowledged write that reads back as zeroes is lost too', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.write(A, 7, 1, W1, 'acked');
  const r = checkState(m, faithful(m, { reads: new Map([[A, [read([[7, 0]])]]]) }), 1);
  t.deepEqual(r.findings.map((f) => f.kind), ['lost-write']);
});

test('a loss is reported once: the model learns what is there, the next check is clean', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.write(A, 7, 1, W1, 'acked');
  const lossy = { reads: new Map([[A, [read([[7, 0]])]]]) };
  t.is(checkState(m, faithful(m, lossy), 1).findings.length, 1);
  t.deepEqual(checkState(m, faithful(m, lossy), 2).findings, []);
});

test('a failed write may or may not have landed, sector by sector; the read decides and the model learns it', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.write(A, 0, 2, W1, 'acked');
  m.write(A, 0, 2, W2, 'failed');
  const obs = faithful(m, { reads: new Map([[A, [read([[0, W2], [1, W1]])]]]) });
  t.deepEqual(checkState(m, obs, 1).findings, []);
  t.deepEqual(m.get(A).content.get(0), [W2]);
  t.deepEqual(m.get(A).content.get(1), [W1]);
  // Something neither value is still wrong.
  m.write(A, 4, 1, W3, 'failed');
  const wrong = checkState(m, faithful(m, { reads: new Map([[A, [read([[4, W1]])]]]) }), 2);
  t.deepEqual(wrong.findings.map((f) => f.kind), ['corrupted-data']);
});

test('a write that never started changes nothing', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.write(A, 3, 1, W1, 'not-started');
  t.is(m.get(A).content.size, 0);
});

test('a snapshot reads its moment: data written to the source after it must not show in it', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.write(A, 5, 1, W1, 'acked');
  m.copy(A, { uuid: S, label: 'snap', role: 'snapshot', owner: 0, origin: 'test' });
  m.write(A, 5, 1, W2, 'acked');
  t.deepEqual(checkState(m, faithful(m), 1).findings, []);
  const obs = faithful(m);
  (obs.reads as Map<string, VdiRead[]>).set(S, [read([[5, W2]])]);
  const r = checkState(m, obs, 2);
  t.deepEqual(r.findings.map((f) => f.kind), ['corrupted-snapshot']);
});

test('garbage in a sector is corruption, wherever it is read', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.write(A, 1, 1, W1, 'acked');
  const r = checkState(m, faithful(m, { reads: new Map([[A, [read([[1, W1]], 'host1 (device)'), read([[1, { garbage: 'torn' }]], 'host3 (tapdisk)')]]]) }), 1);
  t.deepEqual(r.findings.map((f) => f.kind), ['corrupted-data']);
  t.regex(r.findings[0]!.detail, /host3 \(tapdisk\)/);
});

test('a VDI the soak made that XAPI lost is reported; one a failed destroy removed is not', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  disk(m, B);
  m.destroyed(B, 'w0#3', false);
  const obs = faithful(m);
  (obs.xapi as Map<string, XapiVdi>).delete(A);
  (obs.xapi as Map<string, XapiVdi>).delete(B);
  (obs.kv as Map<string, KvVolume>).delete(A);
  (obs.kv as Map<string, KvVolume>).delete(B);
  const r = checkState(m, { ...obs, resources: new Set() }, 1);
  t.deepEqual(r.findings.map((f) => `${f.kind} ${f.subject}`), [`lost-vdi ${A}`]);
  t.true(m.deleted.has(B), 'the failed destroy took effect');
});

test('a VDI destroyed for sure that comes back is resurrected', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.destroyed(A, 'w0#4', true);
  const obs = faithful(m);
  (obs.xapi as Map<string, XapiVdi>).set(A, xv('disk-a'));
  (obs.kv as Map<string, KvVolume>).set(A, kvv(A));
  const r = checkState(m, { ...obs, resources: new Set([rdOf(A)]) }, 1);
  t.deepEqual(r.findings.map((f) => f.kind), ['resurrected-vdi']);
});

test('a failed create may leave its VDI (adopted, it must read zeroes); a failed snapshot may leave nothing', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.createFailed({ label: 'chaos-w0-7', sizeBytes: 16 * MIB, owner: 0, op: 'create w0#7' });
  m.copyFailed({ source: A, verb: 'snapshot', op: 'w0#8' });
  const obs = faithful(m);
  (obs.xapi as Map<string, XapiVdi>).set(B, xv('chaos-w0-7'));
  (obs.kv as Map<string, KvVolume>).set(B, kvv(B));
  (obs.xapi as Map<string, XapiVdi>).set(S, xv('disk-a', { isSnapshot: true }));
  (obs.kv as Map<string, KvVolume>).set(S, kvv(S));
  const r = checkState(m, { ...obs, resources: new Set([rdOf(A), rdOf(B), rdOf(S)]) }, 1);
  t.deepEqual(r.findings.map((f) => `${f.kind} ${f.subject}`), [`leaked-vdi ${S}`]);
  t.regex(r.findings[0]!.detail, /a failed snapshot w0#8/);
  t.is(m.get(B).origin, 'failed create w0#7 that took effect');
});

test('storage that disagrees with XAPI, and state left behind, are all reported once', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  const obs = faithful(m);
  const xapi = obs.xapi as Map<string, XapiVdi>;
  const kv = obs.kv as Map<string, KvVolume>;
  xapi.set(A, xv('disk-a', { paused: true }));
  xapi.set(B, xv('base copy', { managed: false }));
  kv.set(B, kvv(B));
  kv.set(S, kvv(S));
  kv.set(`DELETED_${S}`, kvv(`DELETED_${S}`, { rd: 'xcp-volume-dead' }));
  kv.set('00000000-0000-4000-8000-0000000000cc', kvv('00000000-0000-4000-8000-0000000000cc', { notExists: '1', rd: undefined }));
  const full: Observation = {
    ...obs,
    journal: ['xcp/sr/journal/clone/x=y'],
    resources: new Set([rdOf(A), rdOf(B), 'xcp-volume-orphan', 'xcp-volume-dead']),
    pausedTapdisks: ['host2: tapdisk 20001'],
  };
  const kinds = checkState(m, full, 1).findings.map((f) => f.kind).sort();
  t.deepEqual(kinds, ['deleted-left', 'forgotten-volume', 'garbage-left', 'journal-left', 'leaked-resource', 'missing-resource', 'paused-left', 'paused-left', 'volume-state-left']);
  t.deepEqual(checkState(m, full, 2).findings, [], 'nothing reported twice');
});

test('a base copy under a VDI is no garbage; a XAPI VDI without a KV volume is a ghost', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  const obs = faithful(m);
  (obs.xapi as Map<string, XapiVdi>).set(A, xv('disk-a', { parent: B }));
  (obs.xapi as Map<string, XapiVdi>).set(B, xv('base copy', { managed: false }));
  t.deepEqual(checkState(m, obs, 1).findings.map((f) => `${f.kind} ${f.subject}`), [`ghost-vdi ${B}`]);
});

test('a failed resize leaves either size; any other size is wrong', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.resize(A, 20 * MIB, false);
  const obs = faithful(m);
  (obs.xapi as Map<string, XapiVdi>).set(A, xv('disk-a', { sizeBytes: 20 * MIB }));
  t.deepEqual(checkState(m, obs, 1).findings, []);
  t.deepEqual(m.get(A).sizes, [20 * MIB]);
  (obs.xapi as Map<string, XapiVdi>).set(A, xv('disk-a', { sizeBytes: 16 * MIB }));
  t.deepEqual(checkState(m, obs, 2).findings.map((f) => f.kind), ['wrong-size']);
});

test('an unreadable VDI is reported as lost data', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  m.write(A, 1, 1, W1, 'acked');
  const r = checkState(m, faithful(m, { reads: new Map(), readErrors: new Map([[A, 'broken chain']]) }), 1);
  t.deepEqual(r.findings.map((f) => f.kind), ['unreadable-vdi']);
});

test('verifyReads (an op\'s own read) checks without changing the model', (t) => {
  const m = new ChaosModel();
  const v = disk(m, A);
  m.write(A, 2, 1, W1, 'acked');
  const r = verifyReads(v, [read([[2, 0], [3, 0]])], 0);
  t.deepEqual(r.findings.map((f) => f.kind), ['lost-write']);
  t.deepEqual(m.get(A).content.get(2), [W1]);
});

test('a VDI XAPI forgot and introduced again (a new record) is reported, once', (t) => {
  const m = new ChaosModel();
  disk(m, A);
  t.deepEqual(checkState(m, faithful(m), 1).findings, []);
  t.is(m.get(A).ref, 'OpaqueRef:disk-a');
  const obs = faithful(m);
  (obs.xapi as Map<string, XapiVdi>).set(A, xv('disk-a', { ref: 'OpaqueRef:new' }));
  const r = checkState(m, obs, 2);
  t.deepEqual(r.findings.map((f) => f.kind), ['forgotten-vdi']);
  t.regex(r.findings[0]!.detail, /introduced it again as OpaqueRef:new/);
  t.deepEqual(checkState(m, obs, 3).findings, []);
});
