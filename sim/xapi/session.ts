/**
 * Sessions as xapi has them (spec/smapi-protocol.md §4.1): `login_with_password` is trusted on a host's
 * Unix socket and checked over TCP, where a pool member answers HOST_IS_SLAVE [master address];
 * `slave_local_login_with_password` works on any host; `logout` ends a session. The per-command
 * `__sm__backend` sessions are made by sm-exec.ts. Also the task methods a client makes itself.
 */
import { fail } from './api-error.js';
import { argRef, argString, type CallContext, type MethodTable } from './context.js';

function login(ctx: CallContext, user: string, password: string, originator: string, local: boolean): string {
  const { sim } = ctx;
  if (!local && ctx.transport === 'tcp' && ctx.host.ref !== sim.masterRef()) fail('HOST_IS_SLAVE', sim.hostByRef(sim.masterRef()).address);
  if (user !== sim.settings.user || (ctx.transport === 'tcp' && password !== sim.settings.password)) {
    fail('SESSION_AUTHENTICATION_FAILED', user, 'Authentication failure');
  }
  return sim.db.create('session', {
    this_host: local ? ctx.host.ref : sim.masterRef(), auth_user_name: user, originator, pool: false,
    other_config: local ? { _local_session: 'true' } : {},
  });
}

/** session.* and task.create/destroy. */
export function sessionMethods(): MethodTable {
  return {
    'session.login_with_password': {
      arity: 2, maxArity: 4, session: false,
      fn: (ctx, [user, password, _version, originator]) =>
        login(ctx, argString(user, 'uname'), argString(password, 'pwd'), typeof originator === 'string' ? originator : '', false),
    },
    'session.slave_local_login_with_password': {
      arity: 2, session: false,
      fn: (ctx, [user, password]) => login(ctx, argString(user, 'uname'), argString(password, 'pwd'), '', true),
    },
    'session.logout': {
      arity: 0,
      fn: (ctx) => {
        // xapi accepts it, but a driver must never end the session it was given (spec §4.1): note it.
        if (ctx.sim.db.get('session', ctx.sessionRef)['auth_user_name'] === '__sm__backend') {
          ctx.sim.violations.push(`session.logout of the SM session ${ctx.sessionRef} (from ${ctx.host.name})`);
        }
        ctx.sim.db.destroy('session', ctx.sessionRef);
        return '';
      },
    },
    'session.local_logout': { arity: 0, fn: (ctx) => (ctx.sim.db.destroy('session', ctx.sessionRef), '') },
    'session.get_this_host': { arity: 1, fn: (ctx, [self]) => ctx.sim.db.str('session', argRef(ctx, self, 'session', 'self'), 'this_host') },
    'task.create': {
      arity: 2,
      fn: (ctx, [label, description]) =>
        ctx.sim.db.create('task', { name_label: argString(label, 'label'), name_description: argString(description, 'description'), resident_on: ctx.host.ref }),
    },
    'task.destroy': { arity: 1, fn: (ctx, [self]) => (ctx.sim.db.destroy('task', argRef(ctx, self, 'task', 'self')), '') },
    'task.cancel': {
      arity: 1,
      fn: (ctx, [self]) => {
        const ref = argRef(ctx, self, 'task', 'self');
        if (ctx.sim.db.get('task', ref)['status'] === 'pending') ctx.sim.db.set('task', ref, { status: 'cancelling' });
        return '';
      },
    },
  };
}
