// What `npm test` runs first: lint, typecheck and build. They are independent, so they run side by
// side (each takes one core for most of its time); each one's output is printed whole, in that order,
// and the first failure's exit status is ours.
import { spawn } from 'node:child_process';

const STEPS = ['lint', 'typecheck', 'build'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(script) {
  return new Promise((resolve) => {
    const child = spawn(npm, ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => resolve({ script, code: 1, output: Buffer.from(`${error.message}\n`) }));
    child.on('close', (code, signal) => resolve({ script, code: code ?? (signal ? 1 : 0), output: Buffer.concat(output) }));
  });
}

const results = await Promise.all(STEPS.map(run));
let status = 0;
for (const { script, code, output } of results) {
  process.stdout.write(`> ${script}${code === 0 ? '' : ` failed (exit ${code})`}\n`);
  process.stdout.write(output);
  if (code !== 0 && status === 0) status = code;
}
process.exitCode = status;
