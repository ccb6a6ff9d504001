import test from 'ava';
import { parseArgs, UsageError, wantsHelp } from '../../gc/args.js';

const SR = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';

test('parses the documented flags', (t) => {
  t.like(parseArgs(['--sr', SR, '--once', '--dry-run']), { sr: SR, once: true, dryRun: true, status: false, abort: false, srLocked: false });
  t.like(parseArgs([`--sr=${SR.toUpperCase()}`, '--status']), { sr: SR, status: true });
});

test('bad command lines are usage errors', (t) => {
  t.throws(() => parseArgs([]), { instanceOf: UsageError, message: /--sr is required/ });
  t.throws(() => parseArgs(['--sr', 'nope']), { instanceOf: UsageError, message: /not an SR uuid/ });
  t.throws(() => parseArgs(['--sr', SR, '--bogus']), { instanceOf: UsageError });
  t.throws(() => parseArgs(['--sr', SR, '--status', '--dry-run']), { instanceOf: UsageError, message: /cannot be combined/ });
});

test('-h and --help ask for the usage, wherever they are', (t) => {
  t.true(wantsHelp(['--help']));
  t.true(wantsHelp(['--sr', SR, '-h']));
  t.false(wantsHelp(['--sr', SR, '--once']));
});
