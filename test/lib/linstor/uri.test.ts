import test from 'ava';
import { controllerOrigin, LinstorUriError } from '../../../lib/linstor/uri.js';

const cases: [string, string][] = [
  ['linstor://localhost', 'http://localhost:3370'],
  ['linstor://10.0.0.2:3380', 'http://10.0.0.2:3380'],
  ['linstor+ssl://ctrl', 'https://ctrl:3371'],
  ['http://127.0.0.1:41234', 'http://127.0.0.1:41234'],
  ['https://ctrl', 'https://ctrl:3371'],
  ['10.0.0.5', 'http://10.0.0.5:3370'],
  ['linstor://[::1]', 'http://[::1]:3370'],
];

for (const [uri, origin] of cases) {
  test(`${uri} → ${origin}`, (t) => {
    t.is(controllerOrigin(uri), origin);
  });
}

test('unusable URIs are rejected with LinstorUriError', (t) => {
  t.throws(() => controllerOrigin('ftp://host'), { instanceOf: LinstorUriError });
  t.throws(() => controllerOrigin('linstor://'), { instanceOf: LinstorUriError });
});
