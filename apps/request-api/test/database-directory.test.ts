import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFolderSink } from '@dbre/drivers';
import { createDatabaseDirectory } from '../src/slack/database-directory';

describe("the request modal's database directory", () => {
  const root = mkdtempSync(path.join(tmpdir(), 'dbdir-'));
  const sink = createFolderSink({ root });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const publish = async (hash: string, names: string[]) => {
    await sink.write('orders-prod/schema.json', JSON.stringify({ snapshotVersion: 9, schemas: names.map((name) => ({ name, tables: [{ name: 't' }] })) }), 'application/json');
    await sink.write('orders-prod/summary.json', JSON.stringify({ contentHash: hash }), 'application/json');
  };

  it('lists the latest snapshot, re-reads it only when the crawl changed, and knows when there is none', async () => {
    let now = 0;
    const dir = createDatabaseDirectory({ sink, checkEveryMs: 1000, now: () => now });
    expect(await dir.list('orders-prod')).toBeUndefined();
    expect(await dir.list('../etc')).toBeUndefined();

    await publish('h1', ['shop', 'billing', 'shop']);
    now = 2000;
    expect(await dir.list('orders-prod')).toEqual(['billing', 'shop']);

    // Same summary hash: the (possibly large) schema.json is not read again.
    await sink.write('orders-prod/schema.json', JSON.stringify({ schemas: [{ name: 'changed_without_a_new_summary' }] }), 'application/json');
    now = 4000;
    expect(await dir.list('orders-prod')).toEqual(['billing', 'shop']);

    await publish('h2', ['shop', 'archive']);
    now = 4500; // within the check interval: still the cached answer
    expect(await dir.list('orders-prod')).toEqual(['billing', 'shop']);
    now = 6000;
    expect(await dir.list('orders-prod')).toEqual(['archive', 'shop']);
  });
});
