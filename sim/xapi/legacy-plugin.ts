/**
 * The pre-2026 `linstor-manager` of a mixed pool (spec/sm-changes-2026.md §4). A pool is upgraded host
 * by host, so for a while some hosts still run the Python plugin from before sm's CowUtil series while
 * the others answer 2026 callers. The simulator plays that older plugin in front of the real one on the
 * hosts a pool lists in `legacyPluginHosts`, so that callers are tested against both generations:
 *
 * - no `getInfo` (it only has `getVHDInfo`): UNKNOWN_XENAPI_PLUGIN_FUNCTION [getInfo], what
 *   XenAPIPlugin.dispatch answers for a name missing from its table;
 * - `vdiType` ignored: the old functions never read it, so it is removed before the real plugin runs,
 *   which then answers the old shapes (`check` 'True' or a failure, `coalesce` the sector count);
 * - `setSizeVirt` reads `args['jfile']`: without it, KeyError — XENAPI_PLUGIN_FAILURE
 *   [setSizeVirt, KeyError, 'jfile'] as XenAPIPlugin reports an exception; a `jFile` beside it is ignored.
 *
 * Everything else runs the real plugin unchanged.
 */
import { encodePluginFailure } from '../../lib/smapi/plugin.js';

export const LINSTOR_MANAGER = 'linstor-manager';

/** What the older plugin does with a call: run the real plugin with `args`, or print `stdout` itself. */
export type LegacyCall = { readonly kind: 'run'; readonly args: Readonly<Record<string, string>> } | { readonly kind: 'answer'; readonly stdout: string };

/** Functions the pre-2026 plugin's dispatch table did not have. */
const ADDED_IN_2026 = new Set(['getInfo']);

/** How the pre-2026 `linstor-manager` handles `fn(args)`. */
export function legacyLinstorManager(fn: string, args: Readonly<Record<string, string>>): LegacyCall {
  if (ADDED_IN_2026.has(fn)) return { kind: 'answer', stdout: encodePluginFailure('UNKNOWN_XENAPI_PLUGIN_FUNCTION', [fn]) };
  const { vdiType: _ignored, ...read } = args;
  if (fn !== 'setSizeVirt') return { kind: 'run', args: read };
  // str(KeyError('jfile')) is the key in quotes.
  if (read['jfile'] === undefined) return { kind: 'answer', stdout: encodePluginFailure('XENAPI_PLUGIN_FAILURE', [fn, 'KeyError', "'jfile'"]) };
  const { jFile: _unread, ...rest } = read;
  return { kind: 'run', args: rest };
}
