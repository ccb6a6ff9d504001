// The image format vdi_create asks for, and how its answers map to the VDI types the driver stores.
import test from 'ava';
import { imageFormatOfVdiType, requestedImageFormat, vdiTypeOfImageFormat, type ImageFormat } from '../../../driver/vdi/image-format.js';
import { SrError } from '../../../lib/smapi/sr-error.js';

const chosen = test.macro({
  exec(t, smConfig: Record<string, string>, preferred: ImageFormat[], expected: ImageFormat) {
    t.is(requestedImageFormat(smConfig, preferred), expected);
  },
  title: (_, smConfig: Record<string, string>, preferred: ImageFormat[], expected: ImageFormat) =>
    `sm-config ${JSON.stringify(smConfig)}, preferred [${preferred.join(', ')}] → ${expected}`,
});
test(chosen, { 'image-format': 'raw' }, ['vhd'], 'raw');
test(chosen, { 'image-format': 'vhd' }, ['raw'], 'vhd');
test(chosen, { type: 'raw' }, ['vhd'], 'raw');
test(chosen, { type: 'vhd' }, ['raw'], 'vhd');
test(chosen, { 'image-format': 'vhd', type: 'raw' }, ['raw'], 'vhd');
test(chosen, { 'image-format': '', type: 'raw' }, ['vhd'], 'raw');
test(chosen, {}, ['vhd'], 'vhd');
test(chosen, {}, ['raw', 'vhd'], 'raw');
test(chosen, { type: '' }, ['raw'], 'raw');

const refused = test.macro({
  exec(t, smConfig: Record<string, string>, faultString: string) {
    const e = t.throws(() => requestedImageFormat(smConfig, ['vhd']), { instanceOf: SrError });
    t.is(e?.code, 'VDIType');
    t.is(e?.faultCode, 66);
    t.is(e?.faultString, faultString);
  },
  title: (_, smConfig: Record<string, string>) => `refused: sm-config ${JSON.stringify(smConfig)}`,
});
test(refused, { 'image-format': 'vhdx' }, 'Invalid VDI type [opterr=Unknown image format `vhdx`]');
test(refused, { type: 'aio' }, 'Invalid VDI type [opterr=Unknown image format `aio`]');
test(refused, { 'image-format': 'RAW' }, 'Invalid VDI type [opterr=Unknown image format `RAW`]');
test(refused, { 'image-format': 'qcow2' }, 'Invalid VDI type [opterr=Unsupported image format `qcow2`]');
test(refused, { type: 'qcow2' }, 'Invalid VDI type [opterr=Unsupported image format `qcow2`]');
test(refused, { 'image-format': 'qcow2', type: 'raw' }, 'Invalid VDI type [opterr=Unsupported image format `qcow2`]');

test('RAW is stored as type aio, VHD as vhd, and back', (t) => {
  t.is(vdiTypeOfImageFormat('raw'), 'aio');
  t.is(vdiTypeOfImageFormat('vhd'), 'vhd');
  t.is(imageFormatOfVdiType('aio'), 'raw');
  t.is(imageFormatOfVdiType('vhd'), 'vhd');
});
