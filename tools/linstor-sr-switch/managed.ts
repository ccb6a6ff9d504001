/**
 * The paths `linstor-sr-switch` manages. sm's package owns each of them (spec/packaging.md §2), so
 * ours never ship there: the package installs its tree under /opt/xensource/sm/linstor-sr/ and
 * `enable` replaces each path by a relative link into that tree (relative, so that a host root or a
 * chroot resolves it inside itself), after copying sm's file into the backup folder.
 *
 * The package scriptlets (packaging/switch.sh) repeat this table in shell, because they run when the
 * package's own files may be gone; test/packaging/switch-sh.test.ts keeps the two equal.
 */
import path from 'node:path';

/** Where the package installs everything of ours. */
export const TREE = '/opt/xensource/sm/linstor-sr';
/** The switch's state, one file: `state=enabled` or `state=disabled` (absent: disabled). */
export const STATE_FILE = '/var/lib/linstor-sr/switch-state';
/** sm's files while ours are in place, each at `<BACKUP_DIR><its path>`. */
export const BACKUP_DIR = '/var/lib/linstor-sr/sm-backup';

/** One path of sm's that the switch hands to us and back. */
export type Managed = {
  /** The dom0 path sm's package owns. */
  readonly path: string;
  /** The file of ours it becomes a link to. */
  readonly ours: string;
  /** What runs it, for the status table. */
  readonly role: string;
};

export const MANAGED: readonly Managed[] = [
  // XAPI's entry (the SM record's driver_filename). It must resolve to a .py file: sm's SR.from_uuid loads
  // the driver's real path as a Python module (spec/blktap2.md §4.3). The launcher execs the Node driver.
  { path: '/opt/xensource/sm/LinstorSR', ours: `${TREE}/LinstorSR.py`, role: "XAPI's driver entry" },
  // on_slave.is_open imports the module LinstorSR from /opt/xensource/sm for every SR type.
  { path: '/opt/xensource/sm/LinstorSR.py', ours: `${TREE}/LinstorSR.py`, role: "the driver module sm's Python code imports" },
  // The plugin's launcher: it hands the call to the host's agent, or execs the linstor-manager bundle.
  { path: '/etc/xapi.d/plugins/linstor-manager', ours: `${TREE}/linstor-manager.py`, role: 'the linstor-manager XAPI plugin' },
  { path: '/opt/xensource/bin/linstor-kv-tool', ours: `${TREE}/linstor-kv-tool`, role: 'the key-value store tool' },
];

/** The relative link `enable` puts at `m.path`. */
export function linkTarget(m: Managed): string {
  return path.posix.relative(path.posix.dirname(m.path), m.ours);
}

/** Where sm's file of `m` waits while ours is in place. */
export function backupPath(m: Managed): string {
  return `${BACKUP_DIR}${m.path}`;
}
