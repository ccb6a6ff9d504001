/**
 * vdi_generate_config → vdi_attach_from_config → data through the device → vdi_detach_from_config, as
 * xapi and static-vdis run them: the config generated through XAPI, then replayed as the driver's argv
 * on a host whose XAPI is out of reach (boot). For an ordinary VDI (its DRBD device, a diskless on a
 * host without a replica) and for the HA statefile and redo-log (the HTTP/NBD bridge, on the master
 * and on a slave).
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { hostPath } from '../../lib/host/env.js';
import { openChain, readChain } from '../../lib/vhd/index.js';
import type { SrFixture } from '../../sim/fixtures/sr.js';
import { createdSr, newVdi, runStatic, runVerb, writeVdi } from './vdi-io.js';

const MIB = 1024 * 1024;
const STATEFILE = 'xcp-persistent-ha-statefile';
const REDO_LOG = 'xcp-persistent-redo-log';

const rootOf = (f: SrFixture, host: string): string => f.pool.runtime.host(host).spec.root;
const detachOf = (config: string): string => config.replaceAll('vdi_attach_from_config', 'vdi_detach_from_config');

/** Stops whatever bridge server a failed test left running (the pid files name their process groups). */
function killLeftovers(t: { teardown(fn: () => Promise<void>): void }, f: SrFixture): void {
  t.teardown(async () => {
    for (const h of f.pool.spec.hosts) {
      for (const v of [STATEFILE, REDO_LOG]) {
        for (const file of [`/run/http-server-${v}.pid`, `/run/nbd-server-${v}.pid`]) {
          const pid = Number((await readFile(hostPath(h.root, file), 'utf8').catch(() => '')).trim());
          if (pid > 1) {
            try {
              process.kill(-pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }
      }
    }
  });
}

async function readAt(file: string, offset: number, length: number): Promise<Buffer> {
  const h = await open(file, 'r');
  try {
    const b = Buffer.alloc(length);
    await h.read(b, 0, length, offset);
    return b;
  } finally {
    await h.close();
  }
}

async function writeAt(file: string, offset: number, data: Buffer): Promise<void> {
  const h = await open(file, 'r+');
  try {
    await h.write(data, 0, data.length, offset);
  } finally {
    await h.close();
  }
}

function httpGet(url: string, range: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { range } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    })
      .on('error', reject)
      .end();
  });
}

/** Running (a zombie waiting for a reaper counts as gone). */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test.serial('an ordinary VDI: the config generated on a slave attaches its DRBD device there without XAPI, and detaches', async (t) => {
  t.timeout(10 * 60_000);
  const f = await createdSr(t, 3, { ha: true });
  const { ref, uuid } = await newVdi(f, 16 * MIB);
  const data = randomBytes(100 * 1024);
  const vm = await f.startVmWith(ref, 'host1');
  await writeVdi(f, 'host1', uuid, 3 * MIB, data);
  await f.xapi.call('VM.hard_shutdown', vm);

  const config = await runVerb(f, 'host3', 'vdi_generate_config', ref);
  t.is(typeof config, 'string');
  t.regex(config as string, /^<\?xml version='1.0'\?>|^<\?xml version="1.0"\?>/);
  t.regex(config as string, /<methodName>vdi_attach_from_config<\/methodName>/);
  for (const key of ['device_config', 'sr_uuid', 'vdi_uuid', 'sr_sm_config', 'command', 'vdi_path']) t.regex(config as string, new RegExp(`<name>${key}</name>`));

  const attached = await runStatic(f, 'host3', config as string);
  t.is(attached.kind, 'value', JSON.stringify(attached));
  if (attached.kind !== 'value') return;
  const result = attached.value as { params: string; xenstore_data: Record<string, string> };
  t.regex(result.params, /^\/dev\/drbd\/by-res\/xcp-volume-[^/]+\/0$/);
  t.deepEqual(result.xenstore_data, { 'storage-type': 'linstor' });
  t.false('params_nbd' in result, 'static-vdis must link the device itself');
  const chain = await openChain({ root: rootOf(f, 'host3') }, result.params);
  t.deepEqual(await readChain(chain, 3 * MIB, data.length), data, 'the guest\'s data through the device attached from config');
  await chain.close();

  const detached = await runStatic(f, 'host3', detachOf(config as string));
  t.deepEqual(detached, { kind: 'value', value: null });
  t.false(existsSync(hostPath(rootOf(f, 'host3'), result.params)) && !(await f.linstor.resources.view()).some((r) => r.node_name === 'host3' && !(r.flags ?? []).includes('DISKLESS') && result.params.includes(r.name)), 'a diskless made for it is gone, a replica stays');
  t.deepEqual(await runStatic(f, 'host3', detachOf(config as string)), { kind: 'value', value: null }, 'detach twice is fine');
});

test.serial('the HA statefile and redo-log go through the HTTP/NBD bridge on the master and on a slave, without XAPI', async (t) => {
  t.timeout(10 * 60_000);
  const f = await createdSr(t, 3, { ha: true });
  killLeftovers(t, f);
  const statefile = await newVdi(f, 8 * MIB, { type: 'ha_statefile', sm_config: { type: 'raw' } });
  const redo = await newVdi(f, 260 * MIB, { type: 'redo_log', sm_config: { type: 'raw' } });

  for (const [vdi, volume] of [[statefile, STATEFILE], [redo, REDO_LOG]] as const) {
    const config = (await runVerb(f, 'host1', 'vdi_generate_config', vdi.ref)) as string;
    t.regex(config, new RegExp(`<name>vdi_path</name><value>(<string>)?/dev/http-nbd/${volume}(</string>)?</value>`));
    const link = `/dev/http-nbd/${volume}`;

    const onMaster = await runStatic(f, 'host1', config);
    t.deepEqual(onMaster, { kind: 'value', value: { params: link, xenstore_data: { 'storage-type': 'linstor' } } });
    const masterRoot = rootOf(f, 'host1');
    const httpPid = Number(await readFile(hostPath(masterRoot, `/run/http-server-${volume}.pid`), 'utf8'));
    const nbdPid = Number(await readFile(hostPath(masterRoot, `/run/nbd-server-${volume}.pid`), 'utf8'));
    t.true(isAlive(httpPid) && isAlive(nbdPid), 'both servers outlive the driver');

    const payload = randomBytes(4096);
    await writeAt(hostPath(masterRoot, link), 8192, payload);
    t.deepEqual(await readAt(hostPath(masterRoot, `/dev/drbd/by-res/${volume}/0`), 8192, payload.length), payload, 'written through /dev/http-nbd, it is on the volume');
    const address = f.pool.spec.hosts[0]!.address;
    const port = volume === STATEFILE ? 8076 : 8077;
    t.deepEqual(await httpGet(`http://${address}:${port}/`, `bytes=8192-${8192 + 4095}`), payload, 'and http-disk-server serves it');

    // A slave with XAPI down: its NBD device reads the master's server.
    const onSlave = await runStatic(f, 'host3', config);
    t.deepEqual(onSlave, { kind: 'value', value: { params: link, xenstore_data: { 'storage-type': 'linstor' } } });
    t.deepEqual(await readAt(hostPath(rootOf(f, 'host3'), link), 8192, payload.length), payload, 'the slave reads what the master wrote');

    for (const host of ['host3', 'host1']) {
      t.deepEqual(await runStatic(f, host, detachOf(config)), { kind: 'value', value: null });
      t.false(existsSync(hostPath(rootOf(f, host), link)));
      t.false(existsSync(hostPath(rootOf(f, host), `/run/nbd-server-${volume}.pid`)));
    }
    for (let i = 0; i < 50 && (isAlive(httpPid) || isAlive(nbdPid)); i += 1) await new Promise((r) => setTimeout(r, 100));
    t.false(isAlive(httpPid) || isAlive(nbdPid), 'detach stopped both servers');
    t.deepEqual(await readAt(hostPath(masterRoot, `/dev/drbd/by-res/${volume}/0`), 8192, payload.length), payload, 'the data stays on the volume');
  }
});

test.serial('attach_from_config refuses a malformed config with SRUnavailable and starts nothing', async (t) => {
  t.timeout(10 * 60_000);
  const f = await createdSr(t, 2, { ha: true });
  killLeftovers(t, f);
  const statefile = await newVdi(f, 8 * MIB, { type: 'ha_statefile', sm_config: { type: 'raw' } });
  const config = (await runVerb(f, 'host1', 'vdi_generate_config', statefile.ref)) as string;
  const cases: [string, string, RegExp][] = [
    ['an unknown bridged volume', config.replace(`/dev/http-nbd/${STATEFILE}`, '/dev/http-nbd/xcp-volume-evil'), /Unsupported path/],
    ['a path outside /dev', config.replace(`/dev/http-nbd/${STATEFILE}`, '/etc/shadow'), /vdi_path/],
    ['a bridged path naming another VDI', config.replace(`/dev/http-nbd/${STATEFILE}`, `/dev/http-nbd/${REDO_LOG}`), /no LINSTOR volume|is not/],
  ];
  for (const [what, xml, message] of cases) {
    const r = await runStatic(f, 'host1', xml);
    t.is(r.kind, 'fault', what);
    if (r.kind === 'fault') {
      t.is(r.code, 47, what);
      t.regex(r.text, /Unable to attach from config/, what);
      t.regex(r.text, message, what);
    }
  }
  const noGroup = await runStatic(f, 'host1', config.replace(/<member><name>group-name<\/name><value>(<string>)?[^<]*(<\/string>)?<\/value><\/member>/, ''));
  t.is(noGroup.kind, 'fault');
  t.false(existsSync(hostPath(rootOf(f, 'host1'), `/run/http-server-${STATEFILE}.pid`)), 'no server started');
  t.false(existsSync(hostPath(rootOf(f, 'host1'), `/dev/http-nbd/${STATEFILE}`)));
});
