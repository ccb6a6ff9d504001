/**
 * Contract validation against LINSTOR's own OpenAPI spec (`../shared/linstor/rest_v1_openapi.yaml`,
 * GPLv3 data read at run time, never copied). Only tests import this module (it pulls in ajv); they
 * inject it into the simulator, which then checks every request it receives and every response it
 * sends.
 *
 * The spec differs from the real server in documented ways (linstor-rest.md §6); {@link applyOverlay}
 * patches an in-memory copy for exactly those, and nothing else:
 *   1. the single-object GET routes the server has but the spec does not declare;
 *   2. error bodies are ApiCallRc *lists* (the spec's OperationFailed says one object);
 *   3. `VolumeLayer.data` is `oneOf` over branches a DRBD volume matches several of → `anyOf`;
 *   4. enums are case-insensitive: the server emits `SATELLITE`/`PLAIN` and accepts `Plain`, so the
 *      upper, lower and capitalised spellings of each value are added;
 *   5. `POST …/volume-definitions` answers 200, not 201; errors answer 404/403/500 (400 for parse
 *      errors) with an ApiCallRc list on any operation;
 *   6. a property value in a request may be a JSON number or boolean (the server's mapper turns it
 *      into text; the Python driver sends `auto-promote-timeout` as an integer); responses keep strings.
 * Request bodies are checked strictly (no property the spec does not know), so a misspelt field in
 * the client is caught; responses keep the spec's open objects.
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type ValidateFunction } from 'ajv';
import * as formatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { ContractValidator } from './contract.js';

/** Where the spec lives relative to the repository (shared, read-only). */
export const OPENAPI_SPEC_PATH = new URL('../../../shared/linstor/rest_v1_openapi.yaml', import.meta.url);

type Json = Record<string, unknown>;
type Operation = { requestBody?: Json; responses?: Record<string, Json>; parameters?: Json[] };

const SINGLE_GETS: readonly [string, string][] = [
  ['/v1/nodes/{node}', 'Node'],
  ['/v1/nodes/{node}/net-interfaces/{netinterface}', 'NetInterface'],
  ['/v1/nodes/{node}/storage-pools/{storagepool}', 'StoragePool'],
  ['/v1/resource-definitions/{resource}', 'ResourceDefinition'],
  ['/v1/resource-definitions/{resource}/resources/{node}', 'Resource'],
  ['/v1/resource-definitions/{resource}/volume-definitions/{volume_number}', 'VolumeDefinition'],
  ['/v1/resource-groups/{resource_group}', 'ResourceGroup'],
];

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: Json): Json => ({ content: { 'application/json': { schema } } });

/** Patches a parsed copy of the spec for the documented spec/server differences (see file comment). */
export function applyOverlay(doc: Json): Json {
  const out = structuredClone(doc);
  const components = out['components'] as { schemas: Record<string, Json>; responses: Record<string, Json> };
  const paths = out['paths'] as Record<string, Record<string, Operation>>;
  for (const [path, schema] of SINGLE_GETS) {
    const item = (paths[path] ??= {});
    item['get'] ??= { responses: { '200': { description: 'one object', ...jsonContent(ref(schema)) }, '404': { $ref: '#/components/responses/ObjectNotFound' } } };
  }
  components.responses['OperationFailed'] = { description: 'operation failed', ...jsonContent(ref('ApiCallRcList')) };
  const volumeLayer = components.schemas['VolumeLayer'] as { properties: { data: Json } };
  const data = volumeLayer.properties.data;
  if (data['oneOf']) {
    data['anyOf'] = data['oneOf'];
    delete data['oneOf'];
  }
  addEnumCases(components.schemas);
  const vdCreate = paths['/v1/resource-definitions/{resource}/volume-definitions']?.['post']?.responses;
  if (vdCreate?.['201'] && !vdCreate['200']) vdCreate['200'] = vdCreate['201'];
  return out;
}

function addEnumCases(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(addEnumCases);
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Json;
  const values = obj['enum'];
  if (Array.isArray(values) && values.every((v) => typeof v === 'string')) {
    const variants = (v: string) => [v, v.toUpperCase(), v.toLowerCase(), v.charAt(0).toUpperCase() + v.slice(1).toLowerCase()];
    obj['enum'] = [...new Set(values.flatMap(variants))];
  }
  for (const value of Object.values(obj)) addEnumCases(value);
}

/** A copy in which every object schema with properties rejects unknown properties (request checks). */
function strictObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictObjects);
  if (typeof node !== 'object' || node === null) return node;
  const obj = Object.fromEntries(Object.entries(node as Json).map(([k, v]) => [k, strictObjects(v)]));
  if (obj['type'] === 'object' && obj['properties'] && obj['additionalProperties'] === undefined) obj['additionalProperties'] = false;
  return obj;
}

/** A copy in which string maps (property maps) also take numbers and booleans (overlay item 6). */
function scalarPropValues(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(scalarPropValues);
  if (typeof node !== 'object' || node === null) return node;
  const obj = Object.fromEntries(Object.entries(node as Json).map(([k, v]) => [k, scalarPropValues(v)]));
  const values = obj['additionalProperties'] as Json | undefined;
  if (obj['type'] === 'object' && values?.['type'] === 'string' && Object.keys(values).length <= 2) {
    obj['additionalProperties'] = { ...values, type: ['string', 'number', 'boolean'] };
  }
  return obj;
}

/** Points the document-local `$ref`s of a schema taken out of the spec at the registered spec. */
function rebase(node: Json): Json {
  const walk = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(walk);
    if (typeof n !== 'object' || n === null) return n;
    return Object.fromEntries(Object.entries(n as Json).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `linstor${v}` : walk(v)]));
  };
  return walk(node) as Json;
}

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const addFormats = (formatsModule as unknown as { default: (a: Ajv) => Ajv }).default;
  addFormats(ajv);
  for (const format of ['int32', 'int64', 'double', 'float', 'password', 'binary', 'byte']) ajv.addFormat(format, true);
  return ajv;
}

/** The OpenAPI-backed {@link ContractValidator}. */
export class OpenApiValidator implements ContractValidator {
  readonly #doc: Json;
  readonly #responses = newAjv();
  readonly #requests = newAjv();
  readonly #cache = new Map<string, ValidateFunction>();

  constructor(spec: Json) {
    this.#doc = applyOverlay(spec);
    this.#responses.addSchema(this.#doc, 'linstor');
    this.#requests.addSchema(scalarPropValues(strictObjects(this.#doc)) as Json, 'linstor');
  }

  /** Reads and parses the spec file; rejects with ENOENT when it is absent. */
  static async load(file: URL | string = OPENAPI_SPEC_PATH): Promise<OpenApiValidator> {
    return new OpenApiValidator(parseYaml(await readFile(file, 'utf8')) as Json);
  }

  /** True when the spec declares (after the overlay) this method on this path template. */
  hasOperation(method: string, template: string): boolean {
    return this.#operation(method, template) !== undefined;
  }

  request(method: string, template: string, query: URLSearchParams, body: unknown): string[] {
    const op = this.#operation(method, template);
    if (!op) return [`${method} ${template} is not an operation of the spec`];
    const errors: string[] = [];
    const declared = new Set(this.#queryParameters(template, op));
    for (const key of new Set(query.keys())) if (!declared.has(key)) errors.push(`query parameter '${key}' is not declared`);
    const schema = this.#schemaAt(op.requestBody, ['content', 'application/json', 'schema']);
    if (body !== undefined) {
      if (!schema) errors.push('the operation takes no JSON body');
      else errors.push(...this.#validate(this.#requests, `req:${template}:${method}`, schema, body));
    }
    return errors;
  }

  response(method: string, template: string, status: number, body: unknown): string[] {
    const op = this.#operation(method, template);
    if (!op) return [`${method} ${template} is not an operation of the spec`];
    const declared = op.responses?.[String(status)] ?? (status >= 400 ? { $ref: '#/components/responses/OperationFailed' } : undefined);
    if (!declared) return [`status ${status} is not declared for ${method} ${template}`];
    const schema = this.#schemaAt(declared, ['content', 'application/json', 'schema']);
    if (!schema) return body === undefined ? [] : [`status ${status} of ${method} ${template} declares no JSON body`];
    return this.#validate(this.#responses, `res:${template}:${method}:${status}`, schema, body);
  }

  #operation(method: string, template: string): Operation | undefined {
    const paths = this.#doc['paths'] as Record<string, Record<string, Operation>>;
    return paths[template]?.[method.toLowerCase()];
  }

  #queryParameters(template: string, op: Operation): string[] {
    const paths = this.#doc['paths'] as Record<string, Record<string, unknown>>;
    const shared = (paths[template]?.['parameters'] ?? []) as Json[];
    return [...shared, ...(op.parameters ?? [])]
      .map((p) => this.#resolve(p))
      .filter((p) => p['in'] === 'query')
      .map((p) => String(p['name']));
  }

  /** Follows `$ref`s to the node, returning it. */
  #resolve(node: Json): Json {
    let current = node;
    for (let i = 0; i < 10 && typeof current['$ref'] === 'string'; i += 1) {
      current = (current['$ref'] as string)
        .slice(2)
        .split('/')
        .reduce<unknown>((n, key) => (n as Json)[key], this.#doc) as Json;
    }
    return current;
  }

  /** The schema found by walking `keys` from `node`, following `$ref`s on the way. */
  #schemaAt(node: Json | undefined, keys: readonly string[]): Json | undefined {
    let current = node;
    for (const key of keys) {
      if (!current) return undefined;
      const next = this.#resolve(current)[key];
      current = typeof next === 'object' && next !== null ? (next as Json) : undefined;
    }
    return current;
  }

  #validate(ajv: Ajv, key: string, schema: Json, body: unknown): string[] {
    let validate = this.#cache.get(key);
    if (!validate) {
      validate = ajv.compile(rebase(ajv === this.#requests ? (strictObjects(schema) as Json) : schema));
      this.#cache.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  }
}
