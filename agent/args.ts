/** The agent's command line (agent/main.ts). */

/** Where the launchers look for the agent, as a dom0 path. */
export const AGENT_SOCKET = '/run/linstor-sr/agent.sock';

export type AgentArgs = {
  readonly socket: string | undefined;
  readonly maxWorkers: number;
  readonly spare: number;
  readonly maxRequests: number;
  readonly maxRssMiB: number;
  readonly deadlineSeconds: number;
};

const DEFAULTS: AgentArgs = { socket: undefined, maxWorkers: 4, spare: 1, maxRequests: 200, maxRssMiB: 200, deadlineSeconds: 3600 };

const NUMBERS: Record<string, { key: Exclude<keyof AgentArgs, 'socket'>; min: number }> = {
  '--max-workers': { key: 'maxWorkers', min: 1 },
  '--spare': { key: 'spare', min: 0 },
  '--max-requests': { key: 'maxRequests', min: 1 },
  '--max-rss-mib': { key: 'maxRssMiB', min: 1 },
  '--deadline': { key: 'deadlineSeconds', min: 1 },
};

export function parseAgentArgs(argv: readonly string[]): AgentArgs {
  const out: { -readonly [K in keyof AgentArgs]: AgentArgs[K] } = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    i += 1;
    if (flag === '--socket') {
      if (!value.startsWith('/')) throw new Error(`--socket must be an absolute path, got ${JSON.stringify(value)}`);
      out.socket = value;
      continue;
    }
    const spec = NUMBERS[flag];
    if (!spec) throw new Error(`unknown option ${JSON.stringify(flag)}`);
    if (!/^[0-9]+$/.test(value) || Number(value) < spec.min) throw new Error(`${flag} must be an integer ≥ ${spec.min}, got ${JSON.stringify(value)}`);
    out[spec.key] = Number(value);
  }
  if (out.spare > out.maxWorkers) throw new Error(`--spare (${out.spare}) cannot exceed --max-workers (${out.maxWorkers})`);
  return out;
}
