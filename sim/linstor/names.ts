/**
 * LINSTOR's name rules (linstor-rest.md §1, `Checks.nameCheck` / `hostNameCheck`). Each check returns
 * a reason when the name is invalid, undefined when it is fine.
 */

/** Which rule set applies; they differ in minimum and maximum length and reserved words. */
export type NameKind = 'resource' | 'resource-group' | 'kvs' | 'storage-pool' | 'net-interface';

const LIMITS: Record<NameKind, { min: number; max: number }> = {
  resource: { min: 2, max: 48 },
  'resource-group': { min: 2, max: 48 },
  kvs: { min: 2, max: 48 },
  'storage-pool': { min: 3, max: 48 },
  'net-interface': { min: 3, max: 32 },
};

/** Why `name` is not a valid LINSTOR object name of `kind`, or undefined. */
export function invalidName(kind: NameKind, name: unknown): string | undefined {
  if (typeof name !== 'string') return 'the name is missing';
  const { min, max } = LIMITS[kind];
  if (name.length < min) return `the name must be at least ${min} characters long`;
  if (Buffer.byteLength(name) > max) return `the name must be at most ${max} bytes long`;
  if (!/^[A-Za-z_]/.test(name)) return 'the name must start with a letter or an underscore';
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) return 'the name contains invalid characters';
  if (!/[A-Za-z]/.test(name)) return 'the name must contain at least one letter';
  if (kind === 'resource' && ['ALL', 'PROXY'].includes(name.toUpperCase())) return `'${name}' is a reserved name`;
  return undefined;
}

/** Why `name` is not a valid node (RFC 1123 host) name, or undefined. */
export function invalidNodeName(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'the name is missing';
  if (name.length < 2 || name.length > 255) return 'the node name must be 2 to 255 characters long';
  for (const label of name.split('.')) {
    if (label === '' || label.length > 63) return 'each label of the node name must be 1 to 63 characters long';
    if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(label)) return 'the node name is not a valid host name';
  }
  return undefined;
}
