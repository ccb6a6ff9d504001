/**
 * The argument contract of the plugin's functions. Every function checks all its arguments with
 * {@link checkArgs} before its first side effect (a LINSTOR write, systemctl, a file, an lvm or host
 * call): a missing, unknown or malformed argument changes nothing. Names that reach a command line, a
 * path or a LINSTOR URL are held to the strictest rule their use needs; in particular none may start
 * with `-`, where a command would read it as an option.
 *
 * The accepted names are those of spec/sm-linstor.md §6 plus what the Python callers are known to send
 * besides (LinstorVhdUtil adds `groupName` to every VHD call and, since 2026, `vdiType`; `setSizeVirt`'s
 * journal is `jfile` or, since 2026, `jFile`).
 */
import { groupNameProblem, volumeGroupNameProblem } from '../../lib/volume/group-name.js';

/** Why a value is refused (read after the argument's name: `must be …`, `starts with -`), or undefined. */
export type Check = (value: string) => string | undefined;

export type Rule = { readonly check: Check; readonly optional: boolean };
export type ArgSpec = Readonly<Record<string, Rule>>;

/** The checked arguments: required ones are strings; optional ones are undefined when absent or empty. */
export type CheckedArgs<S extends ArgSpec> = { readonly [K in keyof S]: S[K] extends { readonly optional: false } ? string : string | undefined };

/** A refused argument. Thrown before the function has done anything. */
export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

export const required = (check: Check): { readonly check: Check; readonly optional: false } => ({ check, optional: false });
export const optional = (check: Check): { readonly check: Check; readonly optional: true } => ({ check, optional: true });

const shown = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

/**
 * Checks `args` against `spec`: no argument the function does not know, every required one present and
 * not empty, every value passing its rule. An empty optional argument counts as absent (sm's strtobool
 * reads '' as false; `secondary`, `provisioning`, `volume` fall back to their defaults).
 */
export function checkArgs<S extends ArgSpec>(args: Readonly<Record<string, string>>, spec: S): CheckedArgs<S> {
  const unknown = Object.keys(args).filter((name) => !Object.hasOwn(spec, name));
  if (unknown.length > 0) throw new ArgumentError(`unexpected argument${unknown.length > 1 ? 's' : ''} ${unknown.map(shown).join(', ')}`);
  const out: Record<string, string | undefined> = {};
  for (const [name, rule] of Object.entries(spec)) {
    const value = Object.hasOwn(args, name) ? args[name] : undefined;
    if (value === undefined || value === '') {
      if (!rule.optional) throw new ArgumentError(`missing argument ${name}`);
      out[name] = undefined;
      continue;
    }
    const problem = rule.check(value);
    if (problem !== undefined) throw new ArgumentError(`${name} ${problem}, got ${shown(value)}`);
    out[name] = value;
  }
  return out as CheckedArgs<S>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DRBD_DEVICE_RE = /^\/dev\/drbd\/by-res\/[A-Za-z_][A-Za-z0-9_-]{0,47}\/0$/;
const RESOURCE_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,47}$/;
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?';
const HOSTNAME_RE = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const TRUTH_WORDS = ['y', 'yes', 't', 'true', 'on', '1', 'n', 'no', 'f', 'false', 'off', '0'];

const rule = (re: RegExp, what: string): Check => (v) => (re.test(v) ? undefined : `must be ${what}`);

/** An SR group name, `VG` or `VG/LV` (lib/volume/group-name.ts, the driver's rule). */
export const GROUP: Check = (v) => groupNameProblem(v);
/** A volume group name alone (`createSr`), or the SR pool name `xcp-sr-…` the DRBD helpers also match. */
export const VOLUME_GROUP: Check = (v) => volumeGroupNameProblem(v);
export const UUID: Check = (v) => (UUID_RE.test(v) ? undefined : 'is not a UUID');
/** A truth value as sm's util.strtobool spells it. */
export const TRUTH: Check = (v) => (TRUTH_WORDS.includes(v.trim().toLowerCase()) ? undefined : 'must be a truth value (true/false, yes/no, on/off, 1/0)');
/** tapdisk-pause's failfast, evaluated as a Python literal: exactly True or False. */
export const PY_BOOL = rule(/^(True|False)$/, 'True or False');
/** Only a DRBD by-res path, so that no other file of the host can be reached through it. */
export const DRBD_DEVICE = rule(DRBD_DEVICE_RE, '/dev/drbd/by-res/<resource>/0');
export const RESOURCE = rule(RESOURCE_RE, 'a LINSTOR resource name');
export const BYTES: Check = (v) => (/^\d{1,16}$/.test(v) && Number.isSafeInteger(Number(v)) ? undefined : 'must be a byte count');
/** A DRBD minor or volume number. */
export const NUMBER = rule(/^\d{1,6}$/, 'a number');
/** A XAPI hostname, which is also the LINSTOR node name. */
export const HOSTNAME: Check = (v) => (v.length <= 253 && HOSTNAME_RE.test(v) ? undefined : 'must be a host name');
/** A LINSTOR net interface name (first character a letter or _, at most 32). */
export const INTERFACE = rule(/^[A-Za-z_][A-Za-z0-9_-]{0,31}$/, 'a LINSTOR interface name');
/**
 * The image type of a COW call (sm sends its cowutil's type since 2026; missing or empty means vhd):
 * on LINSTOR the only COW type is VHD, so anything else (aio, qcow2) is refused rather than misread.
 */
export const VDI_TYPE = rule(/^(vhd)?$/, 'vhd (the only COW image type on LINSTOR)');
/** Free text that only ever reaches XAPI fields (names, descriptions). */
export const TEXT: Check = (v) => (/[\0-\x1f\x7f]/.test(v) ? 'must not hold control characters' : undefined);
/** A word passed on to a command (tap-ctl's secondary): never an option, no spaces or control characters. */
export const WORD: Check = (v) => (v.startsWith('-') ? 'must not start with -' : /^[\x21-\x7e]{1,1024}$/.test(v) ? undefined : 'must be printable, without spaces');

/** What LinstorVhdUtil (LinstorCowUtil since 2026) sends with every VHD call besides the function's own arguments. */
export const VHD_CALL = { devicePath: required(DRBD_DEVICE), groupName: optional(GROUP), vdiType: optional(VDI_TYPE) };

/**
 * Whether the caller speaks the 2026 protocol: LinstorCowUtil always sends `vdiType` and expects
 * `check` to answer a CheckResult and `coalesce` bytes; older callers send no `vdiType` and expect
 * 'True' and a sector count.
 */
export function isCowCaller(args: Readonly<Record<string, string>>): boolean {
  return Object.hasOwn(args, 'vdiType');
}
