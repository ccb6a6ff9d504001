/**
 * The `/sim/…` HTTP controls, mapped onto the in-process ones so that a standalone simulator
 * (`xostor-sim linstor`) can be driven by tests and by the pool simulator alike:
 *
 *   PUT    /sim/latency                      {"ms": 20}
 *   POST   /sim/faults                       {"method","path","status","ret_code","message","raw_body","drop","count","nth"}
 *   DELETE /sim/faults
 *   POST   /sim/refuse                       {} now, {"for_ms": t} now for t ms, or {"from_request": k}
 *   PUT    /sim/resources/{rd}/{node}        {"in_use": true, "disk_state": "Inconsistent"}
 *   PUT    /sim/resource-definitions/{rd}    {"syncing_for_ms": 5000} a resync runs that long (0: ends it)
 *   PUT    /sim/nodes/{node}                 {"online": false} or {"connection_status": "VERSION_MISMATCH"}
 *   GET    /sim/counters  DELETE /sim/counters
 *   POST   /sim/reset
 */
import type { FaultSpec } from './controls.js';
import { NODE_CONNECTION_STATUSES, type NodeConnectionStatus } from './model.js';
import type { SimReply } from './replies.js';

/** What the control routes need from the running simulator. */
export type ControlTarget = {
  readonly controls: import('./controls.js').SimControls;
  setResourceState(rd: string, node: string, state: { inUse?: boolean; diskState?: string }): Promise<boolean>;
  setSyncing(rd: string, forMs: number): Promise<boolean>;
  setNodeOnline(node: string, online: boolean): Promise<boolean>;
  setNodeConnectionStatus(node: string, status: NodeConnectionStatus): Promise<boolean>;
  refuseConnections(): void;
  acceptConnections(): Promise<void>;
  reset(): Promise<void>;
};

const ok: SimReply = { status: 200, body: { ok: true } };
const bad = (message: string): SimReply => ({ status: 400, body: { error: message } });

/** Handles one `/sim/…` request; undefined when the path is not a control. */
export async function handleControl(target: ControlTarget, method: string, path: string, body: unknown): Promise<SimReply | undefined> {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const parts = path.split('/').slice(2).map(decodeURIComponent);
  const route = `${method} ${parts[0] ?? ''}`;
  switch (route) {
    case 'PUT latency':
      if (typeof b['ms'] !== 'number' || b['ms'] < 0) return bad('ms must be a non-negative number');
      target.controls.latencyMs = b['ms'];
      return ok;
    case 'POST faults':
      target.controls.addFault(faultFrom(b));
      return ok;
    case 'DELETE faults':
      target.controls.clearFaults();
      return ok;
    case 'POST refuse':
      if (typeof b['from_request'] === 'number') target.controls.refuseFromNth(b['from_request']);
      else {
        // After the answer is out; a standalone simulator can only come back by itself (for_ms).
        setImmediate(() => target.refuseConnections());
        if (typeof b['for_ms'] === 'number') setTimeout(() => void target.acceptConnections(), b['for_ms']).unref();
      }
      return ok;
    case 'PUT resources': {
      const [, rd, node] = parts;
      if (!rd || !node) return bad('use /sim/resources/{rd}/{node}');
      const state: { inUse?: boolean; diskState?: string } = {};
      if (typeof b['in_use'] === 'boolean') state.inUse = b['in_use'];
      if (typeof b['disk_state'] === 'string') state.diskState = b['disk_state'];
      return (await target.setResourceState(rd, node, state)) ? ok : { status: 404, body: { error: 'no such resource' } };
    }
    case 'PUT resource-definitions': {
      const rd = parts[1];
      const forMs = b['syncing_for_ms'];
      if (!rd || typeof forMs !== 'number' || forMs < 0) return bad('use /sim/resource-definitions/{rd} with {"syncing_for_ms": ms}');
      return (await target.setSyncing(rd, forMs)) ? ok : { status: 404, body: { error: 'no such resource definition' } };
    }
    case 'PUT nodes': {
      const node = parts[1];
      const status = b['connection_status'];
      const known = NODE_CONNECTION_STATUSES.find((s) => s === status);
      let done: boolean;
      if (node && known) done = await target.setNodeConnectionStatus(node, known);
      else if (node && typeof b['online'] === 'boolean') done = await target.setNodeOnline(node, b['online']);
      else return bad(`use /sim/nodes/{node} with {"online": bool} or {"connection_status": ${NODE_CONNECTION_STATUSES.join('|')}}`);
      return done ? ok : { status: 404, body: { error: 'no such node' } };
    }
    case 'GET counters':
      return { status: 200, body: target.controls.counters() };
    case 'DELETE counters':
      target.controls.resetCounters();
      return ok;
    case 'POST reset':
      await target.reset();
      return ok;
    default:
      return undefined;
  }
}

function faultFrom(b: Record<string, unknown>): FaultSpec {
  const spec: Record<string, unknown> = {};
  if (typeof b['method'] === 'string') spec['method'] = b['method'];
  if (typeof b['path'] === 'string') spec['path'] = b['path'];
  if (typeof b['status'] === 'number') spec['status'] = b['status'];
  if (typeof b['ret_code'] === 'number' || typeof b['ret_code'] === 'string' || typeof b['ret_code'] === 'bigint') spec['retCode'] = BigInt(b['ret_code']);
  if (typeof b['message'] === 'string') spec['message'] = b['message'];
  if (typeof b['raw_body'] === 'string') spec['rawBody'] = b['raw_body'];
  if (b['drop'] === true) spec['drop'] = true;
  if (typeof b['count'] === 'number') spec['count'] = b['count'];
  if (typeof b['nth'] === 'number') spec['nth'] = b['nth'];
  return spec as FaultSpec;
}
