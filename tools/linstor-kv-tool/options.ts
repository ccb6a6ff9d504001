/**
 * The command line of the Python `linstor-kv-tool` (spec/sm-linstor.md §7.1):
 * `[-u URI] -g GROUP_NAME [-n NAMESPACE] (--dump-volumes | --remove-volume VDI_UUID | --remove-all-volumes)`.
 * Errors read like argparse's and exit 2.
 */
import { parseArgs } from 'node:util';

export const USAGE = 'usage: linstor-kv-tool [-h] [-u URI] -g GROUP_NAME [-n NAMESPACE] (--dump-volumes | --remove-volume REMOVE_VOLUME | --remove-all-volumes)';

export type KvToolAction = { kind: 'dump' } | { kind: 'remove-volume'; vdiUuid: string } | { kind: 'remove-all' };
export type KvToolOptions = { uri: string | undefined; group: string; namespace: string; action: KvToolAction } | { help: true };

/** A valid LVM volume group / LINSTOR object name: no leading `-` or `.`, no path separator. */
const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_+.-]*$/;

export class KvUsageError extends Error {
  override name = 'KvUsageError';
}

export function parseKvToolArgs(argv: readonly string[]): KvToolOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        uri: { type: 'string', short: 'u' },
        'group-name': { type: 'string', short: 'g' },
        namespace: { type: 'string', short: 'n', default: '/' },
        'dump-volumes': { type: 'boolean' },
        'remove-volume': { type: 'string' },
        'remove-all-volumes': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new KvUsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  const group = v['group-name'];
  if (!group) throw new KvUsageError('the following arguments are required: -g/--group-name');
  // The name reaches LINSTOR (and the log) as is: refused before any request unless LVM and LINSTOR accept it.
  if (!GROUP_NAME.test(group) || group.includes('..')) {
    throw new KvUsageError(`invalid group name ${JSON.stringify(group)}: it starts with a letter, a digit or _ and holds only letters, digits and _ + . - (no "..")`);
  }
  const actions: KvToolAction[] = [];
  if (v['dump-volumes']) actions.push({ kind: 'dump' });
  if (v['remove-volume'] !== undefined) actions.push({ kind: 'remove-volume', vdiUuid: v['remove-volume'] });
  if (v['remove-all-volumes']) actions.push({ kind: 'remove-all' });
  if (actions.length === 0) throw new KvUsageError('one of the arguments --dump-volumes --remove-volume --remove-all-volumes is required');
  if (actions.length > 1) throw new KvUsageError('arguments --dump-volumes, --remove-volume and --remove-all-volumes are mutually exclusive');
  const action = actions[0]!;
  // A VDI uuid names one key directory: never a path that could reach other keys.
  if (action.kind === 'remove-volume' && !/^[0-9A-Za-z-]+$/.test(action.vdiUuid)) throw new KvUsageError(`invalid VDI uuid ${JSON.stringify(action.vdiUuid)}`);
  return { uri: v.uri, group, namespace: v.namespace ?? '/', action };
}
