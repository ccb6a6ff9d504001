import { readFile } from 'node:fs/promises';
import { hostPath } from '../host/env.js';

/** What /etc/xensource/xhad.conf says of the pool: every host's id and address, and which one we are. */
export type XhaConfig = { readonly hosts: readonly { hostId: string; address: string }[]; readonly localHostId: string | undefined };

/**
 * Parses xhad.conf (written by xapi when HA is on): `common-config/host/{HostID,IPaddress}` and
 * `local-config/localhost/HostID`. It is the only way to find the other hosts without XAPI, at boot
 * (vdi_attach_from_config of the HA statefile).
 */
export function parseXhaConfig(xml: string): XhaConfig {
  const text = (tag: string, s: string): string | undefined => new RegExp(`<${tag}>\\s*([^<]*?)\\s*</${tag}>`).exec(s)?.[1];
  const common = /<common-config>([\s\S]*?)<\/common-config>/.exec(xml)?.[1] ?? '';
  const hosts = [...common.matchAll(/<host>([\s\S]*?)<\/host>/g)].flatMap((m) => {
    const hostId = text('HostID', m[1]!);
    const address = text('IPaddress', m[1]!);
    return hostId && address ? [{ hostId, address }] : [];
  });
  const local = /<localhost>([\s\S]*?)<\/localhost>/.exec(xml)?.[1] ?? '';
  return { hosts, localHostId: text('HostID', local) };
}

/** Reads xhad.conf under the host root; undefined when HA is off (no file). */
export async function readXhaConfig(root: string): Promise<XhaConfig | undefined> {
  try {
    return parseXhaConfig(await readFile(hostPath(root, '/etc/xensource/xhad.conf'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
