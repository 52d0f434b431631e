import { readFileSync } from 'node:fs';
import path from 'node:path';
import { liveSchemaFrom, type LiveSchema } from '../src';

export const FIXTURES = path.join(__dirname, 'fixtures');
export const SNAPSHOT_DIR = path.join(FIXTURES, 'snapshots');

/** The shop-prod/shop snapshot used by context rules. */
export function shopLive(): LiveSchema {
  const live = liveSchemaFrom(JSON.parse(readFileSync(path.join(SNAPSHOT_DIR, 'shop-prod', 'schema.json'), 'utf8')), 'shop-prod', 'shop');
  if (typeof live === 'string') throw new Error(live);
  return live;
}
