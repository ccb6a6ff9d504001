/**
 * Reading DRBD's view of the controller database (`xcp-persistent-database`): who holds it Primary,
 * from `drbdadm status <res>` text, and a peer's address from `drbdsetup show <res> --json`
 * (spec/sm-linstor.md §3.3, first step of controller discovery).
 */

/** The resource's role here, and the peer holding it Primary if any. */
export type DrbdRoles = { readonly localRole: string | undefined; readonly primaryPeer: string | undefined };

export function parseDrbdadmStatus(text: string, resource: string): DrbdRoles {
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.startsWith(`${resource} `));
  if (first < 0) return { localRole: undefined, primaryPeer: undefined };
  const localRole = /\brole:(\S+)/.exec(lines[first]!)?.[1];
  let primaryPeer: string | undefined;
  for (const line of lines.slice(first + 1)) {
    if (line !== '' && !line.startsWith(' ')) break; // the next resource
    const m = /^ {2}(\S+) role:Primary\b/.exec(line);
    if (m) primaryPeer = m[1];
  }
  return { localRole, primaryPeer };
}

/** The IP of `peer` in `drbdsetup show --json`: `connections[].path._remote_host` = `ipv4 1.2.3.4:7000`. */
export function peerAddress(showJson: string, peer: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(showJson);
  } catch {
    return undefined;
  }
  if (!Array.isArray(doc)) return undefined;
  for (const res of doc as { connections?: { net?: { _name?: string }; path?: { _remote_host?: string } }[] }[]) {
    for (const c of res.connections ?? []) {
      if (c.net?._name !== peer) continue;
      const m = /^ipv[46] \[?([^\]\s]+?)\]?:\d+$/.exec(c.path?._remote_host ?? '');
      if (m) return m[1];
    }
  }
  return undefined;
}
