import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { snapshotSchema } from '@dbre/docs';
import { loadLiveSchema } from '../src';
import { SNAPSHOT_DIR } from './helpers';

describe('reading the doc-crawler snapshot', () => {
  it('uses a fixture that is a valid doc-crawler snapshot v1 (the contract with libs/docs)', () => {
    const data = JSON.parse(readFileSync(path.join(SNAPSHOT_DIR, 'shop-prod', 'schema.json'), 'utf8'));
    expect(snapshotSchema.safeParse(data).success).toBe(true);
  });

  it('finds the schema with sizes, rows, indexes, views and the server version', async () => {
    const found = await loadLiveSchema(SNAPSHOT_DIR, 'shop-prod', 'shop');
    if (found.status !== 'found') throw new Error(found.reason);
    expect(found.live).toMatchObject({ cluster: 'shop-prod', schema: 'shop', generatedAt: '2026-11-24T03:00:00Z', serverVersion: '8.0.32' });
    expect(found.live.tables.get('orders')).toMatchObject({ rowsEstimate: 210000000, dataLength: 10737418240 });
    expect(found.live.views.map((v) => v.name)).toEqual(['v_user_emails']);
  });

  it('explains why there is no snapshot instead of failing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'review-snap-'));
    try {
      expect(await loadLiveSchema(dir, 'nowhere', 'shop')).toMatchObject({ status: 'missing', reason: expect.stringContaining('no doc-crawler snapshot at') });
      expect(await loadLiveSchema(dir, '../etc', 'shop')).toMatchObject({ status: 'missing', reason: expect.stringContaining('not a valid cluster id') });
      await mkdir(path.join(dir, 'broken'));
      await writeFile(path.join(dir, 'broken', 'schema.json'), '{ not json');
      expect(await loadLiveSchema(dir, 'broken', 'shop')).toMatchObject({ status: 'missing', reason: expect.stringContaining('not valid JSON') });
      await mkdir(path.join(dir, 'odd'));
      await writeFile(path.join(dir, 'odd', 'schema.json'), JSON.stringify({ clusterId: 'odd', schemas: [{ name: 'x', tables: [{ name: 't', columns: 'nope' }] }] }));
      expect(await loadLiveSchema(dir, 'odd', 'x')).toMatchObject({ status: 'missing', reason: expect.stringContaining('does not match the expected format') });
      expect(await loadLiveSchema(SNAPSHOT_DIR, 'shop-prod', 'nope')).toMatchObject({ status: 'missing', reason: 'the snapshot of shop-prod has no schema nope' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads the snapshot through a reader (the DocSink on AWS) and explains its absence or failure', async () => {
    const asked: string[] = [];
    const reader = async (clusterId: string) => {
      asked.push(clusterId);
      if (clusterId === 'shop-prod') return readFile(path.join(SNAPSHOT_DIR, 'shop-prod', 'schema.json'));
      if (clusterId === 'broken') return Buffer.from('{ not json');
      if (clusterId === 'down') throw new Error('AccessDenied');
      return undefined;
    };
    const found = await loadLiveSchema(reader, 'shop-prod', 'shop');
    if (found.status !== 'found') throw new Error(found.reason);
    expect(found).toMatchObject({ file: 'shop-prod/schema.json', live: { cluster: 'shop-prod', schema: 'shop', serverVersion: '8.0.32' } });
    expect(await loadLiveSchema(reader, 'nowhere', 'shop')).toMatchObject({ status: 'missing', reason: 'no doc-crawler snapshot at nowhere/schema.json in the doc sink' });
    expect(await loadLiveSchema(reader, 'broken', 'shop')).toMatchObject({ status: 'missing', reason: expect.stringContaining('not valid JSON') });
    expect(await loadLiveSchema(reader, 'down', 'shop')).toMatchObject({ status: 'missing', reason: expect.stringContaining('could not be read (AccessDenied)') });
    // An invalid id is refused before the reader is asked.
    expect(await loadLiveSchema(reader, '../etc', 'shop')).toMatchObject({ status: 'missing', reason: expect.stringContaining('not a valid cluster id') });
    expect(asked).toEqual(['shop-prod', 'nowhere', 'broken', 'down']);
  });
});
