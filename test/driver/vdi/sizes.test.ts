// sm's size rule for new and resized VDIs, RAW and VHD alike: VDISize out of range, else 2 MiB steps.
import test from 'ava';
import { validateAndRoundSize } from '../../../driver/vdi/sizes.js';
import { SrError } from '../../../lib/smapi/sr-error.js';

const MIB = 1024 * 1024;

const rounded = test.macro({
  exec(t, given: number, expected: number) {
    t.is(validateAndRoundSize(given), expected);
  },
  title: (_, given: number, expected: number) => `${given} bytes → ${expected} bytes`,
});
test(rounded, 0, 2 * MIB);
test(rounded, 1, 2 * MIB);
test(rounded, 2 * MIB, 2 * MIB);
test(rounded, 2 * MIB + 1, 4 * MIB);
test(rounded, 2040 * 1024 * MIB, 2040 * 1024 * MIB);

const refused = test.macro({
  exec(t, given: number) {
    const e = t.throws(() => validateAndRoundSize(given), { instanceOf: SrError });
    t.is(e?.faultCode, 79);
    t.is(e?.faultString, 'VDI Invalid size [opterr=VDI size must be between 1 MB and 2088960 MB]');
  },
  title: (_, given: number) => `refused: ${given} bytes`,
});
test(refused, -1);
test(refused, 2040 * 1024 * MIB + 1);
test(refused, 1.5);
test(refused, Number.MAX_SAFE_INTEGER + 2);
