import test from 'ava';
import { ChaosModel } from '../../../sim/chaos/model.js';

function twoVdis(): ChaosModel {
  const m = new ChaosModel();
  m.add({ uuid: 'd', label: 'disk', role: 'disk', owner: 0, sizes: [8], origin: 'test' });
  m.write('d', 0, 2, 1, 'acked');
  m.add({ uuid: 's', label: 'snap', role: 'snapshot', owner: 0, sizes: [8], origin: 'test', content: new Map(m.get('d').content) });
  m.write('d', 1, 2, 2, 'acked');
  m.resize('d', 16, true);
  return m;
}

test('a revert that succeeded leaves the disk with the snapshot\'s cells and size', (t) => {
  const m = twoVdis();
  m.reverted('d', 's', true);
  t.deepEqual([...m.get('d').content], [[0, [1]], [1, [1]]]);
  t.deepEqual(m.get('d').sizes, [8]);
  t.deepEqual([...m.get('s').content], [[0, [1]], [1, [1]]], 'the snapshot unchanged');
});

test('a revert that failed leaves either state possible, sector by sector', (t) => {
  const m = twoVdis();
  m.reverted('d', 's', false);
  t.deepEqual([...m.get('d').content].sort((a, b) => a[0] - b[0]), [[0, [1]], [1, [1, 2]], [2, [0, 2]]]);
  t.deepEqual(m.get('d').sizes, [8, 16]);
  t.deepEqual(m.ackedWrites('d'), new Map([[1, [0]]]), 'only sector 0 is sure');
});
