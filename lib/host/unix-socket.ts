/** Whether something accepts connections on a Unix socket now (a live agent, a live XAPI). */
import { connect } from 'node:net';

export function unixSocketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
