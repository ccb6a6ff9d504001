import type { PluginFunction } from './context.js';

/**
 * The plugin's dispatch table: function name (exactly as the Python plugin names it, spec/sm-linstor.md
 * §6) → loader of its implementation. Loaders import on demand so a call only loads what it runs.
 * Functions of the Python plugin not listed yet answer UNKNOWN_XENAPI_PLUGIN_FUNCTION, as XenAPIPlugin
 * does for any unknown name; the issues that build them add their lines.
 */
export const FUNCTIONS: Readonly<Record<string, () => Promise<PluginFunction>>> = {
  hasControllerRunning: async () => (await import('./services.js')).hasControllerRunning,
};
