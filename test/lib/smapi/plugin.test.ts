import test from 'ava';
import {
  decodePluginCall,
  encodePluginCall,
  encodePluginFailure,
  encodePluginSuccess,
  PluginFailure,
} from '../../../lib/smapi/plugin.js';
import { decodeMethodResponse, encodeMethodCall } from '../../../lib/smapi/xmlrpc.js';

test('a plugin call decodes to function, session and string args', (t) => {
  const xml = encodePluginCall({ fn: 'lockVdi', sessionRef: 'OpaqueRef:s', args: { groupName: 'g', locked: 'True' } });
  t.deepEqual(JSON.parse(JSON.stringify(decodePluginCall([xml]))), {
    fn: 'lockVdi',
    sessionRef: 'OpaqueRef:s',
    args: { groupName: 'g', locked: 'True' },
  });
});

test('success and failure use the XenAPI envelope', (t) => {
  t.deepEqual(JSON.parse(JSON.stringify(decodeMethodResponse(encodePluginSuccess('{"a":1}')))), {
    kind: 'value',
    value: { Status: 'Success', Value: '{"a":1}' },
  });
  t.deepEqual(JSON.parse(JSON.stringify(decodeMethodResponse(encodePluginFailure('UNKNOWN_XENAPI_PLUGIN_FUNCTION', ['nope'])))), {
    kind: 'value',
    value: { Status: 'Failure', ErrorDescription: ['UNKNOWN_XENAPI_PLUGIN_FUNCTION', 'nope'] },
  });
});

const bad = test.macro({
  exec(t, argv: string[]) {
    const error = t.throws(() => decodePluginCall(argv), { instanceOf: PluginFailure });
    t.is(error?.code, 'XENAPI_PLUGIN_FAILURE');
  },
  title: (given) => `malformed plugin call: ${given ?? ''}`,
});
test('no argument', bad, []);
test('not XML', bad, ['nope']);
test('missing args struct', bad, [encodeMethodCall('f', ['OpaqueRef:s'])]);
test('non-string arg', bad, [encodeMethodCall('f', ['OpaqueRef:s', { a: 1 }])]);
test('three params', bad, [encodeMethodCall('f', ['OpaqueRef:s', {}, {}])]);
