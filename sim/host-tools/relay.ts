/**
 * `dist/xostor-host-tool`: the process behind every host tool stand-in. A simulated host's
 * `drbdsetup`, `tap-ctl`, `systemctl`, … are shell wrappers that exec this relay with the pool's control
 * URL, the host name and the tool name; it forwards argv to the pool process, which owns the state, and
 * replays the answer (stdout, stderr, exit status). It imports nothing but node:http so that it starts
 * as fast as Node can.
 */
import { request } from 'node:http';

const [controlUrl, host, tool, ...argv] = process.argv.slice(2);

if (!controlUrl || !host || !tool) {
  process.stderr.write('usage: xostor-host-tool <control url> <host> <tool> [args…]\n');
  process.exitCode = 2;
} else {
  const body = JSON.stringify({ host, tool, argv });
  const req = request(
    `${controlUrl}/tool`,
    { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
    (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stdout?: string; stderr?: string; exitCode: number };
          if (answer.stdout) process.stdout.write(answer.stdout);
          if (answer.stderr) process.stderr.write(answer.stderr);
          process.exitCode = answer.exitCode;
        } catch {
          process.stderr.write(`${tool}: the simulated pool answered garbage (HTTP ${res.statusCode})\n`);
          process.exitCode = 1;
        }
      });
    },
  );
  req.on('error', (error) => {
    // The pool is down: as if the host were off.
    process.stderr.write(`${tool}: simulated host ${host} is unreachable: ${error.message}\n`);
    process.exitCode = 1;
  });
  req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
  req.end(body);
}
