import test from 'ava';
import { decodeOpenersAnswer, encodeOpenersAnswer, parseOpeners } from '../../../lib/drbd/index.js';

test('the getDrbdOpeners answer: keyed by pid, the process name and open duration as the file has them', (t) => {
  const answer = encodeOpenersAnswer(parseOpeners('tapdisk 4242 1000\ndd 77 5\n'));
  t.deepEqual(JSON.parse(answer), { 4242: { 'process-name': 'tapdisk', 'open-duration': '1000' }, 77: { 'process-name': 'dd', 'open-duration': '5' } });
  t.is(encodeOpenersAnswer([]), '{}');
  t.deepEqual(JSON.parse(encodeOpenersAnswer(parseOpeners('tapdisk 1 10\ntapdisk 1 20\n'))), { 1: { 'process-name': 'tapdisk', 'open-duration': '20' } }, 'a pid listed twice: its last line');
});

test('decoding an answer: pid and process name; an empty answer lists none, a missing name is ?', (t) => {
  t.deepEqual(decodeOpenersAnswer(encodeOpenersAnswer(parseOpeners('tapdisk 4242 1000\n'))), [{ pid: '4242', process: 'tapdisk' }]);
  t.deepEqual(decodeOpenersAnswer(''), []);
  t.deepEqual(decodeOpenersAnswer('{}'), []);
  t.deepEqual(decodeOpenersAnswer('{"9": {"open-duration": "3"}}'), [{ pid: '9', process: '?' }]);
  t.throws(() => decodeOpenersAnswer('not json'), { instanceOf: SyntaxError });
});
