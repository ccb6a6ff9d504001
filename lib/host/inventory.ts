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
