import type { HttpApp } from '@dbre/service-kit';
import type { OpsDashboardDeps } from './app';

/** The route map of ops-dashboard. */
export function registerRoutes(_app: HttpApp, _deps: OpsDashboardDeps): void {}
