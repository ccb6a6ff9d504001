/** The fault points of a revert's second half, in the order it crosses them. */
export const REVERT_POINTS = {
  afterEntry: 'revert:after-entry',
  beforeCommit: 'revert:before-commit',
  afterCommit: 'revert:after-commit',
  afterRename: 'revert:after-rename',
  afterXapi: 'revert:after-xapi',
} as const;
