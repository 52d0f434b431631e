import type { AuditRecord, AuditRecordKind } from './ports';

/**
 * Parses one line of the `server_audit` CSV format, shared by MariaDB's plugin and Aurora MySQL
 * Advanced Auditing (which descends from it):
 * `timestamp,serverhost,username,host,connectionid,queryid,operation,database,object,retcode[,...]`.
 * MariaDB writes the timestamp as `YYYYMMDD HH:MM:SS` in the server's local time; Aurora as Unix
 * microseconds. A query (`object`) is in single quotes with `\'`, `\\`, `\n`, `\r`, `\t`, `\b`,
 * `\f` escaped. Fields after retcode (newer versions add one) are ignored. Returns undefined for
 * a line that is not a record.
 */
export function parseAuditLine(line: string, options: { utcOffsetMinutes?: number } = {}): AuditRecord | undefined {
  const fields: string[] = [];
  let i = 0;
  for (let f = 0; f < 8; f++) {
    const comma = line.indexOf(',', i);
    if (comma < 0) return undefined;
    fields.push(line.slice(i, comma));
    i = comma + 1;
  }
  let object = '';
  let quoted = false;
  if (line[i] === "'") {
    quoted = true;
    i++;
    let out = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) return undefined;
      const next = line[i + 1];
      if (c === '\\' && next !== undefined) {
        out += UNESCAPE[next] ?? next;
        i += 2;
      } else if (c === "'") {
        i++;
        break;
      } else {
        out += c;
        i++;
      }
    }
    object = out;
  } else {
    const comma = line.indexOf(',', i);
    if (comma < 0) return undefined;
    object = line.slice(i, comma);
    i = comma;
  }
  if (line[i] !== ',') return undefined;
  const rest = line.slice(i + 1);
  const retcode = rest.split(',', 1)[0] ?? '';
  const [ts, server, user, host, connectionId, queryId, operation, database] = fields as [string, string, string, string, string, string, string, string];
  const at = parseTimestamp(ts, options.utcOffsetMinutes ?? 0);
  if (!at || !/^\d+$/.test(connectionId) || !/^\d+$/.test(queryId) || !/^-?\d+$/.test(retcode.trim()) || !/^[A-Z_]+$/.test(operation)) return undefined;
  const resultCode = Number(retcode.trim());
  const kind = kindOf(operation, resultCode);
  return {
    at,
    server,
    user,
    host,
    connectionId: Number(connectionId),
    queryId: Number(queryId),
    kind,
    operation,
    database,
    ...(kind === 'query' || (quoted && object !== '') ? { statement: object } : {}),
    resultCode,
  };
}

const UNESCAPE: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', "'": "'", '\\': '\\' };

function kindOf(operation: string, resultCode: number): AuditRecordKind {
  switch (operation) {
    case 'CONNECT':
      // Aurora logs a refused login as CONNECT with a non-zero code; MariaDB as FAILED_CONNECT.
      return resultCode === 0 ? 'connect' : 'failed_connect';
    case 'FAILED_CONNECT':
      return 'failed_connect';
    case 'DISCONNECT':
      return 'disconnect';
    case 'QUERY':
      return 'query';
    default:
      return 'other';
  }
}

function parseTimestamp(ts: string, utcOffsetMinutes: number): string | undefined {
  const local = /^(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(ts);
  if (local) {
    const [, y, mo, d, h, mi, s] = local.map(Number) as [number, number, number, number, number, number, number];
    const ms = Date.UTC(y, mo - 1, d, h, mi, s) - utcOffsetMinutes * 60_000;
    return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
  }
  if (/^\d{13,17}$/.test(ts)) {
    // Unix microseconds (Aurora); kept to the millisecond.
    return new Date(Math.floor(Number(ts) / 1000)).toISOString();
  }
  return undefined;
}

/** Sorts records by time, server, connection and query id (log files are not in order). */
export function compareAuditRecords(a: AuditRecord, b: AuditRecord): number {
  return (
    (a.at < b.at ? -1 : a.at > b.at ? 1 : 0) ||
    (a.server < b.server ? -1 : a.server > b.server ? 1 : 0) ||
    a.connectionId - b.connectionId ||
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    a.queryId - b.queryId
  );
}

/**
 * Sorts like compareAuditRecords, with each DISCONNECT after every other record of its session (its connection up
 * to the next CONNECT with the same id), stamped with the latest of their times. A connection logs nothing after
 * it ends, but a DISCONNECT's time can be older than the statement before it: MariaDB stamps it with the second in
 * which the last command started (seen); whether Aurora can do the same is not known, so its records go through this too.
 */
export function sortAuditRecords(records: readonly AuditRecord[]): AuditRecord[] {
  const sorted = [...records].sort(compareAuditRecords);
  const latestAfter = new Map<string, string>();
  let moved = false;
  for (const [i, record] of [...sorted.entries()].reverse()) {
    const session = `${record.server}\0${record.connectionId}`;
    const latest = latestAfter.get(session);
    if (record.kind === 'connect') latestAfter.delete(session);
    else if (record.kind === 'disconnect') {
      if (latest !== undefined && latest > record.at) {
        sorted[i] = { ...record, at: latest };
        moved = true;
      }
      latestAfter.delete(session);
    } else if (latest === undefined || record.at > latest) latestAfter.set(session, record.at);
  }
  return moved ? sorted.sort(compareAuditRecords) : sorted;
}

// Within one second of one connection: CONNECT, then the statements by query id, then DISCONNECT.
const KIND_ORDER: Record<AuditRecordKind, number> = { connect: 0, failed_connect: 1, query: 2, other: 2, disconnect: 3 };
