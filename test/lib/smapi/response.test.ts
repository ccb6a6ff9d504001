import test from 'ava';
import { encodeResult, encodeSrFault, type AttachResult } from '../../../lib/smapi/response.js';
import { SrError } from '../../../lib/smapi/sr-error.js';
import { parseWithPython } from '../../helpers/run-built.js';

const SR = '11111111-2222-3333-4444-555555555555';
const VDI = '66666666-7777-8888-9999-000000000000';

test('unit results are exactly <nil/>', async (t) => {
  const xml = encodeResult(null);
  t.is(xml, '<?xml version="1.0"?><methodResponse><params><param><value><nil/></value></param></params></methodResponse>');
  t.deepEqual(await parseWithPython(xml), { method: null, params: [null] });
});

test('VDI results are structs of strings with uuid and location', async (t) => {
  const xml = encodeResult({ uuid: VDI, location: VDI, virtual_size: '2199023255552' });
  t.notRegex(xml, /<int>|<i4>|<i8>/);
  t.deepEqual(await parseWithPython(xml), { method: null, params: [{ uuid: VDI, location: VDI, virtual_size: '2199023255552' }] });
  t.throws(() => encodeResult({ uuid: VDI, location: VDI, size: 5 as unknown as string }), { message: /must be a string/ });
});

test('attach results carry params, params_nbd, a boolean o_direct, o_direct_reason and a xenstore_data struct', async (t) => {
  const attach: AttachResult = {
    params: `/dev/sm/backend/${SR}/${VDI}`,
    params_nbd: `nbd:unix:/run/blktap-control/nbd/${SR}/${VDI}:exportname=${VDI}`,
    o_direct: true,
    o_direct_reason: 'SR_NOT_SUPPORTED',
    xenstore_data: { 'storage-type': 'linstor' },
  };
  const xml = encodeResult(attach);
  t.regex(xml, /<name>o_direct<\/name><value><boolean>1<\/boolean><\/value>/);
  t.regex(xml, /<name>xenstore_data<\/name><value><struct><member><name>storage-type<\/name>/);
  t.deepEqual(await parseWithPython(xml), { method: null, params: [attach] });
});

test('sr_probe answers a string holding an XML document, escaped', async (t) => {
  const doc = `<SRlist><SR><UUID>${SR}</UUID><name_label>a & b</name_label></SR></SRlist>`;
  const xml = encodeResult(doc);
  t.regex(xml, /<string>&lt;SRlist&gt;&lt;SR&gt;&lt;UUID&gt;/);
  t.deepEqual(await parseWithPython(xml), { method: null, params: [doc] });
});

test('faults carry an <int> code and SM\'s message', async (t) => {
  const xml = encodeSrFault(new SrError('VDIInUse', 'attached on host2'));
  t.deepEqual(await parseWithPython(xml), { fault: { faultCode: 24, faultString: 'The VDI is currently in use [opterr=attached on host2]' } });
});
