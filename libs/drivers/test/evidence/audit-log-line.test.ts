import { compareAuditRecords, parseAuditLine, sortAuditRecords } from '../../src';

describe('server_audit log lines', () => {
  it('reads a MariaDB query record, unescaping quotes, backslashes and newlines', () => {
    // As MariaDB 10.11 wrote it for: INSERT INTO t VALUES (1,'it''s, a "test"<newline>line2\\x')
    const line = `20261202 04:15:49,vm,evx_probe,127.0.0.1,438,5618,QUERY,evx_probe_db,'INSERT INTO t VALUES (1,\\'it\\'\\'s, a "test"\\nline2\\\\\\\\x\\')',0`;
    expect(parseAuditLine(line)).toEqual({
      at: '2026-12-02T04:15:49.000Z',
      server: 'vm',
      user: 'evx_probe',
      host: '127.0.0.1',
      connectionId: 438,
      queryId: 5618,
      kind: 'query',
      operation: 'QUERY',
      database: 'evx_probe_db',
      statement: `INSERT INTO t VALUES (1,'it''s, a "test"\nline2\\\\x')`,
      resultCode: 0,
    });
  });

  it('converts the server local time with its UTC offset', () => {
    const line = `20261202 13:15:49,vm,u1,127.0.0.1,7,0,CONNECT,shop,,0`;
    expect(parseAuditLine(line, { utcOffsetMinutes: 540 })?.at).toBe('2026-12-02T04:15:49.000Z');
  });

  it('reads connects, refused logins, disconnects and failed statements', () => {
    expect(parseAuditLine('20261202 04:15:48,vm,evx_probe,127.0.0.1,438,0,CONNECT,evx_probe_db,,0')).toMatchObject({ kind: 'connect', connectionId: 438, database: 'evx_probe_db', resultCode: 0 });
    expect(parseAuditLine('20261202 04:15:49,vm,evx_probe,127.0.0.1,439,0,FAILED_CONNECT,,,1045')).toMatchObject({ kind: 'failed_connect', resultCode: 1045, database: '' });
    expect(parseAuditLine('20261202 04:15:49,vm,evx_probe,127.0.0.1,438,0,DISCONNECT,evx_probe_db,,0')).toMatchObject({ kind: 'disconnect' });
    expect(parseAuditLine("20261202 04:15:49,vm,evx_probe,127.0.0.1,438,5622,QUERY,evx_probe_db,'SELECT nosuch FROM t',1054")).toMatchObject({ kind: 'query', statement: 'SELECT nosuch FROM t', resultCode: 1054 });
    expect(parseAuditLine("20261202 04:15:48,vm,root,127.0.0.1,437,5614,QUERY,mysql,'CREATE USER IF NOT EXISTS \\'evx_probe\\'@\\'%\\' IDENTIFIED BY *****',0")?.statement).toBe(
      "CREATE USER IF NOT EXISTS 'evx_probe'@'%' IDENTIFIED BY *****",
    );
  });

  it('reads the Aurora record format (Unix microseconds) and ignores trailing fields', () => {
    // The documented field order; Aurora's timestamp is Unix time in microseconds.
    expect(parseAuditLine("1653053459680124,c731-instance-1,admin,52.94.133.136,35,698024,QUERY,testdb,'select * from t where a = \\'x,y\\'',0")).toEqual({
      at: '2022-05-20T13:30:59.680Z',
      server: 'c731-instance-1',
      user: 'admin',
      host: '52.94.133.136',
      connectionId: 35,
      queryId: 698024,
      kind: 'query',
      operation: 'QUERY',
      database: 'testdb',
      statement: "select * from t where a = 'x,y'",
      resultCode: 0,
    });
    expect(parseAuditLine('1653053459680124,c731-instance-1,admin,52.94.133.136,35,698024,WRITE,testdb,test2,0')).toMatchObject({ kind: 'other', operation: 'WRITE' });
    expect(parseAuditLine('1653053459680124,c731-instance-1,admin,10.0.0.9,36,0,CONNECT,,,1045')).toMatchObject({ kind: 'failed_connect' });
    expect(parseAuditLine('1653053459680124,c731-instance-1,admin,10.0.0.9,36,0,DISCONNECT,,,0,TCP/IP')).toMatchObject({ kind: 'disconnect', resultCode: 0 });
  });

  it('refuses what is not a record', () => {
    for (const bad of ['', 'hello', '20261202 04:15:49,vm,u,h,x,0,QUERY,db,,0', "20261202 04:15:49,vm,u,h,1,2,QUERY,db,'unterminated", 'yesterday,vm,u,h,1,2,QUERY,db,,0']) {
      expect(parseAuditLine(bad)).toBeUndefined();
    }
  });

  it('orders a connection: connect, statements by query id, disconnect', () => {
    const lines = [
      '20261202 04:15:49,vm,u,h,8,0,DISCONNECT,db,,0',
      "20261202 04:15:49,vm,u,h,8,12,QUERY,db,'B',0",
      "20261202 04:15:49,vm,u,h,8,11,QUERY,db,'A',0",
      '20261202 04:15:49,vm,u,h,8,0,CONNECT,db,,0',
      "20261202 04:15:48,vm,u,h,9,10,QUERY,db,'earlier',0",
    ];
    const sorted = lines.map((l) => parseAuditLine(l)!).sort(compareAuditRecords);
    expect(sorted.map((r) => r.statement ?? r.kind)).toEqual(['earlier', 'connect', 'A', 'B', 'disconnect']);
  });

  it("puts a DISCONNECT stamped too early after its session's last record, not after a later session of the same id", () => {
    const lines = [
      // Session 1 of connection 8: the UPDATE ran into second :51, its DISCONNECT was stamped :50.
      '20261202 04:15:49,vm,u,h,8,0,CONNECT,db,,0',
      "20261202 04:15:51,vm,u,h,8,21,QUERY,db,'UPDATE t SET a = 1',0",
      '20261202 04:15:50,vm,u,h,8,0,DISCONNECT,db,,0',
      // Another connection in between, and connection 9's DISCONNECT, which is on time.
      "20261202 04:15:50,vm,u,h,9,20,QUERY,db,'other',0",
      '20261202 04:15:52,vm,u,h,9,0,DISCONNECT,db,,0',
      // The server gave id 8 out again: its later records do not move session 1's DISCONNECT.
      '20261202 04:15:55,vm,u,h,8,0,CONNECT,db,,0',
      "20261202 04:15:56,vm,u,h,8,30,QUERY,db,'SELECT 2',0",
      '20261202 04:15:57,vm,u,h,8,0,DISCONNECT,db,,0',
      // The same id on another server is another connection.
      "20261202 04:15:53,vm2,u,h,8,5,QUERY,db,'on vm2',0",
    ];
    const sorted = sortAuditRecords(lines.map((l) => parseAuditLine(l)!));
    expect(sorted.map((r) => [r.at.slice(17, 19), r.server, r.connectionId, r.statement ?? r.kind])).toEqual([
      ['49', 'vm', 8, 'connect'],
      ['50', 'vm', 9, 'other'],
      ['51', 'vm', 8, 'UPDATE t SET a = 1'],
      ['51', 'vm', 8, 'disconnect'],
      ['52', 'vm', 9, 'disconnect'],
      ['53', 'vm2', 8, 'on vm2'],
      ['55', 'vm', 8, 'connect'],
      ['56', 'vm', 8, 'SELECT 2'],
      ['57', 'vm', 8, 'disconnect'],
    ]);
    // Records already in order come back in the same order, unchanged.
    expect(sortAuditRecords(sorted)).toEqual(sorted);
  });
});
