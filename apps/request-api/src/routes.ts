import type { HttpApp } from '@dbre/service-kit';
import type { RequestApiDeps } from './app';

/** The route map of request-api. */
export function registerRoutes(_app: HttpApp, _deps: RequestApiDeps): void {}
