// The review pool's worker thread entry, bundled beside main.js as parse-worker.js (project.json
// additionalEntryPoints): it parses statements so a slow one never blocks the HTTP event loop.
export { parseTask } from '@dbre/review';
