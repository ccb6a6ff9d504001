/**
 * Journal entry types and their value formats (spec/sm-linstor.md §5), as the Python driver and GC
 * write and read them. Values are strings in the KV; these helpers give them types.
 */
import { JournalFormatError } from './errors.js';

/** Every entry type the Python driver and GC use, in the order the SR undoes them (inflate, then clone). */
export const JOURNAL_TYPES = ['inflate', 'clone', 'zero', 'leaf', 'coalesce', 'relink'] as const;

/**
 * Ours, beside Python's types: `unreturned/<result vdi>` = the snapshotted VDI, written at a double
 * snapshot's or clone's commit point in place of `clone/<vdi>` and removed just before the verb answers.
 * One left behind means the verb never answered (it died past its commit): xapi reported a failure, so
 * the recovery drops the result VDI (the chain stays). Python's driver ignores the type; its
 * `has_entries` only keeps the result VDI from being attached meanwhile.
 */
export const UNRETURNED = 'unreturned';
/**
 * Ours too: `revert/<reverted vdi>` = the leaf that takes its place (a clone of the snapshot with no XAPI
 * record), written in place of that clone's `unreturned/` entry. While both volumes exist the revert is
 * not committed and the recovery drops the leaf; once the reverted VDI's volume is renamed aside, the
 * recovery finishes it. Python's driver ignores the type; `has_entries` keeps the VDI from being attached.
 */
export const REVERT = 'revert';
/** One of {@link JOURNAL_TYPES}. */
export type JournalType = (typeof JOURNAL_TYPES)[number];

/** True when `type` is a known entry type. */
export function isJournalType(type: string): type is JournalType {
  return (JOURNAL_TYPES as readonly string[]).includes(type);
}

/** `clone/<active vdi>`: the base copy and the snapshot (absent for a single clone). */
export type CloneEntry = { readonly baseUuid: string; readonly snapUuid: string | undefined };

/** `"<base uuid>_<snap uuid or None>"`: Python writes the literal `None` when there is no snapshot. */
export function formatCloneEntry(entry: CloneEntry): string {
  return `${entry.baseUuid}_${entry.snapUuid ?? 'None'}`;
}

/** Reads a clone value; `None` (and an empty snapshot part) mean no snapshot. */
export function parseCloneEntry(value: string): CloneEntry {
  const cut = value.indexOf('_');
  if (cut <= 0) throw new JournalFormatError(`clone journal value is not "<base>_<snap>": ${JSON.stringify(value)}`);
  const snap = value.slice(cut + 1);
  return { baseUuid: value.slice(0, cut), snapUuid: snap === '' || snap === 'None' ? undefined : snap };
}

/** `inflate/<vdi>` (old volume size) and `zero/<vdi>` (offset): Python's `str(int)`. */
export function formatSizeEntry(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new JournalFormatError(`not a byte count: ${bytes}`);
  return String(bytes);
}

/** Reads an `inflate` or `zero` value (Python also accepted `str(long)` with an `L` on Python 2). */
export function parseSizeEntry(value: string): number {
  const match = /^\s*(\d+)L?\s*$/.exec(value);
  const bytes = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isSafeInteger(bytes)) throw new JournalFormatError(`journal value is not a byte count: ${JSON.stringify(value)}`);
  return bytes;
}

/** The value of `coalesce/<vdi>` and `relink/<vdi>` entries. */
export const FLAG_ENTRY = '1';
