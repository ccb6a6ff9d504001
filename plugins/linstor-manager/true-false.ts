import type { PluginContext, PluginFunction } from './context.js';

/**
 * The Python plugin's T/F convention (spec/sm-linstor.md §6): the function answers "True" when it
 * worked and "False" — with the reason in SMlog — when anything failed. Callers test the string.
 */
export function trueFalse(name: string, body: (ctx: PluginContext, args: Readonly<Record<string, string>>) => Promise<void>): PluginFunction {
  return async (ctx, args) => {
    try {
      await body(ctx, args);
      return 'True';
    } catch (error) {
      ctx.log.error(`${name} failed`, { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      return 'False';
    }
  };
}

/** sm's util.strtobool: y/yes/t/true/on/1 and n/no/f/false/off/0; empty is false. */
export function strtobool(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (['y', 'yes', 't', 'true', 'on', '1'].includes(v)) return true;
  if (['', 'n', 'no', 'f', 'false', 'off', '0'].includes(v)) return false;
  throw new Error(`invalid truth value ${JSON.stringify(value)}`);
}
