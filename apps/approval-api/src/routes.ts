import type { HttpApp } from '@dbre/service-kit';
import type { ApprovalApiDeps } from './app';

/** The route map of approval-api. */
export function registerRoutes(_app: HttpApp, _deps: ApprovalApiDeps): void {}
