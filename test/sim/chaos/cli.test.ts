import test from 'ava';
import { extraOptions, parseChaosArgs } from '../../../sim/chaos/cli.js';
import { DEFAULT_OPTIONS } from '../../../sim/chaos/context.js';
import { OP_WEIGHTS } from '../../../sim/chaos/op-mix.js';
import { replayLine } from '../../../sim/chaos/summary.js';

test('the command line gives the soak its options, defaults for the rest', (t) => {
  const o = parseChaosArgs(['--seed', '7', '--ops', '40', '--concurrency', '2', '--check-every', '10', '--faults', 'driver-kill,plugin-kill', '--points', 'clone:after-unpause']);
  t.like(o, { seed: 7, ops: 40, concurrency: 2, checkEvery: 10, faultRate: DEFAULT_OPTIONS.faultRate, timeScale: DEFAULT_OPTIONS.timeScale, keep: false });
  t.deepEqual(o.faultKinds, ['driver-kill', 'plugin-kill']);
  t.deepEqual(o.points, ['clone:after-unpause']);
});

test('--weights changes the op mix over the default one, and the replay line repeats it', (t) => {
  const o = parseChaosArgs(['--seed', '7', '--weights', 'gc=30,scan=0']);
  t.deepEqual(o.opWeights, { ...OP_WEIGHTS, gc: 30, scan: 0 });
  t.is(parseChaosArgs([]).opWeights, undefined);
  t.is(extraOptions(o), '--weights gc=30,scan=0');
  t.throws(() => parseChaosArgs(['--weights', 'meteor=3']), { message: /--weights: meteor=3/ });
  t.throws(() => parseChaosArgs(['--weights', 'gc=-1']), { message: /--weights: gc=-1/ });
  t.throws(() => parseChaosArgs(['--weights', 'gc']), { message: /--weights: gc/ });
  const zero = Object.keys(OP_WEIGHTS).map((k) => `${k}=0`).join(',');
  t.throws(() => parseChaosArgs(['--weights', zero]), { message: /every op weighs 0/ });
});

test('--until-fired sets the fault goal that ends a run early, and the replay line repeats it', (t) => {
  const o = parseChaosArgs(['--seed', '7', '--until-fired', '300']);
  t.is(o.untilFired, 300);
  t.is(extraOptions(o), '--until-fired 300');
  t.is(parseChaosArgs([]).untilFired, undefined);
  t.throws(() => parseChaosArgs(['--until-fired', '0']), { message: /--until-fired/ });
  t.throws(() => parseChaosArgs(['--until-fired', '2.5']), { message: /--until-fired/ });
});

test('bad values are refused', (t) => {
  t.throws(() => parseChaosArgs(['--ops', '0']), { message: /--ops/ });
  t.throws(() => parseChaosArgs(['--faults', 'meteor']), { message: /--faults: meteor/ });
  t.throws(() => parseChaosArgs(['--fault-rate', '2']), { message: /--fault-rate/ });
});

test('the replay line repeats the run', (t) => {
  t.is(replayLine({ seed: 3, ops: 9, concurrency: 2, checkEvery: 0 }), 'replay: node dist/xostor-sim chaos --seed 3 --ops 9 --concurrency 2 --check-every 0 --dir <dir>');
});
