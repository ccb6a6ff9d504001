import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createXapi } from '../../../lib/xapi/index.js';
import { XapiSimulator } from '../../../sim/xapi/simulator.js';
import { ROOT } from '../../helpers/run-built.js';

const dist = path.join(ROOT, 'dist');

test('by default the simulator registers the built LinstorSR (sr_get_driver_info) and routes linstor-manager to the built plugin', async (t) => {
  if (!existsSync(path.join(dist, 'LinstorSR')) || !existsSync(path.join(dist, 'linstor-manager'))) {
    t.fail('dist/ is missing: run npm run build');
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'xapi-built-'));
  const sim = new XapiSimulator({
    hosts: [
      { name: 'host1', uuid: '00000000-0000-4000-8000-0000000000b1', address: '127.0.0.1', root: path.join(dir, 'host1') },
      { name: 'host2', uuid: '00000000-0000-4000-8000-0000000000b2', address: '127.0.0.2', root: path.join(dir, 'host2') },
    ],
    distDir: dist, tcpPort: false, env: { LINSTOR_SR_LOG_FILE: path.join(dir, 'SMlog') },
  });
  t.teardown(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await sim.start();
  const [info] = sim.executions;
  t.like(info, { kind: 'driver', name: 'sr_get_driver_info', host: 'host1', outcome: { kind: 'ok' } });
  t.is(info?.argv[0], path.join(dist, 'LinstorSR'));
  const xapi = createXapi({ endpoint: { socketPath: sim.host('host2').socketPath } });
  await xapi.client.loginWithPassword('root', '');
  const [sm] = Object.values(await xapi.sm.byType('linstor'));
  t.like(sm, { name_label: 'LINSTOR resources on XCP-ng', vendor: 'Vates' });
  t.true(sm?.capabilities.includes('VDI_ACTIVATE'));
  t.deepEqual({ ...sm?.configuration }['group-name'], 'LVM group name');
  const error = await t.throwsAsync(xapi.host.callPlugin(sim.host('host2').ref, 'linstor-manager', 'noSuchFunction', {}));
  t.like(error, { code: 'UNKNOWN_XENAPI_PLUGIN_FUNCTION', params: ['noSuchFunction'] });
  t.like(sim.executions.at(-1), { kind: 'plugin', host: 'host2', argv: [path.join(dist, 'linstor-manager'), sim.executions.at(-1)?.argv[1]] });
});
