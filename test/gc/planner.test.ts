import test from 'ava';
import { plan, rootOf, type VolumeView } from '../../gc/planner.js';
import { renderStatus } from '../../gc/status.js';

function vol(uuid: string, over: Partial<VolumeView> = {}): VolumeView {
  return {
    uuid,
    resource: `xcp-volume-${uuid}`,
    label: uuid,
    vdiType: 'vhd',
    hidden: false,
    virtualSize: 16 << 20,
    physicalSize: 1 << 20,
    deviceSize: 32 << 20,
    parentUuid: undefined,
    unknownParent: undefined,
    error: undefined,
    attachedOn: [],
    deleted: false,
    persistent: false,
    ...over,
  };
}

test('a hidden leaf is garbage; an attached one is left alone', (t) => {
  const p = plan([vol('a', { hidden: true }), vol('b', { hidden: true, attachedOn: ['host2'] }), vol('c')]);
  t.deepEqual(p.actions, [{ kind: 'garbage', vdi: 'a' }]);
});

test('a hidden non-leaf that is its parent’s only child is coalesced into it, children listed', (t) => {
  // base ← mid (hidden) ← {leaf1, leaf2}
  const p = plan([
    vol('base', { hidden: true }),
    vol('mid', { hidden: true, parentUuid: 'base' }),
    vol('leaf1', { parentUuid: 'mid' }),
    vol('leaf2', { parentUuid: 'mid' }),
  ]);
  t.deepEqual(p.actions, [{ kind: 'coalesce', vdi: 'mid', parent: 'base', children: ['leaf1', 'leaf2'] }]);
});

test('no coalesce when the parent has two children; leaf-coalesce of a single visible leaf under a hidden parent', (t) => {
  const two = plan([vol('base', { hidden: true }), vol('x', { hidden: true, parentUuid: 'base' }), vol('leafA', { parentUuid: 'x' }), vol('y', { parentUuid: 'base' })]);
  t.false(two.actions.some((a) => a.kind === 'coalesce'));
  const leaf = plan([vol('base', { hidden: true }), vol('leaf', { parentUuid: 'base' })]);
  t.deepEqual(leaf.actions, [{ kind: 'leaf-coalesce', vdi: 'leaf', parent: 'base' }]);
});

test('DELETED_ volumes are purged first; persistent volumes are never touched', (t) => {
  const p = plan([vol('g', { hidden: true }), vol('DELETED_x', { deleted: true }), vol('db', { persistent: true, hidden: true, vdiType: 'aio' })]);
  t.deepEqual(p.actions, [{ kind: 'purge', vdi: 'DELETED_x' }, { kind: 'garbage', vdi: 'g' }]);
  t.is(p.roots.length, 1);
});

test('a tree with a corrupt VHD or an unknown parent is skipped whole and reported; other trees go on', (t) => {
  const p = plan([
    vol('base', { hidden: true }),
    vol('mid', { hidden: true, parentUuid: 'base' }),
    vol('leaf', { parentUuid: 'mid', error: 'bad footer checksum' }),
    vol('orphan', { unknownParent: '/dev/drbd/by-res/xcp-volume-gone/0' }),
    vol('g', { hidden: true }),
  ]);
  t.deepEqual(p.actions, [{ kind: 'garbage', vdi: 'g' }]);
  t.deepEqual(
    p.skipped.map((s) => s.root),
    ['base', 'orphan'],
  );
  t.regex(p.skipped[0]!.reason, /bad footer checksum/);
  t.is(rootOf(p.roots, 'leaf'), 'base');
});

test('a tree blocked by a foreign opener is skipped', (t) => {
  const p = plan([vol('g', { hidden: true })], { blocked: new Map([['g', 'open by qemu']]) });
  t.deepEqual(p.actions, []);
  t.deepEqual(p.skipped, [{ root: 'g', reason: 'open by qemu' }]);
});

test('the status report draws each chain as a tree with sizes, resource and attachment, then the next action', (t) => {
  const p = plan([vol('base', { hidden: true, label: 'base copy' }), vol('mid', { hidden: true, parentUuid: 'base' }), vol('leaf', { parentUuid: 'mid', attachedOn: ['host2'] })]);
  const lines = renderStatus('sr-1', p);
  t.is(lines[0], 'SR sr-1: 1 chain(s)');
  t.regex(lines[1]!, /^base {2}"base copy" {2}hidden {2}vhd {2}virtual 16\.0 MiB {2}physical 1\.0 MiB {2}xcp-volume-base {2}not attached$/);
  t.regex(lines[2]!, /^└─ mid /);
  t.regex(lines[3]!, /^ {3}└─ leaf .* attached on host2$/);
  t.true(lines.includes('  coalesce mid into base, relink leaf'));
});
