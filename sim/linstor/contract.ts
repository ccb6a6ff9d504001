/**
 * The seam for contract validation: the server hands every request it receives and every
 * response it sends to a validator when one is given. The OpenAPI-backed implementation lives in
 * `openapi-validator.ts`, which only tests import, so the bundled simulator never loads ajv.
 */

/** Checks requests and responses against LINSTOR's OpenAPI spec; returns the problems found. */
export interface ContractValidator {
  request(method: string, template: string, query: URLSearchParams, body: unknown): string[];
  response(method: string, template: string, status: number, body: unknown): string[];
}

/** One contract violation, kept by the simulator for the test to assert on. */
export type ContractViolation = {
  readonly side: 'request' | 'response';
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly errors: readonly string[];
};
