/**
 * The plugin's `coalesce` on another host, across sm versions (spec/sm-changes-2026.md §4): every call
 * carries `groupName` and `vdiType` as LinstorCowUtil sends them; a host whose plugin knows `getInfo`
 * (linstor-sr, or sm since its CowUtil series) answers bytes, an older one the sector count
 * `vhd-util coalesce` prints. The probe is the fallback newer sm uses for `getInfo` itself: an
 * UNKNOWN_XENAPI_PLUGIN_FUNCTION answer means the older plugin.
 */
export type PluginCall = (hostRef: string, fn: string, args: Record<string, string>) => Promise<string>;

const SECTOR = 512;

/** Whether `hostRef`'s plugin speaks the 2026 protocol (bytes from `coalesce`). */
export async function speaksCowProtocol(call: PluginCall, hostRef: string, args: Record<string, string>): Promise<boolean> {
  try {
    await call(hostRef, 'getInfo', { ...args, includeParent: 'False' });
    return true;
  } catch (error) {
    if (String((error as Error).message).includes('UNKNOWN_XENAPI_PLUGIN_FUNCTION')) return false;
    // The function exists (it failed for another reason): a 2026 plugin.
    return true;
  }
}

/** Merges `devicePath` into its parent on `hostRef`; answers the sectors merged. */
export async function coalesceOn(call: PluginCall, hostRef: string, devicePath: string, groupName: string): Promise<number> {
  const args = { devicePath, groupName, vdiType: 'vhd' };
  const bytes = await speaksCowProtocol(call, hostRef, args);
  const answer = await call(hostRef, 'coalesce', args);
  const n = Number(answer);
  if (answer.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new Error(`coalesce answered ${JSON.stringify(answer)}`);
  return bytes ? Math.ceil(n / SECTOR) : n;
}
