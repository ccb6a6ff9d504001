/**
 * Puts a planned fault in place for one op and, once the op is over, takes it away and says whether it
 * fired: a driver fault point armed for the next run of a verb on a host (the XAPI simulator's
 * `armFault`, i.e. LINSTOR_SR_FAULTS), a plugin run killed at its start or end, a LINSTOR request
 * failed or cut (the controller simulator's `addFault`), the controller refusing connections from a
 * request on (`refuseFromNth`, accepted again after the op), the controller moved, or a host without
 * VMs powered off during the op. A collector fault goes to the collector run of the op (`gcFaults`).
 */
import { PLUGIN_END_KILL, PLUGIN_START_KILL } from '../xapi/plugins.js';
import type { ChaosContext } from './context.js';
import type { FaultPlan } from './fault-plan.js';
import { moveController, setPower } from './pool-actions.js';
import { unplug } from './vm-actions.js';
import type { FaultKind } from './summary.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type ArmedFault = {
  readonly kind: FaultKind;
  /** LINSTOR_SR_FAULTS for the collector run of a gc op. */
  readonly gcFaults: string | undefined;
  /** Set by the collector run that carried `gcFaults`: the point it was stopped at, if it was. */
  gcStoppedAt: string | undefined;
  /**
   * Removes what is left of the fault; answers whether it fired, with a note for the log. `deferred`: it
   * stays armed (a LINSTOR request fault not reached yet) and is counted when the next check clears it.
   */
  settle(): Promise<{ fired: boolean; note: string; deferred?: boolean }>;
};

/** A LINSTOR fault that had not fired when its op ended: counted when the next check clears it. */
export type LingeringFault = { readonly kind: FaultKind; fired(): boolean };

function xapiFault(ctx: ChaosContext, kind: FaultKind, host: string, verb: string, spec: string, firedBy: (stdout: string, signal: string | null) => boolean): ArmedFault {
  const key = `${host}\u0000${verb}`;
  const since = ctx.pool.xapi.executions.length;
  const taken = ctx.armed.has(key);
  if (!taken) {
    ctx.pool.xapi.armFault(host, verb, spec);
    ctx.armed.add(key);
  }
  return {
    kind, gcFaults: undefined, gcStoppedAt: undefined,
    async settle() {
      if (taken) return { fired: false, note: `${verb} on ${host} already had a fault armed` };
      ctx.armed.delete(key);
      if (ctx.pool.xapi.takeFault(host, verb) !== undefined) return { fired: false, note: `no ${verb} ran on ${host}` };
      const run = ctx.pool.xapi.executions.slice(since).find((e) => e.name === verb && e.host === host && (e.env['LINSTOR_SR_FAULTS'] === spec || verb.startsWith('plugin:')));
      const fired = verb.startsWith('plugin:') || (run !== undefined && firedBy(run.stdout, run.signal));
      return { fired, note: fired ? `${spec} fired on ${host}` : `${spec} armed for ${verb} on ${host} but not crossed` };
    },
  };
}

function linstorFault(ctx: ChaosContext, plan: { readonly kind: 'linstor-error' | 'linstor-drop'; readonly nth: number }, lingering: LingeringFault[]): ArmedFault {
  const sim = ctx.pool.runtime.controller.runningOn === undefined ? undefined : ctx.pool.runtime.controller.sim;
  const armed = sim?.controls.addFault(plan.kind === 'linstor-drop' ? { nth: plan.nth, drop: true } : { nth: plan.nth, status: 500, message: 'injected by the chaos soak' });
  return {
    kind: plan.kind, gcFaults: undefined, gcStoppedAt: undefined,
    async settle() {
      if (!armed) return { fired: false, note: 'no controller ran' };
      if (armed.used > 0) return { fired: true, note: `LINSTOR request +${plan.nth} failed` };
      lingering.push({ kind: plan.kind, fired: () => armed.used > 0 });
      return { fired: false, deferred: true, note: `LINSTOR request +${plan.nth} not reached during the op (stays armed)` };
    },
  };
}

function controllerDown(ctx: ChaosContext, nth: number): ArmedFault {
  const sim = ctx.pool.runtime.controller.runningOn === undefined ? undefined : ctx.pool.runtime.controller.sim;
  sim?.controls.refuseFromNth(nth);
  const from = sim?.controls.refuseFrom;
  return {
    kind: 'controller-down', gcFaults: undefined, gcStoppedAt: undefined,
    async settle() {
      if (!sim || from === undefined) return { fired: false, note: 'no controller ran' };
      const fired = sim.controls.counters().total >= from;
      // Back up, unless the controller moved meanwhile (that simulator is gone; the new one serves).
      if (ctx.pool.runtime.controller.sim === sim && ctx.pool.runtime.controller.runningOn !== undefined) await sim.acceptConnections();
      return { fired, note: fired ? `controller refused connections from request +${nth}` : `request +${nth} not reached` };
    },
  };
}

function background(kind: FaultKind, work: () => Promise<{ fired: boolean; note: string }>): ArmedFault {
  const done = work().catch((error: unknown) => ({ fired: false, note: `${kind} failed: ${(error as Error).message}` }));
  return { kind, gcFaults: undefined, gcStoppedAt: undefined, settle: () => done };
}

/**
 * Powers a non-master host off for `downMs` and on again: reserved first (no VM starts there any more),
 * its VMs shut down (each under its disk's lock, as an operator empties a host), then off. Gives up if a
 * VM does not shut down.
 */
async function hostCycle(ctx: ChaosContext, delayMs: number, downMs: number): Promise<{ fired: boolean; note: string }> {
  await sleep(delayMs);
  const candidates = ctx.pool.spec.hosts.filter((h) => h !== ctx.pool.spec.master && ctx.pool.runtime.host(h.name).up).map((h) => h.name);
  const host = ctx.leases.reserve(candidates);
  if (host === undefined) return { fired: false, note: 'no host to power off' };
  try {
    for (const [uuid, vm] of [...ctx.vms]) {
      if (vm.host !== host) continue;
      const r = await ctx.diskLocks.run([uuid], () => unplug(ctx, uuid));
      ctx.log.entry({ step: 'host-cycle', host, shutdown: uuid, ok: r.ok, error: r.error });
    }
    if (ctx.leases.held(host) > 0) return { fired: false, note: `a VM on ${host} did not shut down` };
    await setPower(ctx, host, false);
    try {
      await sleep(downMs);
    } finally {
      await setPower(ctx, host, true).catch((error: unknown) => ctx.log.entry({ step: 'host-up', host, error: (error as Error).message }));
    }
    return { fired: true, note: `${host} powered off for ${downMs} ms` };
  } finally {
    ctx.leases.unreserve(host);
  }
}

/** Arms `plan` for an op whose VM runs (or will run) on `vmHost`. */
export function arm(ctx: ChaosContext, plan: FaultPlan, vmHost: string | undefined, lingering: LingeringFault[]): ArmedFault {
  const master = ctx.pool.spec.master.name;
  switch (plan.kind) {
    case 'driver-kill':
    case 'driver-throw': {
      const host = plan.where === 'vm' ? (vmHost ?? master) : master;
      const action = plan.kind === 'driver-kill' ? 'kill' : 'throw';
      const spec = `${plan.point}:${action}${plan.undoKill ? `,${plan.undoKill}:kill` : ''}`;
      return xapiFault(ctx, plan.kind, host, plan.verb, spec, (stdout, signal) =>
        action === 'kill' ? signal === 'SIGKILL' : stdout.includes(`injected fault at ${plan.point}`) || signal === 'SIGKILL',
      );
    }
    case 'plugin-kill': {
      const host = plan.where === 'vm' ? (vmHost ?? master) : master;
      return xapiFault(ctx, plan.kind, host, `plugin:${plan.fn}`, plan.when === 'start' ? PLUGIN_START_KILL : PLUGIN_END_KILL, () => true);
    }
    case 'gc-kill':
    case 'gc-throw': {
      const armed: ArmedFault = {
        kind: plan.kind, gcFaults: `${plan.point}:${plan.kind === 'gc-kill' ? 'kill' : 'throw'}`, gcStoppedAt: undefined,
        settle: async () => ({
          fired: armed.gcStoppedAt !== undefined,
          note: armed.gcStoppedAt !== undefined ? `collector stopped at ${armed.gcStoppedAt}` : `collector never reached ${plan.point.startsWith('*#') ? `a ${plan.point.slice(2)}th point` : plan.point}`,
        }),
      };
      return armed;
    }
    case 'linstor-error':
    case 'linstor-drop':
      return linstorFault(ctx, { kind: plan.kind, nth: plan.nth }, lingering);
    case 'controller-down':
      return controllerDown(ctx, plan.nth);
    case 'controller-move':
      return background(plan.kind, async () => {
        await sleep(plan.delayMs);
        const from = ctx.pool.runtime.controller.runningOn;
        const to = await moveController(ctx);
        return { fired: to !== undefined, note: to ? `controller moved ${from ?? 'nowhere'} → ${to}` : 'no host could take the controller' };
      });
    case 'host-cycle':
      return background(plan.kind, () => hostCycle(ctx, plan.delayMs, plan.downMs));
  }
}
