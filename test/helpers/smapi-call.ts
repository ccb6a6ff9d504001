import { VERB_SPECS, type Verb } from '../../lib/smapi/verbs.js';
import { encodeMethodCall, type XmlRpcInput } from '../../lib/smapi/xmlrpc.js';

export const SR_UUID = '11111111-2222-3333-4444-555555555555';
export const VDI_UUID = '66666666-7777-8888-9999-000000000000';

/** Valid positional args for each verb, as xapi sends them. */
export const SAMPLE_ARGS: Record<Verb, string[]> = Object.fromEntries(
  (Object.keys(VERB_SPECS) as Verb[]).map((verb) => [
    verb,
    VERB_SPECS[verb].args.map(([, kind]) =>
      kind === 'size' ? '10737418240' : kind === 'bool' ? 'true' : kind === 'ref' ? 'OpaqueRef:0000-aaaa' : kind === 'label' ? 'disk0' : '',
    ),
  ]),
) as Record<Verb, string[]>;

/** The parameter struct xapi would send for `verb` (spec/smapi-protocol.md §1.3), with overrides. */
export function smapiParams(verb: Verb, overrides: Record<string, XmlRpcInput | undefined> = {}): Record<string, XmlRpcInput> {
  const scope = VERB_SPECS[verb].scope;
  const params: Record<string, XmlRpcInput> = {};
  if (scope !== 'from-config') params['host_ref'] = 'OpaqueRef:aaaaaaaa-0000-0000-0000-000000000001';
  params['command'] = verb;
  params['args'] = SAMPLE_ARGS[verb];
  params['device_config'] = scope === 'driver-info' ? {} : { SRmaster: 'true', 'group-name': 'linstor_group/thin_device', redundancy: '2' };
  if (scope !== 'driver-info' && scope !== 'from-config') params['session_ref'] = 'OpaqueRef:bbbbbbbb-0000-0000-0000-000000000002';
  if (scope !== 'driver-info' && scope !== 'probe') {
    if (scope !== 'from-config') params['sr_ref'] = 'OpaqueRef:cccccccc-0000-0000-0000-000000000003';
    params['sr_uuid'] = SR_UUID;
  }
  if (scope === 'vdi-create') {
    params['vdi_type'] = 'user';
    params['vdi_sm_config'] = {};
  }
  if (scope === 'vdi') {
    params['vdi_ref'] = 'OpaqueRef:dddddddd-0000-0000-0000-000000000004';
    params['vdi_location'] = VDI_UUID;
    params['vdi_uuid'] = VDI_UUID;
    params['vdi_on_boot'] = 'persist';
    params['vdi_allow_caching'] = 'false';
  }
  if (scope === 'from-config') params['vdi_uuid'] = VDI_UUID;
  if (scope === 'vdi-introduce') {
    params['vdi_location'] = VDI_UUID;
    params['new_uuid'] = VDI_UUID;
    params['vdi_sm_config'] = {};
  }
  if (verb === 'vdi_snapshot' || verb === 'vdi_clone') params['driver_params'] = { epochhint: VDI_UUID };
  if (scope === 'probe') params['sr_sm_config'] = {};
  if (scope !== 'driver-info' && scope !== 'from-config') params['subtask_of'] = 'OpaqueRef:eeeeeeee-0000-0000-0000-000000000005';
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete params[k];
    else params[k] = v;
  }
  return params;
}

/** The methodCall document xapi would put in argv[1]. */
export function smapiCall(verb: Verb, overrides: Record<string, XmlRpcInput | undefined> = {}): string {
  return encodeMethodCall(verb, [smapiParams(verb, overrides)]);
}
