/**
 * The one place where secrets and session refs are removed from what is logged (sm's
 * hidePasswdInParams, extended): password-like keys anywhere in nested data, session refs and
 * HTTP authorization headers. Everything that reaches a sink has been through here, and SM fault
 * texts go through redactText too (a session ref is a bearer credential for the whole pool).
 *
 * A session ref looks like any other XAPI ref (`OpaqueRef:<uuid>`), so it is recognised by where it
 * stands: under a session key, as a parameter of a `SESSION_*` XAPI error (`SESSION_INVALID(OpaqueRef:…)`),
 * right after the word session (`HANDLE_INVALID(session, OpaqueRef:…)`, `session_ref=OpaqueRef:…`), or
 * because the same logger has already seen it under a session key. Other refs (VDI, SR, host) stay
 * readable: they are what an operator follows through SMlog.
 */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|^session(_ref|Ref|Id|_id)?$|^sessionRef$/i;
const SESSION_KEY = /^session(_ref|Ref|Id|_id)?$/i;
const MASK = '******';
const REF = /OpaqueRef:[A-Za-z0-9._-]+/g;
const REF_MASK = `OpaqueRef:${MASK}`;
/** The parameters of a XAPI session error, as XapiError writes them: `SESSION_INVALID(p1, p2)`. */
const SESSION_ERROR = /\b(SESSION_[A-Z_]+\()([^)]*)\)/g;
/** A ref right after the word session, a few separators between (`session OpaqueRef:`, `session_id": "OpaqueRef:`). */
const LABELLED_REF = /\b(session(?:[ _-]?(?:ref|id))?|sessionRef|sessionId)([\s"'=:(,]{0,4})OpaqueRef:[A-Za-z0-9._-]+/gi;

/** Session refs one logger has seen under session keys: scrubbed wherever they appear later. */
export type KnownSessions = Set<string>;

export function redact(value: unknown, known: ReadonlySet<string> = new Set(), depth = 0): unknown {
  if (depth > 8) return '[…]';
  if (typeof value === 'string') return redactText(value, known);
  if (Array.isArray(value)) return value.map((v) => redact(v, known, depth + 1));
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: redactText(value.message, known) };
    if (value.cause !== undefined) out['cause'] = redact(value.cause, known, depth + 1);
    return out;
  }
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? MASK : redact(v, known, depth + 1);
    return out;
  }
  return value;
}

/** Adds to `known` every ref held under a session key in `value` (before the record is redacted). */
export function learnSessions(value: unknown, known: KnownSessions, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Error) return;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && SESSION_KEY.test(k)) for (const ref of v.match(REF) ?? []) known.add(ref);
    else learnSessions(v, known, depth + 1);
  }
}

/** Masks secrets inside free text too (e.g. a command line with `--password x`, a XAPI session error). */
export function redactText(text: string, known: ReadonlySet<string> = new Set()): string {
  let out = text
    .replace(/((?:pass(?:word)?|secret|token)["']?\s*[=:]\s*["']?)[^\s"',}]+/gi, `$1${MASK}`)
    .replace(/(Authorization:\s*\w+\s+)\S+/gi, `$1${MASK}`);
  if (!out.includes('OpaqueRef:')) return out;
  out = out
    .replace(SESSION_ERROR, (_all, head: string, params: string) => `${head}${params.replace(REF, REF_MASK)})`)
    .replace(LABELLED_REF, (_all, label: string, between: string) => `${label}${between}${REF_MASK}`);
  return known.size === 0 ? out : out.replace(REF, (ref) => (known.has(ref) ? REF_MASK : ref));
}
