/** Sessions: login, logout, and what an invalid session gets. */
import { expectEqual, expectTrue, expectXapiError, type Scenario } from '../scenario.js';

/** Scenarios on sessions (no storage verb). */
export const sessionScenarios: Scenario[] = [
  {
    name: 'login_with_password gives a session that reads the pool; logout invalidates it',
    async run({ target, client }) {
      const x = client();
      const ref = await x.client.loginWithPassword(target.user, target.password, '1.0', 'conformance');
      expectTrue(ref.startsWith('OpaqueRef:'), `session ref ${ref}`);
      expectEqual((await x.pool.getAll()).length, 1, 'number of pools');
      await x.client.logout();
      await expectXapiError(x.client.callWithoutSession('pool.get_all', ref), 'SESSION_INVALID', [ref]);
    },
  },
  {
    name: 'a wrong password is refused with SESSION_AUTHENTICATION_FAILED',
    async run({ target, client }) {
      await expectXapiError(client().client.loginWithPassword(target.user, `${target.password}-wrong-${Date.now()}`), 'SESSION_AUTHENTICATION_FAILED');
    },
  },
  {
    name: 'a made-up session ref is SESSION_INVALID [ref]',
    async run({ xapi }) {
      const bogus = 'OpaqueRef:00000000-dead-beef-0000-000000000000';
      await expectXapiError(xapi.client.callWithoutSession('host.get_all', bogus), 'SESSION_INVALID', [bogus]);
    },
  },
  {
    name: 'session.get_this_host names the master for a pool login',
    async run({ xapi }) {
      const session = xapi.client.sessionRef ?? '';
      expectEqual(await xapi.call('session.get_this_host', session), await xapi.pool.getMaster(), 'this_host');
    },
  },
];
