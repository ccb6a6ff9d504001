/** Public surface of the SR journal. */
export * from './entries.js';
export * from './errors.js';
export { Journal, JOURNAL_NAMESPACE, kvJournalStore, type JournalEntry, type JournalStore, type KvRest } from './journal.js';
