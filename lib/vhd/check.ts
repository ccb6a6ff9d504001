/**
 * check (vhd-util check) and repair (vhd-util repair).
 * check validates, in order: the end footer (unless `ignoreMissingFooter`), that it matches the copy at
 * 0, the header, the batmap, every BAT entry (inside the container, after the metadata, no two blocks
 * overlapping) and the parent locators; unless `fast`, also each batmap bit against its block bitmap.
 * repair restores a damaged end footer from the copy at offset 0 (only when the copy is valid).
 */
import { BLOCK_UNUSED, FOOTER_SIZE, SECTORS_PER_BLOCK } from './constants.js';
import type { ContainerOption, VhdContext } from './container.js';
import { VhdError, VhdFormatError } from './errors.js';
import { encodeFooter, parseFooter } from './footer.js';
import { allSet, testBit } from './bitmap.js';
import { VhdImage } from './vhd-image.js';

/** Outcome of check: ok, or the precise reason. */
export type CheckResult = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly error: VhdError };

/** Options of checkVhd. */
export type CheckOptions = { readonly ignoreMissingFooter?: boolean; readonly fast?: boolean; readonly container?: ContainerOption };

/** Structural validation; never throws for a damaged image, only for I/O errors on opening. */
export async function checkVhd(ctx: VhdContext, p: string, options: CheckOptions = {}): Promise<CheckResult> {
  let image: VhdImage | undefined;
  try {
    image = await VhdImage.open(ctx, p, { container: options.container ?? 'auto' });
    await checkImage(image, options);
    return { ok: true };
  } catch (error) {
    if (error instanceof VhdError && error.name !== 'VhdNotFoundError') return { ok: false, reason: error.message, error };
    throw error;
  } finally {
    await image?.close();
  }
}

async function checkImage(image: VhdImage, options: CheckOptions): Promise<void> {
  const c = image.container;
  if (image.footerSource === 'copy' && !options.ignoreMissingFooter) {
    parseFooter(await c.read(c.size - FOOTER_SIZE, FOOTER_SIZE), c.path);
  }
  if (image.footerSource === 'end') {
    const end = await c.read(c.size - FOOTER_SIZE, FOOTER_SIZE);
    const copy = await c.read(0, FOOTER_SIZE);
    if (!end.equals(copy)) {
      const reason = (() => {
        try {
          parseFooter(copy, c.path);
          return 'a different footer';
        } catch (error) {
          return (error as Error).message;
        }
      })();
      throw new VhdFormatError('footer copy at offset 0', 'identical to the end footer', reason, { path: c.path });
    }
  }
  const bat = await image.bat();
  const sorted = [...bat.entries()].filter(([, e]) => e !== BLOCK_UNUSED).sort((a, b) => a[1] - b[1]);
  for (let i = 1; i < sorted.length; i += 1) {
    const [pb, pe] = sorted[i - 1] ?? [0, 0];
    const [b, e] = sorted[i] ?? [0, 0];
    if (e < pe + 1 + SECTORS_PER_BLOCK) throw new VhdFormatError(`BAT entry ${b}`, `no overlap with block ${pb} (sectors ${pe}..${pe + SECTORS_PER_BLOCK})`, `sector ${e}`, { path: c.path });
  }
  if (image.isDifferencing) await image.parentPath();
  if (!options.fast && image.batmap) {
    for (let b = 0; b < bat.length; b += 1) {
      const allocated = bat[b] !== BLOCK_UNUSED;
      const bit = testBit(image.batmap.map, b);
      if (bit && (!allocated || !allSet(await image.bitmap(b), SECTORS_PER_BLOCK))) {
        throw new VhdFormatError(`batmap bit ${b}`, 'set only for a fully allocated block', 'set', { path: c.path });
      }
    }
  }
}

/** Rewrites the end footer from the valid copy at offset 0 (vhd-util repair). Returns whether it changed anything. */
export async function repairVhd(ctx: VhdContext, p: string, options: { readonly container?: ContainerOption } = {}): Promise<boolean> {
  const image = await VhdImage.open(ctx, p, { writable: true, container: options.container ?? 'auto' });
  try {
    const c = image.container;
    const copy = await c.read(0, FOOTER_SIZE);
    parseFooter(copy, p);
    const at = await image.endFooterOffset();
    const current = await c.read(at, FOOTER_SIZE);
    if (image.footerSource === 'end' && current.equals(copy)) return false;
    await image.bat(); // a BAT past the end is not something a footer rewrite can fix
    image.footer = parseFooter(copy, p);
    await c.write(at, encodeFooter(image.footer));
    if (c.kind === 'plain' && c.size > at + FOOTER_SIZE) await c.truncate(at + FOOTER_SIZE);
    return true;
  } finally {
    await image.close();
  }
}
