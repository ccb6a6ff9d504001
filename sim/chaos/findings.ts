/**
 * What a check can find wrong, and the class each kind counts in for the summary line: data lost,
 * data corrupted, objects leaked (storage nobody can reach or that should be gone), objects forgotten
 * (storage XAPI no longer knows), state left behind (journal, pause), or a recovery that failed.
 */

export const FINDING_CLASS = {
  'lost-write': 'lost',
  'lost-vdi': 'lost',
  'unreadable-vdi': 'lost',
  'ghost-vdi': 'lost',
  'corrupted-snapshot': 'corrupted',
  'corrupted-data': 'corrupted',
  'wrong-size': 'corrupted',
  'leaked-vdi': 'leaked',
  'resurrected-vdi': 'leaked',
  'garbage-left': 'leaked',
  'leaked-resource': 'leaked',
  'deleted-left': 'leaked',
  'forgotten-volume': 'forgotten',
  'forgotten-vdi': 'forgotten',
  'missing-resource': 'forgotten',
  'journal-left': 'left-behind',
  'paused-left': 'left-behind',
  'volume-state-left': 'left-behind',
  'recovery-failed': 'recovery',
} as const;

export type FindingKind = keyof typeof FINDING_CLASS;
export type FindingClass = (typeof FINDING_CLASS)[FindingKind];

export type Finding = {
  readonly kind: FindingKind;
  /** The VDI (or volume, resource, key) it is about. */
  readonly subject: string;
  readonly detail: string;
  /** Which check found it (1-based; 0 for an op's own read). */
  readonly check: number;
};

/** `kind subject: detail`. */
export function formatFinding(f: Finding): string {
  return `${f.kind} ${f.subject}: ${f.detail}`;
}
