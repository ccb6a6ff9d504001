/**
 * What `linstor-kv-tool` does to a KV instance, with the Python client's namespace reading: keys are
 * stored without their leading `/`, and a namespace `/a/b` shows the keys under `a/b/` relative to it.
 */
import type { LinstorApi } from '../../lib/linstor/index.js';

/** `a/b` for `/a/b/`, '' for `/`. */
function prefixOf(namespace: string): string {
  const trimmed = namespace.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

function stripSlash(key: string): string {
  return key.replace(/^\/+/, '');
}

/** The instance's keys under `namespace`, relative to it. */
export async function readNamespace(linstor: LinstorApi, kv: string, namespace: string): Promise<Record<string, string>> {
  const prefix = prefixOf(namespace);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(await linstor.keyValueStore.props(kv))) {
    const k = stripSlash(key);
    if (k.startsWith(prefix)) out[k.slice(prefix.length)] = value;
  }
  return out;
}

/** Python's `json.dumps(…, sort_keys=True, indent=2)` (ASCII only, as ensure_ascii does). */
export function pythonJsonDump(map: Readonly<Record<string, string>>): string {
  const sorted = Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k]]));
  return JSON.stringify(sorted, null, 2).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Deletes the listed absolute keys (without leading `/`) in one request; answers how many. */
async function deleteKeys(linstor: LinstorApi, kv: string, keys: readonly string[]): Promise<number> {
  if (keys.length > 0) await linstor.keyValueStore.modify(kv, { delete_props: [...keys] });
  return keys.length;
}

/** Every key of one volume (`xcp/volume/<uuid>/…`). */
export async function removeVolume(linstor: LinstorApi, kv: string, vdiUuid: string): Promise<number> {
  const prefix = `xcp/volume/${vdiUuid}/`;
  const keys = Object.keys(await linstor.keyValueStore.props(kv)).filter((k) => stripSlash(k).startsWith(prefix));
  return deleteKeys(linstor, kv, keys);
}

/** Every volume key and every journal entry; the SR's own keys (`xcp/sr/metadata`, `xcp/sr/uuid`) stay. */
export async function removeAllVolumes(linstor: LinstorApi, kv: string): Promise<number> {
  const keys = Object.keys(await linstor.keyValueStore.props(kv)).filter((k) => {
    const s = stripSlash(k);
    return s.startsWith('xcp/volume/') || s.startsWith('xcp/sr/journal/');
  });
  return deleteKeys(linstor, kv, keys);
}
