import test from 'ava';
import { execa } from 'execa';
import { faultPoint, InjectedFaultError, parseFaults, resetFaultCounts } from '../../../lib/host/faults.js';

test('a spec parses into points and counted patterns; unknown actions are ignored', (t) => {
  t.deepEqual([...parseFaults('a:b:throw, gc:*#2:kill,x:explode,:kill')], [['a:b', 'throw'], ['gc:*#2', 'kill']]);
  t.is(parseFaults(undefined).size, 0);
});

test('a named point throws only where it is armed', (t) => {
  t.notThrows(() => faultPoint(undefined, 'p:one'));
  t.notThrows(() => faultPoint('p:two:throw', 'p:one'));
  const e = t.throws(() => faultPoint('p:two:throw', 'p:two'), { instanceOf: InjectedFaultError });
  t.is(e?.message, 'injected fault at p:two');
});

test('a counted pattern stops at the n-th point crossed with its prefix, and only there', (t) => {
  const spec = 'q:*#3:throw';
  t.notThrows(() => faultPoint(spec, 'q:a'));
  t.notThrows(() => faultPoint(spec, 'other:x'), 'a point of another prefix is not counted');
  t.notThrows(() => faultPoint(spec, 'q:b'));
  t.throws(() => faultPoint(spec, 'q:c'), { message: 'injected fault at q:c' });
  t.notThrows(() => faultPoint(spec, 'q:d'), 'once only');
});

test('after resetFaultCounts a counted pattern counts from the start again, as in a new process', (t) => {
  const spec = 'r:*#2:throw';
  t.notThrows(() => faultPoint(spec, 'r:a'));
  t.throws(() => faultPoint(spec, 'r:b'));
  t.notThrows(() => faultPoint(spec, 'r:c'), 'spent in this process');
  resetFaultCounts();
  t.notThrows(() => faultPoint(spec, 'r:a'));
  t.throws(() => faultPoint(spec, 'r:b'), { message: 'injected fault at r:b' });
});

test('a killed process says where on stderr before it dies', async (t) => {
  const code = `import('${new URL('../../../lib/host/faults.js', import.meta.url).href}').then(({ faultPoint }) => { faultPoint('*#2:kill', 'a:one'); faultPoint('*#2:kill', 'b:two'); console.log('survived'); })`;
  const r = await execa(process.execPath, ['--import=tsx', '-e', code], { reject: false });
  t.is(r.signal, 'SIGKILL');
  t.is(r.stdout, '');
  t.is(r.stderr.trim(), 'injected kill at b:two');
});
