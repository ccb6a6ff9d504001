/** The controller's own endpoints (linstor-rest.md §3.1). */
import type { SimRoute } from '../context.js';

/** What `GET /v1/controller/version` answers: the REST API level the driver is written against. */
export const SIM_VERSION = { version: '1.34.0', git_hash: 'xostor-sim', build_time: '2025-08-01T00:00:00+00:00', rest_api_version: '1.28.0' };

/** Routes of this object kind. */
export const controllerRoutes: readonly SimRoute[] = [
  { method: 'GET', template: '/v1/controller/version', handler: () => ({ status: 200, body: SIM_VERSION }) },
  { method: 'GET', template: '/v1/controller/properties', handler: (sim) => ({ status: 200, body: { ...sim.store.state.controllerProps } }) },
];
