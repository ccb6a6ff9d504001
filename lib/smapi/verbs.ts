/**
 * Every SMAPIv1 command xapi (or static-vdis) can send, with the keys it must carry and the positional
 * `args` it takes (spec/smapi-protocol.md §1.3–§1.4). Decoding uses this table; nothing else lists verbs.
 */

/** Which keys of the parameter struct a verb requires. */
export type VerbScope =
  /** sr_get_driver_info: no session, empty device_config. */
  | 'driver-info'
  /** sr_probe: a session, no SR. */
  | 'probe'
  /** SR-scoped commands. */
  | 'sr'
  /** vdi_create: SR-scoped plus vdi_type. */
  | 'vdi-create'
  /** vdi_introduce: SR-scoped plus vdi_location and new_uuid. */
  | 'vdi-introduce'
  /** Commands on an existing VDI: SR-scoped plus vdi_ref, vdi_uuid, vdi_location. */
  | 'vdi'
  /** vdi_attach_from_config / vdi_detach_from_config, replayed by static-vdis without xapi. */
  | 'from-config';

/** How each positional argument is read. */
export type ArgKind = 'size' | 'string' | 'bool' | 'ref' | 'ref-or-empty' | 'uuid-or-empty' | 'label';

export type VerbSpec = { readonly scope: VerbScope; readonly args: readonly (readonly [name: string, kind: ArgKind])[] };

const none = [] as const;

export const VERB_SPECS = {
  sr_get_driver_info: { scope: 'driver-info', args: none },
  sr_probe: { scope: 'probe', args: none },
  sr_create: { scope: 'sr', args: [['physicalSizeBytes', 'size']] },
  sr_attach: { scope: 'sr', args: none },
  sr_detach: { scope: 'sr', args: none },
  sr_delete: { scope: 'sr', args: none },
  sr_scan: { scope: 'sr', args: none },
  sr_update: { scope: 'sr', args: none },
  sr_content_type: { scope: 'sr', args: none },
  vdi_create: {
    scope: 'vdi-create',
    args: [
      ['virtualSizeBytes', 'size'],
      ['nameLabel', 'label'],
      ['nameDescription', 'label'],
      ['metadataOfPool', 'ref-or-empty'],
      ['isASnapshot', 'bool'],
      ['snapshotTime', 'string'],
      ['snapshotOf', 'uuid-or-empty'],
      ['readOnly', 'bool'],
    ],
  },
  vdi_introduce: { scope: 'vdi-introduce', args: none },
  vdi_update: { scope: 'vdi', args: none },
  vdi_delete: { scope: 'vdi', args: none },
  vdi_attach: { scope: 'vdi', args: [['writable', 'bool']] },
  vdi_activate: { scope: 'vdi', args: [['writable', 'bool']] },
  vdi_deactivate: { scope: 'vdi', args: none },
  vdi_detach: { scope: 'vdi', args: none },
  vdi_epoch_begin: { scope: 'vdi', args: none },
  vdi_epoch_end: { scope: 'vdi', args: none },
  vdi_snapshot: { scope: 'vdi', args: none },
  vdi_clone: { scope: 'vdi', args: none },
  vdi_resize: { scope: 'vdi', args: [['newSizeBytes', 'size']] },
  vdi_resize_online: { scope: 'vdi', args: [['newSizeBytes', 'size']] },
  vdi_generate_config: { scope: 'vdi', args: none },
  vdi_compose: { scope: 'vdi', args: [['parentRef', 'ref']] },
  vdi_revert: { scope: 'vdi', args: [['targetRef', 'ref']] },
  vdi_enable_cbt: { scope: 'vdi', args: none },
  vdi_disable_cbt: { scope: 'vdi', args: none },
  vdi_data_destroy: { scope: 'vdi', args: none },
  vdi_list_changed_blocks: { scope: 'vdi', args: [['vdiToRef', 'ref']] },
  vdi_attach_from_config: { scope: 'from-config', args: none },
  vdi_detach_from_config: { scope: 'from-config', args: none },
} as const satisfies Record<string, VerbSpec>;

/** The wire name of a SMAPIv1 command (`vdi_snapshot`, …). */
export type Verb = keyof typeof VERB_SPECS;

export const VERBS = Object.keys(VERB_SPECS) as Verb[];

export function isVerb(name: string): name is Verb {
  return Object.hasOwn(VERB_SPECS, name);
}

type ArgValue<K extends ArgKind> = K extends 'size' ? number : K extends 'bool' ? boolean : string;
type ArgsFrom<A> = A extends readonly (readonly [string, ArgKind])[]
  ? { readonly [E in A[number] as E[0]]: ArgValue<E[1]> }
  : never;

/** The decoded positional arguments of a verb, by name (`vdi_resize` → `{ newSizeBytes }`). */
export type ArgsOf<V extends Verb> = ArgsFrom<(typeof VERB_SPECS)[V]['args']>;
