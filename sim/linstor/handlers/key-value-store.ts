/**
 * The key-value store (linstor-rest.md §3.10): PUT creates implicitly, an instance left empty is
 * deleted, keys are sanitised paths (empty segments dropped, no leading `/` when listed, at most 256
 * characters), no whitelist, and the modify answer uses the CTRL_CONF object bits.
 */
import { MASK_DEL, MASK_MOD, OBJ, RC } from '../../../lib/linstor/ret-codes.js';
import type { SimContext, SimRequest, SimRoute } from '../context.js';
import { invalidName } from '../names.js';
import { fail, rc, rcReply, type RcContext, type SimReply } from '../replies.js';
import { bodyObject, stringList, stringMap } from './common.js';

const MOD: RcContext = { op: MASK_MOD, obj: OBJ.CTRL_CONF };
const DEL: RcContext = { op: MASK_DEL, obj: OBJ.KVS };
const PATH_MAX = 256;

/** `a//b/` → `a/b`; FAIL_INVLD_PROP when the key is empty or too long. */
function sanitise(key: string): string {
  const clean = key.split('/').filter((s) => s !== '').join('/');
  if (clean === '' || clean.length > PATH_MAX) fail(RC.FAIL_INVLD_PROP, MOD, 'Invalid key.', { cause: `The key '${key}' is invalid.` });
  return clean;
}

function list(sim: SimContext): SimReply {
  return { status: 200, body: Object.values(sim.store.state.kvs).map((kv) => ({ name: kv.name, props: { ...kv.props } })) };
}

function get(sim: SimContext, req: SimRequest): SimReply {
  const name = req.params['instance'] ?? '';
  const kv = sim.store.state.kvs[name.toUpperCase()];
  if (!kv) fail(RC.FAIL_NOT_FOUND_KVS, null, `Could not find key value store instance '${name}'.`);
  return { status: 200, body: [{ name: kv.name, props: { ...kv.props } }] };
}

async function modify(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const name = req.params['instance'] ?? '';
  const why = invalidName('kvs', name);
  if (why) fail(RC.FAIL_INVLD_KVS_NAME, MOD, `Invalid key value store name: ${name}`, { cause: why });
  const body = bodyObject(req, MOD);
  const override = Object.entries(stringMap(body['override_props'], MOD)).map(([k, v]) => [sanitise(k), v] as const);
  const deletes = stringList(body['delete_props'], MOD).map(sanitise);
  const namespaces = stringList(body['delete_namespaces'], MOD).map(sanitise);
  const { kvs } = sim.store.state;
  const key = name.toUpperCase();
  const kv = kvs[key] ?? { name, props: {} };
  for (const [k, v] of override) kv.props[k] = v;
  for (const k of deletes) delete kv.props[k];
  for (const ns of namespaces) {
    for (const k of Object.keys(kv.props)) if (k === ns || k.startsWith(`${ns}/`)) delete kv.props[k];
  }
  if (Object.keys(kv.props).length === 0) delete kvs[key];
  else kvs[key] = kv;
  await sim.store.persist();
  return rcReply([rc('success', RC.MODIFIED, MOD, 'Successfully updated properties')], 200);
}

async function remove(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const name = req.params['instance'] ?? '';
  const { kvs } = sim.store.state;
  const kv = kvs[name.toUpperCase()];
  if (!kv) return rcReply([rc('warning', RC.WARN_NOT_FOUND, DEL, `Deletion of kvs '${name}' had no effect.`)], 200);
  delete kvs[name.toUpperCase()];
  await sim.store.persist();
  return rcReply([rc('success', RC.DELETED, DEL, `Kvs '${kv.name}' deleted.`, { details: `Kvs '${kv.name}' UUID was: ${sim.uuid()}` })], 200);
}

/** Routes of this object kind. */
export const keyValueStoreRoutes: readonly SimRoute[] = [
  { method: 'GET', template: '/v1/key-value-store', handler: list },
  { method: 'GET', template: '/v1/key-value-store/{instance}', handler: get },
  { method: 'PUT', template: '/v1/key-value-store/{instance}', handler: modify },
  { method: 'DELETE', template: '/v1/key-value-store/{instance}', handler: remove },
];
