import type { Exec } from './run.js';

/**
 * An Exec that loads execa on first use: entry points hand this to their handlers so that a call
 * that runs no command (sr_get_driver_info) never pays for loading it.
 */
export const lazyRun: Exec = async (file, args, options) => {
  const { run } = await import('./run.js');
  return run(file, args, options);
};
