// The one sm-config adapter: key by key through XAPI, and `vhd-parent` set in one way, with no call when
// the sm-config the caller read already says it.
import test from 'ava';
import { setVhdParent, vdiSmConfig } from '../../../lib/xapi/index.js';

function fakeVdi(initial: Record<string, string>) {
  const map = { ...initial };
  const calls: string[] = [];
  return {
    map,
    calls,
    getSmConfig: async () => ({ ...map }),
    async addToSmConfig(_ref: string, key: string, value: string) {
      calls.push(`add ${key}=${value}`);
      if (key in map) throw new Error('MAP_DUPLICATE_KEY');
      map[key] = value;
    },
    async removeFromSmConfig(_ref: string, key: string) {
      calls.push(`remove ${key}`);
      delete map[key];
    },
  };
}

test('the adapter reads, adds and removes keys of the VDI given', async (t) => {
  const vdi = fakeVdi({ paused: 'true' });
  const config = vdiSmConfig(vdi, 'OpaqueRef:v');
  await config.add('activating', 'True');
  await config.remove('paused');
  t.deepEqual(await config.read(), { activating: 'True' });
  await t.throwsAsync(config.add('activating', 'True'), { message: 'MAP_DUPLICATE_KEY' });
});

test('vhd-parent: replaced, added, removed, and left alone when the read sm-config already says it', async (t) => {
  const cases: [Record<string, string>, string | undefined, boolean, string[]][] = [
    [{ 'vhd-parent': 'a' }, 'b', true, ['remove vhd-parent', 'add vhd-parent=b']],
    [{ 'vhd-parent': 'a' }, 'b', false, ['remove vhd-parent', 'add vhd-parent=b']],
    [{}, 'b', true, ['add vhd-parent=b']],
    [{}, 'b', false, ['remove vhd-parent', 'add vhd-parent=b']],
    [{ 'vhd-parent': 'a' }, undefined, true, ['remove vhd-parent']],
    [{ 'vhd-parent': 'a' }, 'a', true, []],
    [{}, undefined, true, []],
  ];
  for (const [initial, parent, known, expected] of cases) {
    const vdi = fakeVdi(initial);
    await setVhdParent(vdi, 'OpaqueRef:v', parent, known ? { ...initial } : undefined);
    t.deepEqual(vdi.calls, expected, JSON.stringify({ initial, parent, known }));
    t.is(vdi.map['vhd-parent'], parent);
  }
});
