/**
 * The environment a process of this project runs in. XAPI gives a driver only PATH and ORIGINATOR=SM;
 * the simulator adds the LINSTOR_SR_* variables below, which production never sets (DESIGN.md
 * "Environment variables"). Read once by each entry point and passed down, never read from deep inside lib/.
 */
export type HostEnv = {
  /** Root under which dom0 paths are opened (`/` in production). Always absolute, no trailing slash except `/`. */
  readonly root: string;
  /** Write the log to this file instead of syslog. */
  readonly logFile: string | undefined;
  /** Armed fault point (`<point>:throw|kill`); honoured only when root is not `/`. */
  readonly faults: string | undefined;
  /** Multiplier for every wait, retry period and lock expiry. */
  readonly timeScale: number;
  /** How the driver starts the garbage collector. */
  readonly gc: 'auto' | 'off' | 'foreground';
  /** XAPI's Unix socket, as a real path on this machine. */
  readonly xapiSocket: string;
};

/** Thrown when a LINSTOR_SR_* variable holds a value the project cannot use. */
export class HostEnvError extends Error {
  override name = 'HostEnvError';
}

/** Parses the process environment; unset variables take their production defaults. */
export function readHostEnv(env: NodeJS.ProcessEnv = process.env): HostEnv {
  const root = normaliseRoot(env['LINSTOR_SR_ROOT']);
  const scaleText = env['LINSTOR_SR_TIME_SCALE'];
  const timeScale = scaleText === undefined || scaleText === '' ? 1 : Number(scaleText);
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new HostEnvError(`LINSTOR_SR_TIME_SCALE must be a positive number, got ${JSON.stringify(scaleText)}`);
  }
  const gc = env['LINSTOR_SR_GC'] || 'auto';
  if (gc !== 'auto' && gc !== 'off' && gc !== 'foreground') {
    throw new HostEnvError(`LINSTOR_SR_GC must be auto, off or foreground, got ${JSON.stringify(gc)}`);
  }
  const socket = env['LINSTOR_SR_XAPI_SOCKET'];
  return {
    root,
    logFile: env['LINSTOR_SR_LOG_FILE'] || undefined,
    faults: root === '/' ? undefined : env['LINSTOR_SR_FAULTS'] || undefined,
    timeScale,
    gc,
    xapiSocket: socket || hostPath(root, '/var/lib/xcp/xapi'),
  };
}

function normaliseRoot(value: string | undefined): string {
  if (value === undefined || value === '' || value === '/') return '/';
  if (!value.startsWith('/')) throw new HostEnvError(`LINSTOR_SR_ROOT must be absolute, got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '') || '/';
}

/**
 * Maps a dom0 path (what crosses every boundary: XML-RPC results, plugin args, the KV, VHD parent
 * locators) to the path to open on this machine. Only code that opens, creates or lists files calls this.
 */
export function hostPath(root: string, dom0Path: string): string {
  if (!dom0Path.startsWith('/')) throw new HostEnvError(`not an absolute dom0 path: ${JSON.stringify(dom0Path)}`);
  return root === '/' ? dom0Path : root + dom0Path;
}

/** The reverse of hostPath: a path found on this machine (e.g. a realpath) as dom0 sees it. */
export function dom0Path(root: string, localPath: string): string {
  if (root === '/') return localPath;
  if (localPath === root) return '/';
  if (!localPath.startsWith(root + '/')) {
    throw new HostEnvError(`${JSON.stringify(localPath)} is not under the host root ${JSON.stringify(root)}`);
  }
  return localPath.slice(root.length);
}

/** Scales a duration by LINSTOR_SR_TIME_SCALE (tests run with 0.01). */
export function scaled(env: Pick<HostEnv, 'timeScale'>, ms: number): number {
  return Math.max(0, Math.round(ms * env.timeScale));
}
