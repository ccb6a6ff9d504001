/**
 * Firewall tools on a simulated host: `iptables` (rules kept per host, `-C/-I/-A/-D/-S`), `service
 * iptables save`, and `/etc/xapi.d/plugins/firewall-port open|close <port> <proto>`.
 */
import { fail, ok, type Tool } from './tool.js';

export const iptables: Tool = async ({ host }, argv) => {
  const [op, chain, ...rest] = argv;
  if (op === '-S' || op === '-L') return ok(['-P INPUT ACCEPT', ...host.iptables].map((r) => `${r}\n`).join(''));
  if (!chain) return fail(2, 'iptables v1.8.4: option requires an argument');
  let spec = rest;
  let position: number | undefined;
  if (op === '-I' && /^\d+$/.test(rest[0] ?? '')) {
    position = Number(rest[0]);
    spec = rest.slice(1);
  }
  const rule = `-A ${chain} ${spec.join(' ')}`;
  const index = host.iptables.indexOf(rule);
  switch (op) {
    case '-C':
      return index >= 0 ? ok() : fail(1, 'iptables: Bad rule (does a matching rule exist in that chain?).');
    case '-A':
      host.iptables.push(rule);
      return ok();
    case '-I':
      host.iptables.splice(Math.max(0, (position ?? 1) - 1), 0, rule);
      return ok();
    case '-D':
      if (index < 0) return fail(1, 'iptables: Bad rule (does a matching rule exist in that chain?).');
      host.iptables.splice(index, 1);
      return ok();
    default:
      return fail(2, `iptables v1.8.4: unknown option "${op ?? ''}"`);
  }
};

export const service: Tool = async (_ctx, argv) => {
  const [name, action] = argv;
  if (name === 'iptables' && action === 'save') return ok('iptables: Saving firewall rules to /etc/sysconfig/iptables: [  OK  ]\n');
  return fail(1, `${name ?? ''}: unrecognized service action ${action ?? ''}`);
};

export const firewallPort: Tool = async ({ host }, argv) => {
  const [action, port, proto = 'tcp'] = argv;
  if ((action !== 'open' && action !== 'close') || !/^\d+$/.test(port ?? '')) return fail(1, 'usage: firewall-port open|close <port> [tcp|udp]');
  const key = `${port}/${proto}`;
  if (action === 'open') host.firewallPorts.add(key);
  else host.firewallPorts.delete(key);
  return ok();
};
