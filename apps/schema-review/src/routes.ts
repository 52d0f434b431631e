import type { HttpApp } from '@dbre/service-kit';
import type { SchemaReviewDeps } from './app';

/** The route map of schema-review. */
export function registerRoutes(_app: HttpApp, _deps: SchemaReviewDeps): void {}
