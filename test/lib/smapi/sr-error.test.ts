import test from 'ava';
import { SR_ERROR_CODES } from '../../../lib/smapi/error-codes.generated.js';
import { SrError, srErrorNameOf } from '../../../lib/smapi/sr-error.js';

test('the table has the 186 codes of upstream and XCP-ng sm, no value twice', (t) => {
  const values = Object.values(SR_ERROR_CODES).map((c) => c.value);
  t.is(values.length, 186);
  t.is(new Set(values).size, 186);
});

const code = test.macro({
  exec(t, name: keyof typeof SR_ERROR_CODES, value: number, description: string) {
    t.deepEqual(SR_ERROR_CODES[name], { value, description });
  },
  title: (_g, name: string, value: number) => `${name} is ${value}`,
});
test(code, 'InvalidArg', 1, 'Invalid argument');
test(code, 'SRInUse', 16, 'The SR device is currently in use');
test(code, 'VDIInUse', 24, 'The VDI is currently in use');
test(code, 'Unimplemented', 38, 'The requested method is not supported/implemented');
test(code, 'SRNotEmpty', 39, 'The SR is not empty');
test(code, 'SRNoSpace', 44, 'There is insufficient space');
test(code, 'VDIUnavailable', 46, 'The VDI is not available');
test(code, 'SRUnavailable', 47, 'The SR is not available');
test(code, 'VDISize', 79, 'VDI Invalid size');
test(code, 'VDIDelete', 80, 'Failed to mark VDI hidden');
test(code, 'SnapshotChainTooLong', 109, 'The snapshot chain is too long');
test(code, 'BadRequest', 143, 'Failed to parse the request');
test(code, 'VDIMissing', 144, 'VDI could not be found');
test(code, 'SMGeneral', 202, 'General backend error');
test(code, 'IllegalXMLChar', 447, 'Illegal XML character.');
test(code, 'GenericException', 1200, 'SM has thrown a generic python exception');
test(code, 'LinstorMaster', 5002, 'Linstor request must come from master');
test(code, 'LinstorConfigGroupNameMissing', 5004, 'The request is missing the LINSTOR group name parameter');
test(code, 'LinstorConfigRedundancyMissing', 5005, 'The request is missing the LINSTOR redundancy parameter');
test(code, 'LinstorSRCreate', 5006, 'LINSTOR SR creation error');
test(code, 'LinstorSRDelete', 5007, 'LINSTOR SR delete error');

test('fault strings have SM shape: description, then [opterr=…] when given', (t) => {
  t.is(new SrError('VDIUnavailable').faultString, 'The VDI is not available');
  t.is(new SrError('VDIUnavailable', '').faultString, 'The VDI is not available');
  const e = new SrError('VDIUnavailable', 'backing volume vol-7 not found');
  t.deepEqual(e.toFault(), { faultCode: 46, faultString: 'The VDI is not available [opterr=backing volume vol-7 not found]' });
});

test('codes can be read back by value', (t) => {
  t.is(srErrorNameOf(5002), 'LinstorMaster');
  t.is(srErrorNameOf(99999), undefined);
});
