import test from 'ava';
import { isApiCallRcList, parseLinstorJson, stringifyLinstorJson } from '../../../lib/linstor/json.js';
import { retCodeCode, retCodeType } from '../../../lib/linstor/ret-codes.js';

test('a 64-bit ret_code keeps every bit, where JSON.parse loses the code', (t) => {
  const text = '[{"ret_code":-4611686018406940171,"message":"A resource definition with the name \'r1\' already exists"}]';
  const [rc] = parseLinstorJson(text) as [{ ret_code: bigint }];
  t.is(rc.ret_code, -4611686018406940171n);
  t.is(retCodeCode(rc.ret_code), 501);
  t.is(retCodeType(rc.ret_code), 'error');
  // The reason for all this: the double nearest to the value has other low bits.
  const lossy = (JSON.parse(text) as [{ ret_code: number }])[0].ret_code;
  t.not(Number(BigInt.asUintN(64, BigInt(lossy)) & 0x7fffn), 501);
});

test('a "ret_code" inside a string is left alone, and spacing around the colon is allowed', (t) => {
  const text = '[{"message":"saw \\"ret_code\\": 12 in a log","ret_code" : 4611686018447583000, "details":"ret_code"}]';
  const [rc] = parseLinstorJson(text) as [{ ret_code: bigint; message: string; details: string }];
  t.is(rc.ret_code, 4611686018447583000n);
  t.is(rc.message, 'saw "ret_code": 12 in a log');
  t.is(rc.details, 'ret_code');
  t.is(retCodeType(rc.ret_code), 'info');
  t.is(retCodeCode(rc.ret_code), 10008);
});

test('bodies without ret_code parse as plain JSON', (t) => {
  t.deepEqual(parseLinstorJson('[{"name":"n1","props":{"a":"1"}}]'), [{ name: 'n1', props: { a: '1' } }]);
  t.throws(() => parseLinstorJson('<html>'), { instanceOf: SyntaxError });
});

test('stringify writes bigints as exact JSON integers and round-trips', (t) => {
  const value = [{ ret_code: -9223372036800771144n, message: 'x' }];
  const text = stringifyLinstorJson(value);
  t.is(text, '[{"ret_code":-9223372036800771144,"message":"x"}]');
  t.deepEqual(parseLinstorJson(text), value);
  t.true(isApiCallRcList(parseLinstorJson(text)));
  t.false(isApiCallRcList([{ name: 'n1' }]));
});
