import type { HostRuntime, PoolRuntime } from '../pool/runtime.js';

/** What a host tool stand-in answers: the real tool's stdout, stderr and exit status. */
export type ToolResult = { readonly stdout?: string; readonly stderr?: string; readonly exitCode: number };

/** A host tool stand-in, run in the pool process for one invocation on one host. */
export type Tool = (ctx: { readonly pool: PoolRuntime; readonly host: HostRuntime }, argv: readonly string[]) => Promise<ToolResult>;

export const ok = (stdout = ''): ToolResult => ({ stdout, exitCode: 0 });
export const fail = (exitCode: number, stderr: string): ToolResult => ({ stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n`, exitCode });

/** Splits argv into flags (`-x`, `--long`, `--key=value`) and positional words. */
export function splitArgs(argv: readonly string[]): { flags: Set<string>; words: string[] } {
  const flags = new Set<string>();
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-') && a.length > 1) flags.add(a);
    else words.push(a);
  }
  return { flags, words };
}

/** `-x value` options of tap-ctl-like tools: returns the value following `name`. */
export function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}
