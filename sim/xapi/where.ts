/**
 * The query language of `<class>.get_all_records_where`, as far as drivers use it:
 * `field "SR" = "OpaqueRef:…"`, `"x" = field "y"`, `true`, `false`, `not e`, `(e)`, `e and e`, `e or e`.
 * Fields compare by their string form (booleans as `true`/`false`). A syntax error is XAPI's
 * `INTERNAL_ERROR` with the parser's message, as xapi's own expression parser raises.
 */
import { fail } from './api-error.js';
import type { DbRecord } from './schema.js';

type Token = { kind: 'word' | 'string' | 'sym'; text: string };
/** A compiled filter. */
export type Predicate = (record: DbRecord) => boolean;

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i] ?? '';
    if (/\s/.test(ch)) i += 1;
    else if (ch === '"') {
      let text = '';
      i += 1;
      while (i < expr.length && expr[i] !== '"') {
        if (expr[i] === '\\') i += 1;
        text += expr[i] ?? '';
        i += 1;
      }
      if (i >= expr.length) fail('INTERNAL_ERROR', `unterminated string in ${expr}`);
      i += 1;
      tokens.push({ kind: 'string', text });
    } else if ('()='.includes(ch)) {
      tokens.push({ kind: 'sym', text: ch });
      i += 1;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr.slice(i));
      if (!m) fail('INTERNAL_ERROR', `unexpected ${JSON.stringify(ch)} in ${expr}`);
      tokens.push({ kind: 'word', text: m[0].toLowerCase() });
      i += m[0].length;
    }
  }
  return tokens;
}

function fieldText(record: DbRecord, field: string): string {
  const v = record[field];
  return typeof v === 'string' ? v : typeof v === 'boolean' || typeof v === 'number' ? String(v) : JSON.stringify(v ?? '');
}

/** Compiles an expression. */
export function compileWhere(expr: string): Predicate {
  const tokens = tokenize(expr);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const next = (): Token => tokens[pos++] ?? fail('INTERNAL_ERROR', `unexpected end of ${expr}`);
  const operand = (): { field?: string; value?: string } => {
    const t = next();
    if (t.kind === 'word' && t.text === 'field') {
      const name = next();
      if (name.kind !== 'string') fail('INTERNAL_ERROR', `expected a field name in ${expr}`);
      return { field: name.text };
    }
    if (t.kind === 'string') return { value: t.text };
    return fail('INTERNAL_ERROR', `unexpected ${t.text} in ${expr}`);
  };
  const term = (): Predicate => {
    const t = peek();
    if (t?.kind === 'word' && (t.text === 'true' || t.text === 'false')) {
      pos += 1;
      const v = t.text === 'true';
      return () => v;
    }
    if (t?.kind === 'word' && t.text === 'not') {
      pos += 1;
      const inner = term();
      return (r) => !inner(r);
    }
    if (t?.kind === 'sym' && t.text === '(') {
      pos += 1;
      const inner = disjunction();
      if (next().text !== ')') fail('INTERNAL_ERROR', `expected ) in ${expr}`);
      return inner;
    }
    const left = operand();
    if (next().text !== '=') fail('INTERNAL_ERROR', `expected = in ${expr}`);
    const right = operand();
    const side = (o: { field?: string; value?: string }) => (r: DbRecord) => (o.field !== undefined ? fieldText(r, o.field) : (o.value ?? ''));
    const [a, b] = [side(left), side(right)];
    return (r) => a(r) === b(r);
  };
  const conjunction = (): Predicate => {
    let p = term();
    while (peek()?.text === 'and') {
      pos += 1;
      const [l, r] = [p, term()];
      p = (x) => l(x) && r(x);
    }
    return p;
  };
  const disjunction = (): Predicate => {
    let p = conjunction();
    while (peek()?.text === 'or') {
      pos += 1;
      const [l, r] = [p, conjunction()];
      p = (x) => l(x) || r(x);
    }
    return p;
  };
  const predicate = disjunction();
  if (pos !== tokens.length) fail('INTERNAL_ERROR', `trailing tokens in ${expr}`);
  return predicate;
}
