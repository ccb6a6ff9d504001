/**
 * The agent's wire format on its Unix socket, spoken by the Python launchers too (dom0/linstor_sr_agent.py):
 *   agent → launcher   `ready\n` (a worker is reserved for this connection) or `busy\n` (then it closes)
 *   launcher → agent   one frame: the request
 *   agent → launcher   one frame: the answer, then it closes
 * A frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON. A launcher that reads
 * anything but `ready\n` sends nothing and runs the Node entry itself; once it sent its request it waits
 * for the answer, and a connection closed without one means the call died (the launcher then dies as a
 * killed driver would: the call never runs twice).
 */

export const READY = 'ready\n';
export const BUSY = 'busy\n';

/** Frames larger than this are refused: argv and environment are a few KiB, answers a few MiB at most. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export type AgentRequest = {
  /** `driver`: the LinstorSR entry; `linstor-manager`: the plugin. */
  readonly kind: 'driver' | 'linstor-manager';
  /** The launcher's argv after its own name. */
  readonly argv: readonly string[];
  /** The launcher's environment, the call's process environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The launcher's pid, what xapi ran: the call's SMlog lines and LINSTOR User-Agent carry it. */
  readonly pid?: number;
};

export type AgentAnswer = {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
};

export class FrameError extends Error {
  override name = 'FrameError';
}

export function encodeFrame(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  if (body.length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${body.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Accumulates bytes until one whole frame is there; returns its parsed JSON, or undefined for more. */
export class FrameReader {
  #chunks: Buffer[] = [];
  #size = 0;

  push(chunk: Buffer): unknown {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size < 4) return undefined;
    const all = Buffer.concat(this.#chunks);
    this.#chunks = [all];
    const length = all.readUInt32BE(0);
    if (length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
    if (all.length < 4 + length) return undefined;
    if (all.length > 4 + length) throw new FrameError('bytes after the frame');
    try {
      return JSON.parse(all.subarray(4).toString('utf8'));
    } catch (error) {
      throw new FrameError('the frame is not JSON', { cause: error });
    }
  }
}

const KINDS = new Set(['driver', 'linstor-manager']);

/** Checks a decoded request's shape; throws FrameError naming what is wrong. */
export function checkRequest(value: unknown): AgentRequest {
  if (typeof value !== 'object' || value === null) throw new FrameError('the request is not an object');
  const r = value as Record<string, unknown>;
  if (typeof r['kind'] !== 'string' || !KINDS.has(r['kind'])) throw new FrameError(`unknown request kind ${JSON.stringify(r['kind'])}`);
  if (!Array.isArray(r['argv']) || !r['argv'].every((a) => typeof a === 'string')) throw new FrameError('argv must be an array of strings');
  const env = r['env'];
  if (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((v) => typeof v === 'string')) {
    throw new FrameError('env must map names to strings');
  }
  const pid = r['pid'];
  if (pid !== undefined && !(Number.isSafeInteger(pid) && (pid as number) > 0)) throw new FrameError('pid must be a positive integer');
  return { kind: r['kind'] as AgentRequest['kind'], argv: r['argv'] as string[], env: env as Record<string, string>, ...(pid !== undefined ? { pid: pid as number } : {}) };
}
