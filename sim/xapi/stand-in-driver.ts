/**
 * A recording stand-in SMAPIv1 driver, for tests and for the conformance runner until the full pool
 * runs the real driver. It is written as one plain Node script (no imports beyond node:, so each verb
 * costs a bare Node start) that appends `{argv, env}` to a JSON-lines file, does what xapi expects of a
 * driver (VDI.db_introduce on create/snapshot/clone, VDI.set_virtual_size on resize, through the session
 * it was given, on its host's socket), answers each verb with a valid response, and can be told per verb
 * to fault, crash, print garbage or hang (a JSON behaviour file read at each run).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What a verb should do instead of succeeding. */
export type StandInBehaviour =
  | { readonly fault: readonly [code: number, message: string]; readonly stderr?: string }
  | { readonly crash: true; readonly stderr?: string }
  | { readonly garbage: string }
  | { readonly hang: true }
  | { readonly reply: string }
  /** Introduce a fresh VDI on every run (an sr_scan that never settles). */
  | { readonly introduceNew: true }
  /** Succeed as usual, after this long. */
  | { readonly delayMs: number };

/** One recorded run. */
export type StandInRecord = { readonly argv: readonly string[]; readonly env: Readonly<Record<string, string>> };

/** A stand-in driver written to disk. */
export type StandInDriver = {
  readonly file: string;
  readonly recordFile: string;
  /** Sets (or with undefined clears) the behaviour of a verb. */
  setBehaviour(verb: string, behaviour: StandInBehaviour | undefined): void;
  records(): StandInRecord[];
};

/** The capabilities it advertises by default (SR_PROBE so SR.probe runs, VDI_ACTIVATE so plug activates). */
export const STAND_IN_CAPABILITIES = [
  'SR_PROBE', 'SR_UPDATE', 'VDI_CREATE', 'VDI_DELETE', 'VDI_ATTACH', 'VDI_DETACH', 'VDI_ACTIVATE', 'VDI_DEACTIVATE', 'VDI_CLONE',
  'VDI_SNAPSHOT', 'VDI_RESIZE', 'VDI_UPDATE', 'VDI_GENERATE_CONFIG', 'ATOMIC_PAUSE',
] as const;

const SCRIPT = String.raw`#!/usr/bin/env node
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const crypto = require('node:crypto');
const CONFIG = __CONFIG__;
const xml = process.argv[2] || '';
fs.appendFileSync(CONFIG.recordFile, JSON.stringify({ argv: process.argv.slice(1), env: process.env }) + '\n');
const unesc = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const member = (name) => { const m = new RegExp('<member><name>' + name + '</name><value>([^<]*)</value></member>').exec(xml); return m ? unesc(m[1]) : ''; };
const argsM = /<name>args<\/name><value><array><data>(.*?)<\/data><\/array><\/value>/.exec(xml);
const args = argsM ? [...argsM[1].matchAll(/<value>([^<]*)<\/value>|<value\/>/g)].map((m) => unesc(m[1] || '')) : [];
const verb = member('command') || (/<methodName>([^<]*)<\/methodName>/.exec(xml) || [])[1] || '';
const v = (x) => typeof x === 'boolean' ? '<value><boolean>' + (x ? 1 : 0) + '</boolean></value>'
  : Array.isArray(x) ? (x.length ? '<value><array><data>' + x.map(v).join('') + '</data></array></value>' : '<value><array><data/></array></value>')
  : x instanceof Date ? '<value><dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601></value>'
  : typeof x === 'object' ? '<value><struct>' + Object.entries(x).map(([k, y]) => '<member><name>' + esc(k) + '</name>' + v(y) + '</member>').join('') + '</struct></value>'
  : '<value>' + esc(x) + '</value>';
const reply = (x) => { process.stdout.write('<methodResponse><params><param>' + (x === null ? '<value><nil/></value>' : v(x)) + '</param></params></methodResponse>'); };
function xapi(method, params) {
  const body = '<methodCall><methodName>' + method + '</methodName><params>' + params.map((p) => '<param>' + v(p) + '</param>').join('') + '</params></methodCall>';
  const socketPath = process.env.LINSTOR_SR_XAPI_SOCKET || (process.env.LINSTOR_SR_ROOT || '') + '/var/lib/xcp/xapi';
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: '/', method: 'POST', headers: { 'content-type': 'text/xml' } }, (res) => {
      let text = ''; res.on('data', (c) => { text += c; });
      res.on('end', () => {
        if (!text.includes('<value>Success</value>')) return reject(new Error(method + ' failed: ' + text));
        const m = /<name>Value<\/name><value>([^<]*)<\/value>/.exec(text); resolve(m ? unesc(m[1]) : '');
      });
    });
    req.on('error', reject); req.end(body);
  });
}
let behaviour = {};
try { behaviour = JSON.parse(fs.readFileSync(CONFIG.behaviourFile, 'utf8'))[verb] || {}; } catch (e) { behaviour = {}; }
async function main() {
  if (behaviour.stderr) process.stderr.write(behaviour.stderr);
  if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
  if (behaviour.hang) { setInterval(() => {}, 1000); return; }
  if (behaviour.crash) { process.exit(3); }
  if (behaviour.garbage !== undefined) { process.stdout.write(behaviour.garbage); return; }
  if (behaviour.reply !== undefined) { process.stdout.write(behaviour.reply); return; }
  if (behaviour.fault) { process.stdout.write('<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>' + behaviour.fault[0] + '</int></value></member><member><name>faultString</name><value>' + esc(behaviour.fault[1]) + '</value></member></struct></value></fault></methodResponse>'); return; }
  const session = member('session_ref'); const sr = member('sr_ref');
  const introduce = (uuid, size, snapshot) => xapi('VDI.db_introduce', [session, uuid, '', '', sr, member('vdi_type') || 'user', false, false, {}, uuid, {}, {}, true, size, '0', 'OpaqueRef:NULL', snapshot, new Date(0), 'OpaqueRef:NULL', false]);
  if (behaviour.introduceNew) { await introduce(crypto.randomUUID(), '0', false); return reply(null); }
  switch (verb) {
    case 'sr_get_driver_info':
      return reply({ name: 'stand-in', description: 'recording stand-in driver', vendor: 'linstor-sr tests', copyright: '-', driver_version: '0.0', required_api_version: '1.0', capabilities: CONFIG.capabilities, configuration: [] });
    case 'sr_probe': return reply('<SRlist></SRlist>');
    case 'vdi_create': { const uuid = member('vdi_uuid') || crypto.randomUUID(); await introduce(uuid, args[0], false); return reply({ uuid, location: uuid }); }
    case 'vdi_snapshot': case 'vdi_clone': {
      const uuid = crypto.randomUUID(); const size = await xapi('VDI.get_virtual_size', [session, member('vdi_ref')]);
      await introduce(uuid, size, verb === 'vdi_snapshot'); return reply({ uuid, location: uuid });
    }
    case 'vdi_resize': await xapi('VDI.set_virtual_size', [session, member('vdi_ref'), args[0]]); return reply({ uuid: member('vdi_uuid'), location: member('vdi_location') });
    case 'vdi_attach': return reply({ params: '/dev/sm/backend/' + member('sr_uuid') + '/' + member('vdi_uuid'), params_nbd: '', o_direct: true, o_direct_reason: '', xenstore_data: {} });
    case 'vdi_generate_config': return reply('<methodCall><methodName>vdi_attach_from_config</methodName></methodCall>');
    default: return reply(null);
  }
}
main().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

/** Writes the stand-in into `dir` (created) and returns its handle. */
export async function writeStandInDriver(dir: string, options: { capabilities?: readonly string[]; name?: string } = {}): Promise<StandInDriver> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, options.name ?? 'StandInSR');
  const recordFile = path.join(dir, 'records.jsonl');
  const behaviourFile = path.join(dir, 'behaviour.json');
  const config = { recordFile, behaviourFile, capabilities: options.capabilities ?? STAND_IN_CAPABILITIES };
  await writeFile(file, SCRIPT.replace('__CONFIG__', JSON.stringify(config)));
  await chmod(file, 0o755);
  await writeFile(recordFile, '');
  return {
    file,
    recordFile,
    setBehaviour(verb, behaviour) {
      const current = existsSync(behaviourFile) ? (JSON.parse(readFileSync(behaviourFile, 'utf8')) as Record<string, unknown>) : {};
      if (behaviour === undefined) delete current[verb];
      else current[verb] = behaviour;
      writeFileSync(behaviourFile, JSON.stringify(current));
    },
    records() {
      return readFileSync(recordFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as StandInRecord);
    },
  };
}
