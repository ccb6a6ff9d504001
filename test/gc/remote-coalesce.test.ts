import test from 'ava';
import { coalesceOn, type PluginCall } from '../../gc/remote-coalesce.js';

/** A host's plugin: `version` 2026 knows getInfo and answers bytes to a vdiType caller; older ones sectors. */
function host(version: 'old' | '2026', merged: number, answer?: string): { call: PluginCall; seen: string[] } {
  const seen: string[] = [];
  const call: PluginCall = async (_ref, fn, args) => {
    seen.push(`${fn}(${Object.keys(args).sort().join(',')})`);
    if (fn === 'getInfo') {
      if (version === 'old') throw new Error('UNKNOWN_XENAPI_PLUGIN_FUNCTION(getInfo) in host.call_plugin');
      return '{"uuid": "x"}';
    }
    if (answer !== undefined) return answer;
    return String(version === '2026' && args['vdiType'] !== undefined ? merged * 512 : merged);
  };
  return { call, seen };
}

test('a remote coalesce counts sectors whatever the sm version of the host that merged', async (t) => {
  const fresh = host('2026', 17);
  t.is(await coalesceOn(fresh.call, 'OpaqueRef:h', '/dev/drbd/by-res/xcp-volume-a/0', 'linstor_group/thin_device'), 17);
  t.deepEqual(fresh.seen, ['getInfo(devicePath,groupName,includeParent,vdiType)', 'coalesce(devicePath,groupName,vdiType)'], 'LinstorCowUtil\'s argument shape');
  const old = host('old', 17);
  t.is(await coalesceOn(old.call, 'OpaqueRef:h', '/dev/drbd/by-res/xcp-volume-a/0', 'g'), 17, 'an older plugin answers sectors');
});

test('a getInfo that fails for another reason still means a 2026 plugin; a bad coalesce answer is an error', async (t) => {
  const failing: PluginCall = async (_ref, fn) => {
    if (fn === 'getInfo') throw new Error('XENAPI_PLUGIN_FAILURE(getInfo, Exception, no KV)');
    return '1024';
  };
  t.is(await coalesceOn(failing, 'r', '/dev/drbd/by-res/x/0', 'g'), 2);
  for (const answer of ['', 'True', '-5', '1e400']) {
    await t.throwsAsync(coalesceOn(host('2026', 0, answer).call, 'r', '/dev/drbd/by-res/x/0', 'g'), { message: /coalesce answered/ }, JSON.stringify(answer));
  }
});
