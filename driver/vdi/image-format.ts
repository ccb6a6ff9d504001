/**
 * Image formats (spec/sm-changes-2026.md §5.2, §5.3): the names sm uses in a VDI's sm-config
 * `image-format` (legacy key `type`) and in the SR's device-config `preferred-image-formats`, and the
 * internal VDI type each maps to. sm knows three formats; a LINSTOR SR stores RAW and VHD only, so QCOW2
 * is known but refused, and an SR that prefers nothing it can store falls back to VHD.
 */
import { SrError } from '../../lib/smapi/sr-error.js';
import type { VdiType } from './sizes.js';

/** The formats sm knows, by their sm-config names. */
const KNOWN_IMAGE_FORMATS: ReadonlySet<string> = new Set(['raw', 'vhd', 'qcow2']);

/** The formats a LINSTOR SR stores. */
export type ImageFormat = 'raw' | 'vhd';

const SUPPORTED_IMAGE_FORMATS: readonly ImageFormat[] = ['raw', 'vhd'];

/** What an SR prefers when its device-config names no format it can store. */
export const DEFAULT_PREFERRED_IMAGE_FORMATS: readonly ImageFormat[] = ['vhd'];

function isSupported(name: string): name is ImageFormat {
  return (SUPPORTED_IMAGE_FORMATS as readonly string[]).includes(name);
}

/**
 * device-config `preferred-image-formats`, as sm's `parseImageFormats` and `_init_image_formats` read it:
 * a comma list, entries trimmed, duplicates and anything this SR cannot store dropped without a word
 * (case matters: `VHD` is not `vhd`); nothing left, or the key absent or empty → [vhd].
 */
export function parsePreferredImageFormats(text: string | undefined): readonly ImageFormat[] {
  const out: ImageFormat[] = [];
  for (const entry of (text ?? '').split(',')) {
    const name = entry.trim();
    if (isSupported(name) && !out.includes(name)) out.push(name);
  }
  return out.length > 0 ? out : DEFAULT_PREFERRED_IMAGE_FORMATS;
}

/**
 * The format a vdi_create asks for: sm-config `image-format`, else the legacy `type` (an empty value
 * counts as absent), else the SR's first preferred format. A name sm does not know, or one it knows but
 * a LINSTOR SR cannot store (qcow2), is VDIType (66) with sm's exact text.
 */
export function requestedImageFormat(vdiSmConfig: Readonly<Record<string, string>>, preferred: readonly ImageFormat[]): ImageFormat {
  const given = vdiSmConfig['image-format'] || vdiSmConfig['type'];
  if (given === undefined || given === '') return preferred[0] ?? 'vhd';
  if (!KNOWN_IMAGE_FORMATS.has(given)) throw new SrError('VDIType', `Unknown image format \`${given}\``);
  if (!isSupported(given)) throw new SrError('VDIType', `Unsupported image format \`${given}\``);
  return given;
}

/** The internal VDI type (KV metadata and sm-config `vdi_type`) of a format: RAW is `aio`. */
export function vdiTypeOfImageFormat(format: ImageFormat): VdiType {
  return format === 'raw' ? 'aio' : 'vhd';
}

/** The sm-config `image-format` of a VDI type. */
export function imageFormatOfVdiType(type: VdiType): ImageFormat {
  return type === 'aio' ? 'raw' : 'vhd';
}
