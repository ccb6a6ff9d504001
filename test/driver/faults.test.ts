import test from 'ava';
import { CommandError } from '../../lib/exec/command-error.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { VERBS, type Verb } from '../../lib/smapi/verbs.js';
import { JournalWriteError } from '../../lib/journal/index.js';
import { LinstorNetworkError } from '../../lib/linstor/errors.js';
import { asVdiUuid, VolumeError, VolumeInUseError } from '../../lib/volume/index.js';
import { XapiError } from '../../lib/xapi/errors.js';
import { encodeSrFault } from '../../lib/smapi/response.js';
import { defaultErrorOf, toSrError } from '../../driver/faults.js';

test('an SrError passes unchanged', (t) => {
  const error = new SrError('VDIInUse', 'attached on host2');
  t.is(toSrError(error, 'vdi_delete'), error);
});

const defaults: [Verb, string][] = [
  ['sr_scan', 'SRScan'],
  ['vdi_create', 'VDICreate'],
  ['vdi_delete', 'VDIDelete'],
  ['vdi_attach', 'VDIUnavailable'],
  ['vdi_detach', 'VDIUnavailable'],
  ['vdi_activate', 'VDIUnavailable'],
  ['vdi_deactivate', 'VDIUnavailable'],
  ['vdi_resize', 'VDIResize'],
  ['vdi_resize_online', 'VDIResize'],
  ['vdi_snapshot', 'VDISnapshot'],
  ['vdi_clone', 'VDIClone'],
  ['sr_create', 'LinstorSRCreate'],
  ['sr_delete', 'LinstorSRDelete'],
  ['sr_attach', 'SMGeneral'],
  ['vdi_update', 'SMGeneral'],
];
for (const [verb, code] of defaults) {
  test(`an unexpected error in ${verb} becomes ${code}`, (t) => {
    const fault = toSrError(new Error('boom'), verb);
    t.is(fault.code, code as SrError['code']);
    t.is(fault.opterr, 'boom');
    t.true(fault.cause instanceof Error);
  });
}

test('every verb has a default, and an unknown verb gets SMGeneral', (t) => {
  for (const verb of VERBS) t.truthy(defaultErrorOf(verb));
  t.is(defaultErrorOf(undefined), 'SMGeneral');
});

test('a failed command reads like SM: Command <argv> failed (<reason>): <stderr>', (t) => {
  const fault = toSrError(new CommandError(['tap-ctl', 'list'], { exitCode: 2, stderr: 'warming up\nno such device\n' }), 'vdi_attach');
  t.is(fault.code, 'VDIUnavailable');
  t.is(fault.opterr, 'Command tap-ctl list failed (exit code 2): no such device');
});

test('non-Error throwables are stringified, never crash the mapper', (t) => {
  t.is(toSrError('plain string', 'sr_scan').opterr, 'plain string');
  t.is(toSrError(undefined, 'sr_scan').opterr, 'undefined');
});

test('a controller gone mid-verb answers SRUnavailable from every verb, also when a domain error wraps it', (t) => {
  const network = new LinstorNetworkError('connect ECONNREFUSED', { method: 'PUT', url: 'http://127.0.0.1:3370/v1/key-value-store/x' });
  const journal = new JournalWriteError('clone', 'a', { cause: network });
  const rename = new VolumeError('cannot rename VDI a to b', { cause: journal });
  for (const verb of ['vdi_create', 'vdi_snapshot', 'vdi_clone', 'sr_scan', 'vdi_resize', 'sr_create'] as const) {
    for (const error of [network, journal, rename]) {
      const fault = toSrError(error, verb);
      t.is(fault.code, 'SRUnavailable', `${verb}: ${error.name}`);
      t.is(fault.opterr, error.message);
    }
  }
  t.is(toSrError(new JournalWriteError('clone', 'a', { cause: new Error('409 conflict') }), 'vdi_snapshot').code, 'VDISnapshot', 'another cause keeps the verb\'s code');
});

test('a XAPI session error becomes a fault whose text carries no session ref', (t) => {
  const session = 'OpaqueRef:5f1c7a0e-9d2b-4c41-8e6a-2b7d9f0c1a33';
  const vdi = 'OpaqueRef:7d3e2b1a-1111-4222-8333-944455556666';
  const xapi = new XapiError('SESSION_INVALID', [session], { method: 'VDI.get_record', args: ['******', vdi] });
  for (const fault of [toSrError(xapi, 'vdi_attach'), toSrError(new Error(`cannot read ${vdi}: ${xapi.message}`, { cause: xapi }), 'sr_scan'), new SrError('VDIUnavailable', `session_ref ${session}`)]) {
    t.false(fault.faultString.includes(session), fault.faultString);
    t.false(fault.opterr?.includes(session) ?? true);
    t.false(encodeSrFault(fault).includes(session), 'nor the response xapi reads');
  }
  t.is(toSrError(xapi, 'vdi_attach').faultString, 'The VDI is not available [opterr=SESSION_INVALID(OpaqueRef:******) in VDI.get_record]');
  t.is(toSrError(new Error(`cannot read ${vdi}: ${xapi.message}`), 'sr_scan').opterr, `cannot read ${vdi}: SESSION_INVALID(OpaqueRef:******) in VDI.get_record`);
});

test('a volume in use answers VDIDelete with the volume manager\'s message from vdi_delete, VDIInUse elsewhere', (t) => {
  const uuid = asVdiUuid('a0000000-0000-4000-8000-000000000001');
  const fault = toSrError(new VolumeInUseError(uuid), 'vdi_delete');
  t.is(fault.code, 'VDIDelete');
  t.is(fault.opterr, `Could not destroy volume \`${uuid}\` as it is currently in use`);
  t.is(fault.faultCode, 80);
  t.is(toSrError(new VolumeInUseError(uuid), 'vdi_clone').code, 'VDIInUse');
});
