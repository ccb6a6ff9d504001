import { readFile } from 'node:fs/promises';
import { hostPath } from './env.js';

/**
 * Reads /etc/xensource-inventory (shell-style `KEY='value'` lines), where a dom0 names itself:
 * INSTALLATION_UUID is this host's uuid in XAPI.
 */
export async function readInventory(root: string): Promise<Record<string, string>> {
  const text = await readFile(hostPath(root, '/etc/xensource-inventory'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(['"]?)(.*)\2\s*$/.exec(line.trim());
    if (m) out[m[1]!] = m[3]!;
  }
  return out;
}

/** This host's uuid in XAPI; an error naming the file when the inventory lacks it. */
export async function thisHostUuid(root: string): Promise<string> {
  const uuid = (await readInventory(root))['INSTALLATION_UUID'];
  if (!uuid) throw new Error('/etc/xensource-inventory has no INSTALLATION_UUID: this is not a dom0 XAPI knows');
  return uuid;
}

/** This host's XAPI ref (`host.get_by_uuid` of its INSTALLATION_UUID). */
export async function thisHostRef<R>(xapi: { readonly host: { getByUuid(uuid: string): Promise<R> } }, root: string): Promise<R> {
  return xapi.host.getByUuid(await thisHostUuid(root));
}
