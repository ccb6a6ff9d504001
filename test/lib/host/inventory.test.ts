import test from 'ava';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readInventory, thisHostRef, thisHostUuid } from '../../../lib/host/inventory.js';

test('reads INSTALLATION_UUID and the other keys of xensource-inventory, quoted or not', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'inv-'));
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await writeFile(
    path.join(root, 'etc/xensource-inventory'),
    "PRODUCT_BRAND='XCP-ng'\nINSTALLATION_UUID='0d9f5d8c-6e7e-4b5f-9c1a-2f3e4d5c6b7a'\nDOM0_VCPUS=4\n# comment\n",
  );
  const inv = await readInventory(root);
  t.is(inv['INSTALLATION_UUID'], '0d9f5d8c-6e7e-4b5f-9c1a-2f3e4d5c6b7a');
  t.is(inv['DOM0_VCPUS'], '4');
  t.is(inv['PRODUCT_BRAND'], 'XCP-ng');
  await t.throwsAsync(readInventory(path.join(root, 'nowhere')));
});

test('this host: its uuid and its XAPI ref from INSTALLATION_UUID; a clear error when the inventory lacks it', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'inv-'));
  await mkdir(path.join(root, 'etc'), { recursive: true });
  const file = path.join(root, 'etc/xensource-inventory');
  await writeFile(file, "INSTALLATION_UUID='0d9f5d8c-6e7e-4b5f-9c1a-2f3e4d5c6b7a'\n");
  const asked: string[] = [];
  const xapi = { host: { getByUuid: async (uuid: string) => (asked.push(uuid), `OpaqueRef:${uuid.slice(0, 4)}`) } };
  t.is(await thisHostUuid(root), '0d9f5d8c-6e7e-4b5f-9c1a-2f3e4d5c6b7a');
  t.is(await thisHostRef(xapi, root), 'OpaqueRef:0d9f');
  t.deepEqual(asked, ['0d9f5d8c-6e7e-4b5f-9c1a-2f3e4d5c6b7a']);
  await writeFile(file, "PRODUCT_BRAND='XCP-ng'\n");
  await t.throwsAsync(thisHostRef(xapi, root), { message: /no INSTALLATION_UUID/ });
  t.is(asked.length, 1, 'XAPI is not asked for an empty uuid');
});
