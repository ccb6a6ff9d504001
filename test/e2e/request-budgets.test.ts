// LINSTOR requests per verb, counted by the simulator for the verb's own process (its User-Agent names
// its pid, so the pause fan-out's plugin calls and the other hosts' processes are not credited to it).
// The ceilings are today's counts: a change that makes a verb send more fails here, and a change that
// makes it send fewer lowers its ceiling.
import test from 'ava';
import { openVolumes } from '../../sim/fixtures/volumes.js';
import type { SrFixture } from '../../sim/fixtures/sr.js';
import { asVdiUuid } from '../../lib/volume/index.js';
import { createdSr, newVdi, runVerb } from './vdi-io.js';

const MiB = 1024 * 1024;

/** What the simulator counted for the last `name` run it recorded. */
function requestsOfLast(f: SrFixture, name: string): { total: number; sequence: string[] } {
  const run = f.pool.xapi.executions.findLast((e) => e.name === name);
  if (run?.pid === undefined) throw new Error(`no ${name} run recorded`);
  const counted = f.pool.runtime.controller.sim!.controls.countersOf(run.pid);
  if (counted.total === 0) throw new Error(`${name} (pid ${run.pid}) sent no request the simulator could attribute`);
  return counted;
}

// attach+activate of a VDI with one snapshot and one clone, on a host without a replica of its leaf.
const CEILINGS = { vdi_snapshot: 19, vdi_clone: 20, attachActivate: 11 };

test('vdi_snapshot, vdi_clone and attach+activate on a host without a replica send no more LINSTOR requests than today', async (t) => {
  const f = await createdSr(t, 3);
  const a = await newVdi(f, 64 * MiB);
  await f.xapi.vdi.snapshot(a.ref);
  const snapshot = requestsOfLast(f, 'vdi_snapshot');
  await f.xapi.vdi.clone(a.ref);
  const clone = requestsOfLast(f, 'vdi_clone');
  const volumes = await openVolumes(f);
  const replicas = (await volumes.sizes(asVdiUuid(a.uuid)))?.diskfulNodes ?? [];
  const host = ['host1', 'host2', 'host3'].find((h) => !replicas.some((n) => n.toLowerCase() === h));
  if (host === undefined) throw new Error(`every host holds a replica of ${a.uuid}`);
  await runVerb(f, host, 'vdi_attach', a.ref, ['true']);
  const attach = requestsOfLast(f, 'vdi_attach');
  await runVerb(f, host, 'vdi_activate', a.ref, ['true']);
  const activate = requestsOfLast(f, 'vdi_activate');
  const shown = (what: string, c: { total: number; sequence: string[] }) => `${what}: ${c.total} requests\n  ${c.sequence.join('\n  ')}`;
  t.log(`vdi_snapshot ${snapshot.total}, vdi_clone ${clone.total}, vdi_attach ${attach.total} + vdi_activate ${activate.total} on ${host}`);
  t.true(snapshot.total <= CEILINGS.vdi_snapshot, shown('vdi_snapshot', snapshot));
  t.true(clone.total <= CEILINGS.vdi_clone, shown('vdi_clone', clone));
  t.true(attach.total + activate.total <= CEILINGS.attachActivate, `${shown('vdi_attach', attach)}\n${shown('vdi_activate', activate)}`);
});
