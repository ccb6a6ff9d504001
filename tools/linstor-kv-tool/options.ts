/**
 * The command line of the Python `linstor-kv-tool` (spec/sm-linstor.md §7.1):
 * `[-u URI] -g GROUP_NAME [-n NAMESPACE] (--dump-volumes | --remove-volume VDI_UUID | --remove-all-volumes)`.
 * Errors read like argparse's and exit 2.
 */
import { parseArgs } from 'node:util';

export const USAGE = 'usage: linstor-kv-tool [-h] [-u URI] -g GROUP_NAME [-n NAMESPACE] (--dump-volumes | --remove-volume REMOVE_VOLUME | --remove-all-volumes)';

export type KvToolAction = { kind: 'dump' } | { kind: 'remove-volume'; vdiUuid: string } | { kind: 'remove-all' };
export type KvToolOptions = { uri: string | undefined; group: string; namespace: string; action: KvToolAction } | { help: true };

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
  if (!v['group-name']) throw new KvUsageError('the following arguments are required: -g/--group-name');
  const actions: KvToolAction[] = [];
  if (v['dump-volumes']) actions.push({ kind: 'dump' });
  if (v['remove-volume'] !== undefined) actions.push({ kind: 'remove-volume', vdiUuid: v['remove-volume'] });
  if (v['remove-all-volumes']) actions.push({ kind: 'remove-all' });
  if (actions.length === 0) throw new KvUsageError('one of the arguments --dump-volumes --remove-volume --remove-all-volumes is required');
  if (actions.length > 1) throw new KvUsageError('arguments --dump-volumes, --remove-volume and --remove-all-volumes are mutually exclusive');
  const action = actions[0]!;
  // A VDI uuid names one key directory: never a path that could reach other keys.
  if (action.kind === 'remove-volume' && !/^[0-9A-Za-z-]+$/.test(action.vdiUuid)) throw new KvUsageError(`invalid VDI uuid ${JSON.stringify(action.vdiUuid)}`);
  return { uri: v.uri, group: v['group-name'], namespace: v.namespace ?? '/', action };
}
