import test from 'ava';
import { MASK_CRT, MASK_DEL, MASK_MOD, OBJ, RC, isErrorCode, makeRetCode, retCodeCode, retCodeType } from '../../../lib/linstor/ret-codes.js';

// The worked values of linstor-rest.md §2.3, as the server emits them.
const table: [string, bigint, bigint][] = [
  ['node created', makeRetCode('success', RC.CREATED, MASK_CRT, OBJ.NODE), 20709377n],
  ['rsc-dfn modified', makeRetCode('success', RC.MODIFIED, MASK_MOD, OBJ.RSC_DFN), 37224451n],
  ['rsc-dfn deleted', makeRetCode('success', RC.DELETED, MASK_DEL, OBJ.RSC_DFN), 54001666n],
  ['KVS modified', makeRetCode('success', RC.MODIFIED, MASK_MOD, OBJ.CTRL_CONF), 34603011n],
  ['rsc-dfn exists', makeRetCode('error', RC.FAIL_EXISTS_RSC_DFN, MASK_CRT, OBJ.RSC_DFN), -4611686018406940171n],
  ['rsc-grp exists', makeRetCode('error', RC.FAIL_EXISTS_RSC_GRP, MASK_CRT, OBJ.RSC_GRP), -4611686018406153718n],
  ['GET rd 404', makeRetCode('error', RC.FAIL_NOT_FOUND_RSC_DFN), -4611686018427387603n],
  ['not enough nodes', makeRetCode('error', RC.FAIL_NOT_ENOUGH_NODES, MASK_CRT, OBJ.RSC), -4611686018407201820n],
  ['delete missing RD', makeRetCode('warning', RC.WARN_NOT_FOUND, MASK_DEL, OBJ.RSC_DFN), -9223372036800771144n],
  ['autoplace satisfied', makeRetCode('warning', RC.WARN_RSC_ALREADY_DEPLOYED, MASK_CRT, OBJ.RSC), -9223372036834589714n],
  ['create existing resource', makeRetCode('info', RC.INFO_RSC_ALREADY_EXISTS, MASK_CRT, OBJ.RSC), 4611686018447583000n],
];

for (const [what, built, expected] of table) {
  test(`ret_code of "${what}" matches the server's value`, (t) => {
    t.is(built, expected);
  });
}

test('type and code are read from the bits, and errors are never warnings', (t) => {
  t.is(retCodeType(-4611686018406940171n), 'error');
  t.is(retCodeType(-9223372036800771144n), 'warning');
  t.is(retCodeType(4611686018447583000n), 'info');
  t.is(retCodeType(20709377n), 'success');
  t.is(retCodeCode(-9223372036800771144n), 3000);
  t.true(isErrorCode(-4611686018406940171n, RC.FAIL_EXISTS_RSC_DFN));
  // The Python client's bit-superset test would also match 503 here; exact comparison does not.
  t.false(isErrorCode(makeRetCode('error', RC.FAIL_EXISTS_VLM_DFN), RC.FAIL_EXISTS_RSC_DFN));
  t.false(isErrorCode(-9223372036800771144n, RC.WARN_NOT_FOUND));
});
