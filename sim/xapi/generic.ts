/**
 * The methods every class has in XAPI, generated from the schema: `get_all`, `get_all_records(_where)`,
 * `get_record`, `get_by_uuid`, `get_uuid`, `get_by_name_label`, `get_<field>`, `set_<field>`,
 * `add_to_<map>`/`remove_from_<map>` (MAP_DUPLICATE_KEY on a duplicate), `add_tags`/`remove_tags`.
 * Setters of SM_ONLY fields require the `__sm__backend` session of the object's SR (PERMISSION_DENIED).
 */
import type { XmlRpcValue } from '../../lib/smapi/xmlrpc.js';
import { fail } from './api-error.js';
import { argBool, argInt, argMap, argRef, argString, field, type CallContext, type MethodTable } from './context.js';
import { CLASSES, DEFAULTS, INT_FIELDS, REVERSE, SM_ONLY, WRITABLE, type ClassName, type DbRecord } from './schema.js';
import { compileWhere } from './where.js';
import type { XapiXmlValue } from './xml.js';

/** The SR an object belongs to, for the SM-session rule. */
function srOf(ctx: CallContext, cls: ClassName, ref: string): string {
  if (cls === 'SR') return ref;
  return field(ctx.sim.db.get(cls, ref), 'SR');
}

/** Throws PERMISSION_DENIED unless the call's session is the SM session of `sr`. */
export function requireSmSession(ctx: CallContext, method: string, sr: string): void {
  const session = ctx.sim.db.get('session', ctx.sessionRef);
  const marker = (session['other_config'] as Record<string, string>)['_sm_session'];
  if (marker === undefined || marker !== sr) fail('PERMISSION_DENIED', method, 'only the SM backend session of the object\'s SR may call this');
}

/** Converts a setter's argument to the stored type of `name`. */
function coerce(current: XapiXmlValue | undefined, value: XmlRpcValue | undefined, name: string): XapiXmlValue {
  if (INT_FIELDS.has(name)) return argInt(value, name);
  if (typeof current === 'boolean') return argBool(value, name);
  if (typeof current === 'number') return typeof value === 'number' ? value : typeof value === 'string' && value !== '' && !Number.isNaN(Number(value)) ? Number(value) : fail('FIELD_TYPE_ERROR', name);
  if (current instanceof Date) return value instanceof Date ? value : fail('FIELD_TYPE_ERROR', name);
  if (Array.isArray(current)) return Array.isArray(value) ? value.map((v: XmlRpcValue) => argString(v, name)) : fail('FIELD_TYPE_ERROR', name);
  if (current !== null && typeof current === 'object') return argMap(value, name);
  return argString(value, name);
}

function publicRecord(ctx: CallContext, cls: ClassName, ref: string): DbRecord {
  return ctx.sim.db.record(cls, ref);
}

function classMethods(cls: ClassName): MethodTable {
  const t: MethodTable = {};
  const defaults = DEFAULTS[cls]();
  const records = (ctx: CallContext, refs: readonly string[]): XapiXmlValue => Object.fromEntries(ctx.sim.db.records(cls, refs));
  t[`${cls}.get_all`] = { arity: 0, fn: (ctx) => ctx.sim.db.all(cls) };
  t[`${cls}.get_all_records`] = { arity: 0, fn: (ctx) => records(ctx, ctx.sim.db.all(cls)) };
  t[`${cls}.get_all_records_where`] = {
    arity: 1,
    fn: (ctx, [expr]) => {
      const pred = compileWhere(argString(expr, 'expr'));
      return Object.fromEntries([...ctx.sim.db.records(cls, ctx.sim.db.all(cls))].filter(([, r]) => pred(r)));
    },
  };
  t[`${cls}.get_record`] = { arity: 1, fn: (ctx, [ref]) => publicRecord(ctx, cls, argRef(ctx, ref, cls, 'self')) };
  t[`${cls}.get_by_uuid`] = { arity: 1, fn: (ctx, [uuid]) => ctx.sim.db.byUuid(cls, argString(uuid, 'uuid')) };
  if ('name_label' in defaults) {
    t[`${cls}.get_by_name_label`] = { arity: 1, fn: (ctx, [label]) => ctx.sim.db.refsWhere(cls, (r) => r['name_label'] === argString(label, 'label')) };
  }
  for (const name of ['uuid', ...Object.keys(defaults), ...Object.keys(REVERSE[cls] ?? {})]) {
    t[`${cls}.get_${name}`] = { arity: 1, fn: (ctx, [ref]) => publicRecord(ctx, cls, argRef(ctx, ref, cls, 'self'))[name] ?? '' };
  }
  const smOnly = new Set(SM_ONLY[cls] ?? []);
  for (const name of [...(WRITABLE[cls] ?? []), ...smOnly]) {
    const method = `${cls}.set_${name}`;
    t[method] = {
      arity: 2,
      fn: (ctx, [ref, value]) => {
        const self = argRef(ctx, ref, cls, 'self');
        if (smOnly.has(name)) requireSmSession(ctx, method, srOf(ctx, cls, self));
        ctx.sim.db.set(cls, self, { [name]: coerce(defaults[name], value, name) });
        return '';
      },
    };
    const current = defaults[name];
    if (!smOnly.has(name) && current !== null && typeof current === 'object' && !Array.isArray(current) && !(current instanceof Date)) {
      t[`${cls}.add_to_${name}`] = {
        arity: 3,
        fn: (ctx, [ref, key, value]) => {
          const self = argRef(ctx, ref, cls, 'self');
          const k = argString(key, 'key');
          const map = ctx.sim.db.get(cls, self)[name] as Record<string, string>;
          if (Object.hasOwn(map, k)) fail('MAP_DUPLICATE_KEY', cls, name, self, k);
          ctx.sim.db.set(cls, self, { [name]: { ...map, [k]: argString(value, 'value') } });
          return '';
        },
      };
      t[`${cls}.remove_from_${name}`] = {
        arity: 2,
        fn: (ctx, [ref, key]) => {
          const self = argRef(ctx, ref, cls, 'self');
          const { [argString(key, 'key')]: _gone, ...rest } = ctx.sim.db.get(cls, self)[name] as Record<string, string>;
          ctx.sim.db.set(cls, self, { [name]: rest });
          return '';
        },
      };
    }
  }
  if ('tags' in defaults) {
    t[`${cls}.add_tags`] = {
      arity: 2,
      fn: (ctx, [ref, tag]) => {
        const self = argRef(ctx, ref, cls, 'self');
        const tags = ctx.sim.db.get(cls, self)['tags'] as string[];
        const value = argString(tag, 'value');
        if (!tags.includes(value)) ctx.sim.db.set(cls, self, { tags: [...tags, value] });
        return '';
      },
    };
    t[`${cls}.remove_tags`] = {
      arity: 2,
      fn: (ctx, [ref, tag]) => {
        const self = argRef(ctx, ref, cls, 'self');
        ctx.sim.db.set(cls, self, { tags: (ctx.sim.db.get(cls, self)['tags'] as string[]).filter((x) => x !== argString(tag, 'value')) });
        return '';
      },
    };
  }
  return t;
}

/** The generic methods of every class. Specific tables are merged over this one. */
export function genericMethods(): MethodTable {
  return Object.assign({}, ...CLASSES.map((cls) => classMethods(cls))) as MethodTable;
}
