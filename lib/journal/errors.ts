/** The `JournalError` family (STYLE.md §6.4): what `lib/journal` throws, with the LINSTOR error in `cause`. */

/** Base of every journal error. */
export class JournalError extends Error {
  override name = 'JournalError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
  }
}

/** An entry `<type>/<id>` already exists (sm: "Journal transaction already exists"). */
export class JournalConflictError extends JournalError {
  override name = 'JournalConflictError';
  constructor(
    readonly type: string,
    readonly id: string,
  ) {
    super(`journal entry ${type}/${id} already exists`);
  }
}

/** Writing or removing an entry failed on the controller. */
export class JournalWriteError extends JournalError {
  override name = 'JournalWriteError';
  constructor(
    readonly type: string,
    readonly id: string,
    options: { cause?: unknown } = {},
  ) {
    super(`cannot write journal entry ${type}/${id}${options.cause instanceof Error ? `: ${options.cause.message}` : ''}`, options);
  }
}

/** A stored value does not have the format its type prescribes (§5). */
export class JournalFormatError extends JournalError {
  override name = 'JournalFormatError';
}
