import path from 'node:path';
import { PLATFORM } from './constants.js';

/**
 * Parent locator payloads as blktap encodes them: MacX is `file://<path>` in UTF-8, W2ku and W2ru are
 * the path in UTF-16LE with `/` turned into `\` (relative paths get a `.\` prefix). The header's parent
 * name is the parent's basename in UTF-16BE. Our locators hold the parent's dom0 path as given
 * (e.g. `/dev/drbd/by-res/<rd>/0`), which is what crosses host boundaries (DESIGN.md "Host paths").
 */

/** Encodes `parentPath` for locator `code`. */
export function encodeLocator(code: number, parentPath: string): Buffer {
  if (code === PLATFORM.macx) return Buffer.from(`file://${parentPath}`, 'utf8');
  let text = parentPath;
  if (!text.startsWith('/')) text = `.\\${text.startsWith('./') ? text.slice(2) : text}`;
  return Buffer.from(text.replace(/\//g, '\\'), 'utf16le');
}

/** Decodes a locator payload back to a path, or undefined when it is not one blktap can read. */
export function decodeLocator(code: number, data: Buffer): string | undefined {
  if (code === PLATFORM.macx) {
    const text = data.toString('utf8');
    return text.startsWith('file://') ? text.slice('file://'.length) : undefined;
  }
  if (code === PLATFORM.w2ku || code === PLATFORM.w2ru) {
    let text = data.toString('utf16le').replace(/\\/g, '/');
    if (/^[cC]:/.test(text)) text = text.slice(2);
    return text;
  }
  return undefined;
}

/** The 512-byte parent unicode name field: the basename of the parent, UTF-16BE, zero-padded. */
export function encodeParentName(parentPath: string): Buffer {
  const out = Buffer.alloc(512);
  const le = Buffer.from(path.posix.basename(parentPath), 'utf16le');
  for (let i = 0; i + 1 < le.length && i + 1 < 512; i += 2) {
    out[i] = le[i + 1] ?? 0;
    out[i + 1] = le[i] ?? 0;
  }
  return out;
}

/** Decodes the parent unicode name field (UTF-16BE, up to the first NUL). */
export function decodeParentName(field: Buffer): string {
  let s = '';
  for (let i = 0; i + 1 < field.length; i += 2) {
    const c = ((field[i] ?? 0) << 8) | (field[i + 1] ?? 0);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Resolves a decoded locator path against the child's dom0 path (blktap: relative to the child's directory). */
export function resolveParentPath(childDom0Path: string, locatorPath: string): string {
  if (locatorPath.startsWith('/')) return locatorPath;
  return path.posix.normalize(path.posix.join(path.posix.dirname(childDom0Path), locatorPath));
}
