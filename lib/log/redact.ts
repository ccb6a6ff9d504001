/**
 * The one place where secrets and session refs are removed from what is logged (sm's
 * hidePasswdInParams, extended): password-like keys anywhere in nested data, session refs and
 * HTTP authorization headers. Everything that reaches a sink has been through here.
 */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|^session(_ref|Ref|Id|_id)?$|^sessionRef$/i;
const MASK = '******';

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? MASK : redact(v, depth + 1);
    return out;
  }
  return value;
}

/** Masks secrets inside free text too (e.g. a command line with `--password x`). */
export function redactText(text: string): string {
  return text
    .replace(/((?:pass(?:word)?|secret|token)["']?\s*[=:]\s*["']?)[^\s"',}]+/gi, `$1${MASK}`)
    .replace(/(Authorization:\s*\w+\s+)\S+/gi, `$1${MASK}`);
}
