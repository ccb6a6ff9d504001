import test from 'ava';
import { codeName, HEALTH_CODES, severityOf } from '../../../lib/health/report.js';

// The values Xen Orchestra and scripts match on: the Python plugin's, never to change.
const PYTHON_CODES = {
  GENERIC_UNEXPECTED: 0x2010000,
  GENERIC_LINSTOR_UNREACHABLE: 0x2010001,
  NODE_NOT_ONLINE: 0x1020000,
  STORAGE_POOL_UNKNOWN_FREE_SIZE: 0x2030000,
  STORAGE_POOL_UNKNOWN_CAPACITY: 0x2030001,
  STORAGE_POOL_LOW_FREE_SIZE: 0x1030002,
  VOLUME_UNKNOWN_STATE: 0x1040000,
  VOLUME_INVALID_STATE: 0x2040001,
  VOLUME_WRONG_DISKLESS_STATE: 0x1040002,
  VOLUME_INTERNAL_UNVERIFIED_STATE: 0x1040003,
};

test('the codes and their names are the Python plugin’s', (t) => {
  t.deepEqual({ ...HEALTH_CODES }, PYTHON_CODES);
  for (const [name, code] of Object.entries(PYTHON_CODES)) t.is(codeName(code), name);
});

test('a code that is not one of them is named in hex', (t) => {
  t.is(codeName(0x1040004), '0x1040004');
  t.is(codeName(0), '0x0');
});

test('severity from the level bits: warning, error, and an unknown level as an error', (t) => {
  t.is(severityOf(HEALTH_CODES.NODE_NOT_ONLINE), 'warning');
  t.is(severityOf(HEALTH_CODES.VOLUME_INVALID_STATE), 'error');
  t.is(severityOf(0x1ff0003), 'warning', 'any subject and value at the warning level');
  t.is(severityOf(0x0040000), 'error', 'no level');
  t.is(severityOf(0x3040000), 'error', 'both level bits');
  t.is(severityOf(0x4040000), 'error', 'a level above error');
  t.is(severityOf(0x5040000), 'error', 'the warning bit with a higher one');
  t.is(severityOf(0x9040000), 'warning', 'bits above the level field do not change it');
});
