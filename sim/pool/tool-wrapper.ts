/**
 * The host tool stand-ins: each simulated host's `drbdsetup`, `tap-ctl`, `systemctl`, … is a bash
 * script that sends its argv to the pool process (the control server's `POST /tool`), which owns the
 * state, and replays the answer: stderr, stdout, exit status. Bash speaks HTTP/1.0 over `/dev/tcp`
 * itself, so a tool call costs a bash start (a few ms) rather than a Node start (~50–100 ms of CPU): sr_create
 * alone runs ~80 of them, and every attach and verb runs some.
 *
 * The request body is the host, the tool and each argument, every one ended by a NUL (an argv string
 * cannot hold one). The answer body is `<exit status> <stderr bytes>\n`, then stderr, then stdout.
 */
import type { ToolResult } from '../host-tools/tool.js';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The request of one tool run: host, tool, argv. */
export type ToolRequest = { readonly host: string; readonly tool: string; readonly argv: readonly string[] };

/** Decodes a `POST /tool` body; undefined when it is not a NUL-ended host, tool and argv. */
export function decodeToolRequest(body: Buffer): ToolRequest | undefined {
  if (body.length === 0 || body[body.length - 1] !== 0) return undefined;
  const [host, tool, ...argv] = body.subarray(0, -1).toString('utf8').split('\0');
  if (host === undefined || tool === undefined || host === '' || tool === '') return undefined;
  return { host, tool, argv };
}

/** Encodes a tool's answer for the wrapper: status line, then stderr, then stdout. */
export function encodeToolAnswer(result: ToolResult): Buffer {
  const stderr = Buffer.from(result.stderr ?? '', 'utf8');
  return Buffer.concat([Buffer.from(`${result.exitCode} ${stderr.length}\n`), stderr, Buffer.from(result.stdout ?? '', 'utf8')]);
}

/**
 * The wrapper of a long-lived server (DAEMON_TOOLS), which one request and one answer cannot stand for:
 * it runs the `xostor-sim <tool>` subcommand with the host root, as a process of its own.
 */
export function daemonWrapper(node: string, simCli: string, tool: string, root: string): string {
  return `#!/bin/sh\nexec ${quote(node)} ${quote(simCli)} ${tool} --sim-root ${quote(root)} "$@"\n`;
}

/** The bash script standing for `tool` on `host`, talking to the control server at `controlUrl` (http://address:port). */
export function toolWrapper(controlUrl: string, host: string, tool: string): string {
  const { hostname, port } = new URL(controlUrl);
  // LC_ALL=C first: ${#arg} then counts bytes, as Content-Length must.
  return `#!/bin/bash
# ${tool} on simulated host ${host}: relays its argv to the pool process (sim/pool/tool-wrapper.ts).
LC_ALL=C
host=${quote(host)} tool=${quote(tool)}
length=$(( \${#host} + \${#tool} + 2 ))
for arg in "$@"; do length=$(( length + \${#arg} + 1 )); done
if ! { exec 3<>/dev/tcp/${hostname}/${port}; } 2>/dev/null; then
  printf '%s: simulated host %s is unreachable: the pool process does not answer\\n' "$tool" "$host" >&2
  exit 1
fi
{
  printf 'POST /tool HTTP/1.0\\r\\nContent-Type: application/octet-stream\\r\\nContent-Length: %d\\r\\n\\r\\n%s\\0%s\\0' "$length" "$host" "$tool"
  if (( $# > 0 )); then printf '%s\\0' "$@"; fi
} >&3
IFS= read -r status <&3
while IFS= read -r line <&3 && [[ -n \${line%$'\\r'} ]]; do :; done
if [[ $status != *' 200 '* ]] || ! read -r code errors <&3; then
  printf '%s: the simulated pool answered garbage (%s)\\n' "$tool" "\${status%$'\\r'}" >&2
  exit 1
fi
if (( errors > 0 )); then head -c "$errors" <&3 >&2; fi
cat <&3
exit "$code"
`;
}
