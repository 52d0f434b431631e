import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { EvidenceExistsError, evidenceKeySegments, EvidenceKeyError } from '../evidence-key';
import { listFiles } from './list-files';
import type { EvidenceStore } from '../ports';

export interface FolderEvidenceStore extends EvidenceStore {
  root: string;
}

/**
 * The local EvidenceStore: read-only files under `root`. A put writes a temporary file (flag
 * `wx`, mode 0444) and hard-links it to the key: `link` refuses an existing name atomically,
 * so a concurrent or repeated put never replaces evidence and a crash never leaves half a file
 * under the key.
 */
export function createFolderEvidenceStore(options: { root: string }): FolderEvidenceStore {
  const root = resolve(options.root);
  const absolute = (key: string, kind: 'key' | 'prefix' = 'key'): string => {
    const abs = join(root, ...evidenceKeySegments(key, kind));
    if (abs !== root && !abs.startsWith(root + sep)) throw new EvidenceKeyError(key, 'escapes the store root');
    return abs;
  };
  return {
    root,
    async put(key, body) {
      const abs = absolute(key);
      await mkdir(dirname(abs), { recursive: true });
      const tmp = `${abs}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, body, { flag: 'wx', mode: 0o444 });
        await link(tmp, abs);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new EvidenceExistsError(key);
        throw err;
      } finally {
        await rm(tmp, { force: true });
      }
    },
    async get(key) {
      try {
        return await readFile(absolute(key));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw err;
      }
    },
    async list(prefix) {
      const clean = prefix.replace(/\/+$/, '');
      const base = clean === '' ? root : absolute(clean, 'prefix');
      return listFiles(base, clean);
    },
  };
}
