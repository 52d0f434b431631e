import type { HttpApp } from '@dbre/service-kit';
import type { DocCrawlerDeps } from './app';

/** The route map of doc-crawler. */
export function registerRoutes(_app: HttpApp, _deps: DocCrawlerDeps): void {}
