import test from 'ava';
import { decodeMethodCall } from '../../../lib/smapi/xmlrpc.js';
import { methodCallXml, successXml, valueXml } from '../../../sim/xapi/xml.js';
import { parseWithPython } from '../../helpers/run-built.js';

test('values are written in xapi\'s compact form', (t) => {
  t.is(valueXml(''), '<value/>');
  t.is(valueXml('a&b<c>"d"'), '<value>a&amp;b&lt;c&gt;&quot;d&quot;</value>');
  t.is(valueXml('tab\tok\u0001gone\u001f'), '<value>tab\tokgone</value>', 'control characters other than TAB/LF/CR are dropped');
  t.is(valueXml([]), '<value><array><data/></array></value>');
  t.is(valueXml({}), '<value><struct/></value>');
  t.is(valueXml(true), '<value><boolean>1</boolean></value>');
  t.is(valueXml(null), '<value><nil/></value>');
  t.is(valueXml(new Date(0)), '<value><dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601></value>');
  t.is(valueXml(0.5), '<value><double>0.5</double></value>');
  t.is(
    methodCallXml('sr_get_driver_info', [{ host_ref: 'OpaqueRef:h', command: 'sr_get_driver_info', args: [], device_config: {} }]),
    '<methodCall><methodName>sr_get_driver_info</methodName><params><param><value><struct><member><name>host_ref</name><value>OpaqueRef:h</value></member>'
      + '<member><name>command</name><value>sr_get_driver_info</value></member><member><name>args</name><value><array><data/></array></value></member>'
      + '<member><name>device_config</name><value><struct/></value></member></struct></value></param></params></methodCall>',
  );
  t.is(successXml('x'), '<methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name><value>x</value></member></struct></value></param></params></methodResponse>');
});

test('what the simulator writes reads back the same with our codec and with Python\'s xmlrpc.client', async (t) => {
  const params = { host_ref: 'OpaqueRef:h', args: ['10737418240', '', 'ünï & <x>'], device_config: { SRmaster: 'true' }, vdi_sm_config: {}, flag: false };
  const xml = methodCallXml('vdi_create', [params]);
  const ours = decodeMethodCall(xml);
  t.is(ours.method, 'vdi_create');
  t.deepEqual(JSON.parse(JSON.stringify(ours.params)), [params]);
  t.deepEqual(await parseWithPython(xml), { method: 'vdi_create', params: [params] });
});
