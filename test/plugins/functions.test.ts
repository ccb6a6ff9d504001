import test from 'ava';
import { FUNCTIONS } from '../../plugins/linstor-manager/functions.js';

// spec/sm-linstor.md §6, the exact dispatch table of the Python plugin (41 entries), plus getInfo (added in
// 2026, spec/sm-changes-2026.md §4.1, getVHDInfo kept as its alias) and DESIGN.md's pause/unpause/refresh.
const SPEC = [
  'prepareSr', 'releaseSr', 'updateDrbdReactor', 'attach', 'detach', 'destroy', 'check', 'getVHDInfo', 'hasParent', 'getParent',
  'getSizeVirt', 'getSizePhys', 'getAllocatedSize', 'getMaxResizeSize', 'getDepth', 'getKeyHash', 'getBlockBitmap', 'getDrbdSize',
  'setSizeVirt', 'setSizeVirtFast', 'setParent', 'coalesce', 'repair', 'deflate', 'lockVdi', 'hasControllerRunning', 'addHost',
  'removeHost', 'createSr', 'listDrbdVolumes', 'demoteDrbdResource', 'destroyDrbdVolume', 'destroyDrbdVolumes', 'getDrbdOpeners',
  'healthCheck', 'createNodeInterface', 'destroyNodeInterface', 'modifyNodeInterface', 'listNodeInterfaces',
  'getNodePreferredInterface', 'setNodePreferredInterface',
];

test('all 42 functions of the 2026 Python plugin answer, plus pause/unpause/refresh, and nothing else', async (t) => {
  t.is(SPEC.length, 41);
  t.deepEqual(Object.keys(FUNCTIONS).sort(), [...SPEC, 'getInfo', 'pause', 'unpause', 'refresh'].sort());
  for (const [name, load] of Object.entries(FUNCTIONS)) t.is(typeof (await load()), 'function', name);
  t.is(await FUNCTIONS['getVHDInfo']!(), await FUNCTIONS['getInfo']!(), 'getVHDInfo is an alias of getInfo');
});
