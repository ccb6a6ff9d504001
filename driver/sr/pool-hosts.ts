/**
 * The pool as the SR verbs see it through XAPI: host records (master first, then host-record order) and
 * the `linstor-manager` plugin called on one host or on every host in turn, with the Python plugin's
 * `'True'`/`'False'` convention turned into exceptions.
 */
import type { HostRecord, Ref, StringMap, Xapi } from '../../lib/xapi/index.js';

/** One pool member: its ref, LINSTOR node name (= XAPI hostname) and management address. */
export type PoolMember = { readonly ref: Ref; readonly hostname: string; readonly address: string; readonly enabled: boolean };

/** Thrown when a plugin function answered `'False'` (its reason is in that host's SMlog). */
export class PluginCallError extends Error {
  override name = 'PluginCallError';
}

/** Every host of the pool, the master first (sm's order for `_prepare_sr_on_all_hosts`). */
export async function poolMembers(xapi: Xapi): Promise<PoolMember[]> {
  const [records, master] = await Promise.all([xapi.host.getAllRecords(), xapi.pool.getMaster()]);
  const members = Object.entries(records).map(([ref, r]: [Ref, HostRecord]) => ({ ref, hostname: r.hostname, address: r.address, enabled: r.enabled }));
  return [...members.filter((m) => m.ref === master), ...members.filter((m) => m.ref !== master)];
}

/** Calls a T/F plugin function on `host`; `'False'` (or anything but `'True'`) throws. */
export async function callTrueFalse(xapi: Xapi, host: PoolMember, fn: string, args: StringMap): Promise<void> {
  const answer = await xapi.host.callPlugin(host.ref, 'linstor-manager', fn, args);
  if (answer !== 'True') throw new PluginCallError(`${fn} failed on ${host.hostname} (answered ${JSON.stringify(answer)})`);
}

/**
 * Calls a T/F plugin function on every host at once (for host-local work such as `prepareSr`, whose
 * satellite restarts take seconds each) and waits for all of them; fails naming every host that failed.
 */
export async function callOnAll(xapi: Xapi, hosts: readonly PoolMember[], fn: string, args: StringMap): Promise<void> {
  const outcomes = await Promise.allSettled(hosts.map((host) => callTrueFalse(xapi, host, fn, args)));
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason instanceof Error ? o.reason.message : String(o.reason)] : []));
  if (failures.length > 0) throw new PluginCallError(failures.join('; '));
}

/** Calls a T/F plugin function on each host in the given order, stopping at the first failure. */
export async function callOnEach(xapi: Xapi, hosts: readonly PoolMember[], fn: string, args: StringMap): Promise<void> {
  for (const host of hosts) await callTrueFalse(xapi, host, fn, args);
}
