/**
 * The one rule for an SR's group name: device-config `group-name` (the driver), the plugin's `groupName`
 * and `volume_group` arguments, `linstor-health -g`, and every LINSTOR name built from it (naming.ts).
 *
 * A group name is an LVM volume group, `VG`, or a VG and its thin pool, `VG/LV`. It reaches `vgchange`'s
 * argv, the `lvm` plugin of every host and LINSTOR object names, so each part must be an LVM name:
 * `[A-Za-z0-9_+.-]`, not starting with `-` (an option parser would read it as an option), at most 127
 * characters. `..` anywhere is refused too: LVM reserves `.` and `..`, and a part that climbs out of
 * `/dev/<VG>` has no business in a device path.
 */

const LVM_NAME = /^[A-Za-z0-9_+.][A-Za-z0-9_+.-]{0,126}$/;

/** Why `name` is not an LVM name (one part of a group name), or undefined. */
function lvmNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.startsWith('-')) return 'starts with -';
  if (name.includes('..')) return "contains '..'";
  if (name === '.') return "is '.'";
  if (name.length > 127) return 'is longer than 127 characters';
  if (!LVM_NAME.test(name)) return 'has characters outside A-Z a-z 0-9 _ + . -';
  return undefined;
}

/** Why `name` is not a volume group name (`VG` only, no thin pool part), or undefined. */
export function volumeGroupNameProblem(name: string): string | undefined {
  if (name.includes('/')) return 'contains /';
  return lvmNameProblem(name);
}

/** Why `name` is not a group name (`VG` or `VG/LV`), or undefined. */
export function groupNameProblem(name: string): string | undefined {
  if (name.startsWith('-')) return 'starts with -';
  if (name.includes('..')) return "contains '..'";
  const parts = name.split('/');
  if (parts.length > 2) return 'has more than one /';
  for (const part of parts) {
    const problem = lvmNameProblem(part);
    if (problem) return parts.length === 1 ? problem : `has a part that ${problem}`;
  }
  return undefined;
}

/** True when `name` is `VG` or `VG/LV` by the rule above. */
export function isGroupName(name: string): boolean {
  return groupNameProblem(name) === undefined;
}
