import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { createFolderSink, enableServerAudit, type DocSink } from '@dbre/drivers';
import { auditLoggingOf, parseSnapshot, paths, readClusterAuditLogging, runFleetInProcess, type CrawlSettings } from '../src';
import { rootConnection } from './support/fixture';
import { localTarget } from './support/targets';

/**
 * The "audit logging off" flag on the real MariaDB: its server_audit plugin is switched off for
 * the shortest possible time (a crawl without schemas) and always switched back on, since other
 * tests on this machine collect evidence from it.
 */
jest.setTimeout(60_000);

describe('the doc-crawler flags clusters whose audit logging is off', () => {
  let root: Connection;
  let out: string;
  let sink: DocSink;
  const on = localTarget('dev-audit-on');
  const off = localTarget('dev-audit-off');
  const settings: CrawlSettings = { concurrency: 1, clusterTimeoutMs: 30_000, attempts: 1, connectTimeoutMs: 3_000, includeSchema: () => false };
  const page = (p: string) => readFile(join(out, p), 'utf8');

  beforeAll(async () => {
    root = await rootConnection();
    await enableServerAudit(root); // idempotent; never turns anything off
    out = await mkdtemp(join(tmpdir(), 'docs-audit-'));
    sink = createFolderSink({ root: out });
  });
  afterAll(async () => {
    await root.query('SET GLOBAL server_audit_logging = ON');
    await root.end();
    await rm(out, { recursive: true, force: true });
  });

  it('records audit logging on in the snapshot, the parameters page and the fleet index', async () => {
    const run = await runFleetInProcess({ sink }, { runId: 'a1', targets: [on], inventory: [on, off], settings, now: () => new Date('2026-12-01T03:00:00.000Z') });
    expect(run.failed).toEqual([]);
    const snapshot = parseSnapshot(await sink.read(paths.snapshot(on.id)));
    expect(snapshot?.snapshotMinorVersion).toBe(2);
    expect(snapshot?.auditLogging).toMatchObject({ enabled: true });
    expect(snapshot?.auditLogging?.detail).toMatch(/^server_audit_logging=ON, events /);
    expect(await page(paths.parameters(on.id))).toContain('Audit logging: **on** (server\\_audit\\_logging=ON, events ');
    expect(await readClusterAuditLogging(sink, on.id)).toMatchObject({ enabled: true, capturedAt: '2026-12-01T03:00:00.000Z' });
    expect(await readClusterAuditLogging(sink, 'never-crawled')).toBeUndefined();
  });

  it('flags a cluster crawled with server_audit_logging OFF, then clears the flag once it is back on', async () => {
    try {
      await root.query('SET GLOBAL server_audit_logging = OFF');
      const run = await runFleetInProcess({ sink }, { runId: 'a2', targets: [off], inventory: [on, off], settings, now: () => new Date('2026-12-01T04:00:00.000Z') });
      expect(run.failed).toEqual([]);
    } finally {
      await root.query('SET GLOBAL server_audit_logging = ON');
    }
    const [[row]] = (await root.query('SELECT @@GLOBAL.server_audit_logging AS v')) as unknown as [[{ v: number }]];
    expect(Number(row.v)).toBe(1); // restored for everyone else

    const snapshot = parseSnapshot(await sink.read(paths.snapshot(off.id)));
    expect(snapshot?.auditLogging).toEqual({ enabled: false, detail: 'server_audit_logging=OFF: nothing the users run is logged', events: snapshot?.variables['server_audit_events'] });
    const params = await page(paths.parameters(off.id));
    expect(params).toContain('> **⚠ AUDIT LOGGING OFF** — server\\_audit\\_logging=OFF: nothing the users run is logged.');
    const index = await page(paths.fleetIndex);
    expect(index).toContain('**1 with audit logging off**');
    expect(index).toContain('| [`dev-audit-off`](dev-audit-off/README.md) | dev | mariadb |');
    expect(index).toContain('[**⚠ OFF**](dev-audit-off/parameters.md)');
    expect(index).toMatch(/\| \[`dev-audit-on`\]\(dev-audit-on\/README\.md\) \| dev \| mariadb \| `[^`]+` \| on \|/);
    // Markdown: the underscores are escaped, so they show as written.
    expect(index).toContain('## Audit logging off\n\nGrants on these clusters leave no database evidence of what their users ran (their evidence bundles say so):\n\n- [`dev-audit-off`](dev-audit-off/parameters.md): server\\_audit\\_logging=OFF: nothing the users run is logged');
    expect(await readClusterAuditLogging(sink, off.id)).toEqual({ enabled: false, detail: 'server_audit_logging=OFF: nothing the users run is logged', capturedAt: '2026-12-01T04:00:00.000Z' });

    await runFleetInProcess({ sink }, { runId: 'a3', targets: [off], inventory: [on, off], settings, now: () => new Date('2026-12-01T05:00:00.000Z') });
    expect(await page(paths.fleetIndex)).toContain('**0 with audit logging off**');
    expect(await page(paths.fleetIndex)).not.toContain('## Audit logging off');
    expect(await readClusterAuditLogging(sink, off.id)).toMatchObject({ enabled: true });
  });
});

describe('auditLoggingOf', () => {
  it('reads the MariaDB plugin state and the events it logs', () => {
    expect(auditLoggingOf({ engine: 'mariadb', variables: { max_connections: '151' } })).toEqual({ enabled: false, detail: 'the server_audit plugin is not installed (no server_audit_logging variable)' });
    expect(auditLoggingOf({ engine: 'mariadb', variables: { server_audit_logging: 'OFF', server_audit_events: 'CONNECT,QUERY' } })).toEqual({
      enabled: false,
      events: 'CONNECT,QUERY',
      detail: 'server_audit_logging=OFF: nothing the users run is logged',
    });
    expect(auditLoggingOf({ engine: 'mariadb', variables: { server_audit_logging: 'ON', server_audit_events: '' } })).toEqual({ enabled: true, events: '', detail: 'server_audit_logging=ON, events all' });
    expect(auditLoggingOf({ engine: 'mariadb', variables: { server_audit_logging: 'ON', server_audit_events: 'CONNECT,QUERY' } }).detail).toBe('server_audit_logging=ON, events CONNECT,QUERY');
    expect(auditLoggingOf({ engine: 'mariadb', variables: { server_audit_logging: 'ON', server_audit_events: 'QUERY_DDL' } }).detail).toBe('server_audit_logging=ON, events QUERY_DDL (not logged: CONNECT, QUERY_DML, QUERY_DCL)');
  });

  it('reads Aurora Advanced Auditing: the parameter, then whether the audit log is exported', () => {
    const variables = { server_audit_logging: 'ON', server_audit_events: 'CONNECT,QUERY_DCL,QUERY_DDL,QUERY_DML' };
    expect(auditLoggingOf({ engine: 'aurora-mysql', variables: { server_audit_logging: '0' } })).toMatchObject({ enabled: false, detail: 'server_audit_logging=0: nothing the users run is logged' });
    expect(auditLoggingOf({ engine: 'aurora-mysql', variables, logExports: ['error', 'slowquery'] })).toMatchObject({
      enabled: false,
      detail: 'server_audit_logging=ON, but the audit log is not exported to CloudWatch Logs (enabled_cloudwatch_logs_exports lacks "audit")',
    });
    expect(auditLoggingOf({ engine: 'aurora-mysql', variables, logExports: ['audit'] })).toEqual({ enabled: true, events: variables.server_audit_events, detail: 'server_audit_logging=ON, events CONNECT,QUERY_DCL,QUERY_DDL,QUERY_DML' });
    // Exports unknown (a config-file inventory): the parameter decides.
    expect(auditLoggingOf({ engine: 'aurora-mysql', variables }).enabled).toBe(true);
    expect(auditLoggingOf({ engine: 'aurora-mysql', variables: {} })).toEqual({ enabled: false, detail: 'server_audit_logging is not reported: Advanced Auditing is unavailable on this cluster' });
  });
});
