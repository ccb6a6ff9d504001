import test from 'ava';
import { dom0Path, hostPath, readHostEnv, HostEnvError } from '../../../lib/host/env.js';

test('production defaults when no LINSTOR_SR_* variable is set', (t) => {
  const env = readHostEnv({ PATH: '/usr/bin' });
  t.is(env.root, '/');
  t.is(env.timeScale, 1);
  t.is(env.gc, 'auto');
  t.is(env.faults, undefined);
  t.is(env.xapiSocket, '/var/lib/xcp/xapi');
});

test('dom0 paths map under the host root and back', (t) => {
  const env = readHostEnv({ LINSTOR_SR_ROOT: '/tmp/pool/hosts/host1/' });
  t.is(env.root, '/tmp/pool/hosts/host1');
  t.is(hostPath(env.root, '/dev/drbd/by-res/xcp-volume-x/0'), '/tmp/pool/hosts/host1/dev/drbd/by-res/xcp-volume-x/0');
  t.is(dom0Path(env.root, '/tmp/pool/hosts/host1/dev/drbd1000'), '/dev/drbd1000');
  t.is(env.xapiSocket, '/tmp/pool/hosts/host1/var/lib/xcp/xapi');
  t.throws(() => dom0Path(env.root, '/tmp/pool/hosts/host10/dev/x'), { instanceOf: HostEnvError });
  t.throws(() => hostPath(env.root, 'relative/path'), { instanceOf: HostEnvError });
});

test('fault points are honoured only under a non-production root', (t) => {
  t.is(readHostEnv({ LINSTOR_SR_FAULTS: 'x:throw' }).faults, undefined);
  t.is(readHostEnv({ LINSTOR_SR_ROOT: '/tmp/r', LINSTOR_SR_FAULTS: 'x:throw' }).faults, 'x:throw');
});

test('invalid values are refused with a clear error', (t) => {
  t.throws(() => readHostEnv({ LINSTOR_SR_TIME_SCALE: 'fast' }), { message: /TIME_SCALE/ });
  t.throws(() => readHostEnv({ LINSTOR_SR_GC: 'sometimes' }), { message: /LINSTOR_SR_GC/ });
  t.throws(() => readHostEnv({ LINSTOR_SR_ROOT: 'relative' }), { message: /absolute/ });
  t.is(readHostEnv({ LINSTOR_SR_TIME_SCALE: '0.01' }).timeScale, 0.01);
});
