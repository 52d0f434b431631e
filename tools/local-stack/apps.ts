/** The seven services, their kind and local port: one list for `npm start`, compose and its test. */
export interface AppEntry {
  name: string;
  kind: 'http' | 'worker';
  port: number;
}

export const APPS: readonly AppEntry[] = [
  { name: 'request-api', kind: 'http', port: 3001 },
  { name: 'approval-api', kind: 'http', port: 3002 },
  { name: 'schema-review', kind: 'http', port: 3003 },
  { name: 'ops-dashboard', kind: 'http', port: 3004 },
  { name: 'doc-crawler', kind: 'worker', port: 3005 },
  { name: 'provisioner', kind: 'worker', port: 9101 },
  { name: 'reaper', kind: 'worker', port: 9102 },
];
