import { z } from 'zod';
import mariadb1011 from './baselines/mariadb-10.11.json';

/**
 * The engine defaults a cluster's variables are compared with. On AWS they come from the RDS
 * parameter group's source "engine-default"; locally from a baseline recorded from a stock
 * server (`npm run docs -- baseline`: a throwaway `mariadbd --no-defaults` on an empty data
 * directory, then SHOW GLOBAL VARIABLES), kept in ./baselines. `--help --verbose` is not used
 * for values: it prints some values before the server computes them (aria_checkpoint_interval 0
 * for 30, slave_parallel_mode conservative for optimistic, "(No default value)" for many).
 */
export const baselineSchema = z.object({
  id: z.string(),
  flavor: z.enum(['mariadb', 'mysql']),
  /** major.minor, e.g. 10.11 */
  version: z.string().regex(/^\d+\.\d+$/),
  source: z.string(),
  values: z.record(z.string(), z.string()),
  /** What each setting does (first sentence of the server's own help, or the RDS description). */
  descriptions: z.record(z.string(), z.string()).optional(),
});
export type ParameterBaseline = z.output<typeof baselineSchema>;

export const BUILTIN_BASELINES: readonly ParameterBaseline[] = [baselineSchema.parse(mariadb1011)];

/** The baseline for a server version string (`10.11.19-MariaDB-...`, `8.0.36`), if recorded. */
export function baselineFor(serverVersion: string, baselines: readonly ParameterBaseline[] = BUILTIN_BASELINES): ParameterBaseline | undefined {
  const flavor = /mariadb/i.test(serverVersion) ? 'mariadb' : 'mysql';
  const m = /^(\d+)\.(\d+)/.exec(serverVersion);
  if (!m) return undefined;
  return baselines.find((b) => b.flavor === flavor && b.version === `${m[1]}.${m[2]}`);
}

/**
 * What kind of variable this is, so the pages put real configuration choices first:
 * - `choice`: a setting an operator chooses (sql_mode, character_set_server, ...);
 * - `computed`: sized or derived by the server from the machine or other settings;
 * - `host`: names this server (ids, ports it reports, pid and log files);
 * - `path`: where files live (directories, sockets): set by packaging, not a behaviour;
 * - `build`: fixed by the binary (version, have_*, compile options): not settable.
 */
export type VariableClass = 'choice' | 'computed' | 'host' | 'path' | 'build';

/** Values the server computes from memory, CPUs, open-file limits or another setting. */
const COMPUTED = new Set([
  'innodb_buffer_pool_size_auto_min',
  'innodb_buffer_pool_chunk_size',
  'innodb_buffer_pool_instances',
  'innodb_io_capacity_max',
  'innodb_open_files',
  'innodb_log_write_ahead_size',
  'innodb_log_file_mmap',
  'innodb_page_cleaners',
  'innodb_purge_threads',
  'innodb_read_io_threads',
  'innodb_write_io_threads',
  'innodb_log_buffer_size',
  'innodb_adaptive_hash_index_parts',
  'open_files_limit',
  'table_open_cache_instances',
  'thread_cache_size',
  'thread_pool_size',
  'host_cache_size',
  'max_digest_length',
  'large_page_size',
  'lower_case_file_system',
  'system_time_zone',
  'back_log',
  'innodb_dedicated_server',
  // Global defaults of session character sets and collations follow character_set_server / collation_server.
  'character_set_client',
  'character_set_connection',
  'character_set_results',
  'character_set_database',
  'collation_connection',
  'collation_database',
]);
const HOST = new Set(['hostname', 'server_id', 'server_uuid', 'server_uid', 'report_host', 'report_port', 'report_user', 'report_password', 'wsrep_node_name', 'wsrep_node_address', 'wsrep_node_incoming_address', 'pid_file', 'log_error', 'general_log_file', 'slow_query_log_file', 'log_bin_basename', 'log_bin_index', 'relay_log', 'relay_log_basename', 'relay_log_index', 'relay_log_info_file', 'master_info_file', 'aurora_server_id', 'aurora_instance_id']);
const BUILD = /^(version(_.+)?|have_.+|protocol_version|license|character_set_system|version_source_revision|large_files_support|innodb_version|aurora_version)$/;
const PATH_NAME = /(^|_)(dir|directory|path|socket|home_dir|tmpdir|datadir|basedir)$|_dir_|^secure_file_priv$|^plugin_dir$|^innodb_data_file_path$|^innodb_temp_data_file_path$|^ft_stopword_file$/;

export function classifyVariable(name: string): VariableClass {
  if (BUILD.test(name)) return 'build';
  if (HOST.has(name)) return 'host';
  if (COMPUTED.has(name)) return 'computed';
  // performance_schema sizes default to -1 = "autosized by the server".
  if (name.startsWith('performance_schema_') && /(_size|_instances|_classes|_handles|_tables|_users|_hosts|_accounts|_length|_stack)$/.test(name)) return 'computed';
  if (PATH_NAME.test(name)) return 'path';
  return 'choice';
}

const SIZE = /^(\d+(?:\.\d+)?)\s*([KMGTP])B?$/i;
const UNITS: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };
const FLAGS = /^[a-z_0-9]+=[a-z_0-9]+(,[a-z_0-9]+=[a-z_0-9]+)*$/i;

/** Normalizes one value for comparison by meaning: booleans, case, numbers and size units, paths. */
export function normalizeValue(value: string): string {
  const v = value.trim();
  const upper = v.toUpperCase();
  if (upper === 'TRUE' || upper === 'YES') return 'ON';
  if (upper === 'FALSE' || upper === 'NO') return 'OFF';
  if (v === '(No default value)') return '';
  // 100 and 100.000000 are the same setting; so are 128M and 134217728.
  if (/^-?\d+(\.\d+)?$/.test(v)) return String(Number(v));
  const size = SIZE.exec(v);
  if (size?.[1] && size[2]) return String(Number(size[1]) * (UNITS[size[2].toUpperCase()] ?? 1));
  // /usr and /usr/ are the same directory.
  if (v.startsWith('/') || v.startsWith('./')) return v.replace(/\/{2,}/g, '/').replace(/(.)\/+$/, '$1');
  return upper;
}

export interface ParameterComparison {
  differs: boolean;
  /** For flag sets (optimizer_switch): the flags that differ, as `flag=value`. */
  flags?: string[];
}

/**
 * Compares a value with its default by meaning: ON/1/TRUE, 128M/134217728, `/usr`/`/usr/`,
 * comma lists in any order (sql_mode), and flag sets flag by flag — a flag the baseline does not
 * list (a newer server's addition) is not a difference. A default that is empty or
 * "(No default value)" matches an empty value, `OFF` or the server's own placeholders.
 */
export function compareWithDefault(value: string, def: string): ParameterComparison {
  const a = value.trim();
  const b = def.trim();
  if (FLAGS.test(a) && FLAGS.test(b)) {
    const base = new Map(b.split(',').map((f) => f.split('=') as [string, string]).map(([k, x]) => [k.toLowerCase(), x.toLowerCase()]));
    const flags = a
      .split(',')
      .map((f) => f.split('=') as [string, string])
      .filter(([k, x]) => base.has(k.toLowerCase()) && base.get(k.toLowerCase()) !== x.toLowerCase())
      .map(([k, x]) => `${k}=${x}`);
    return flags.length ? { differs: true, flags } : { differs: false };
  }
  const na = normalizeValue(a);
  const nb = normalizeValue(b);
  if (na === nb) return { differs: false };
  if (nb === '' && ['', 'OFF', '(BUILT-IN)', './', '.'].includes(na)) return { differs: false };
  // Booleans spelled as numbers on one side (RDS writes 1/0, SHOW VARIABLES ON/OFF).
  const bool = (x: string) => (x === 'ON' || x === '1' ? 'ON' : x === 'OFF' || x === '0' ? 'OFF' : undefined);
  if ((na === 'ON' || na === 'OFF' || nb === 'ON' || nb === 'OFF') && bool(na) !== undefined && bool(na) === bool(nb)) return { differs: false };
  // Lists whose order carries no meaning (sql_mode, optimizer flags without values).
  if (a.includes(',') || b.includes(',')) {
    const set = (x: string) => [...new Set(x.toUpperCase().split(',').map((s) => s.trim()).filter(Boolean))].sort().join(',');
    if (set(a) === set(b)) return { differs: false };
  }
  return { differs: true };
}

/** true: differs; false: same; undefined: the baseline does not know the variable. */
export function differsFromBaseline(baseline: ParameterBaseline | undefined, name: string, value: string): boolean | undefined {
  const def = baseline?.values[name];
  if (def === undefined) return undefined;
  return compareWithDefault(value, def).differs;
}

/**
 * Parses the variables table printed by `mariadbd --no-defaults --help --verbose`
 * (`name   value` after a dashed line; dashes in names become underscores).
 */
export function parseHelpVerbose(text: string): Record<string, string> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^-{20,} -{5,}/.test(l));
  const out: Record<string, string> = {};
  if (start < 0) return out;
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    out[m[1].replace(/-/g, '_')] = m[2].trim();
  }
  return sortRecord(out);
}

/**
 * The option descriptions of `mariadbd --help --verbose` (`  --name=# text` with continuation
 * lines indented), first sentence only, keyed by variable name.
 */
export function parseHelpDescriptions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let name: string | undefined;
  let buf: string[] = [];
  const flush = () => {
    if (name && buf.length) {
      const joined = buf.join(' ').replace(/\s+/g, ' ').trim();
      const first = /^(.+?[.!?])(\s|$)/.exec(joined)?.[1] ?? joined;
      if (first) out[name] = first.length > 200 ? `${first.slice(0, 197)}...` : first;
    }
    name = undefined;
    buf = [];
  };
  for (const line of text.split('\n')) {
    const opt = /^ {2}(?:-\w, )?--([a-z0-9-]+)(?:\[?=[^\s\]]*\]?)?\s*(.*)$/.exec(line);
    if (opt?.[1]) {
      flush();
      name = opt[1].replace(/-/g, '_');
      if (opt[2]) buf.push(opt[2]);
    } else if (name && /^ {10,}\S/.test(line)) buf.push(line.trim());
    else if (/^-{20,} -{5,}/.test(line)) break;
    else flush();
  }
  flush();
  return sortRecord(out);
}

function sortRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
