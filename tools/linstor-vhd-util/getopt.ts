/** A parsed vhd-util style command line: flags present, and option values. */
export type Parsed = { readonly flags: ReadonlySet<string>; readonly values: ReadonlyMap<string, string> };

/** Thrown for a command line vhd-util would print its usage for. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * POSIX getopt over `args` with a spec such as `n:s:S:r` (a letter followed by `:` takes a value;
 * combined flags like `-vsafpu` work). `--debug` is accepted and ignored, as SM always passes it.
 */
export function getopt(args: readonly string[], spec: string): Parsed {
  const takesValue = new Map<string, boolean>();
  for (let i = 0; i < spec.length; i += 1) {
    const c = spec[i] ?? '';
    const hasValue = spec[i + 1] === ':';
    takesValue.set(c, hasValue);
    if (hasValue) i += 1;
  }
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i += 1) {
    const a = args[i] ?? '';
    if (a === '--debug') continue;
    if (!a.startsWith('-') || a === '-' || a.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    for (let j = 1; j < a.length; j += 1) {
      const c = a[j] ?? '';
      const wants = takesValue.get(c);
      if (wants === undefined) throw new UsageError(`invalid option -- '${c}'`);
      if (!wants) {
        flags.add(c);
        continue;
      }
      const rest = a.slice(j + 1);
      const value = rest !== '' ? rest : args[++i];
      if (value === undefined) throw new UsageError(`option requires an argument -- '${c}'`);
      values.set(c, value);
      break;
    }
  }
  return { flags, values };
}

/** The value of a required option. */
export function required(p: Parsed, c: string): string {
  const v = p.values.get(c);
  if (v === undefined) throw new UsageError(`missing -${c}`);
  return v;
}

/** A non-negative integer option value. */
export function integer(p: Parsed, c: string): number {
  const text = required(p, c);
  if (!/^\d+$/.test(text)) throw new UsageError(`-${c} needs a non-negative integer, got ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`-${c} is too large: ${text}`);
  return n;
}
