import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { listFiles } from './list-files';
import type { DocSink, SinkWriteResult } from '../ports';

export class SinkPathError extends Error {
  readonly code = 'SINK_PATH_INVALID';
  readonly kind = 'invalid';
  constructor(path: string, why: string) {
    super(`refused doc path ${JSON.stringify(path)}: ${why}`);
    this.name = 'SinkPathError';
  }
}

/**
 * Checks a sink-relative path: forward slashes, no empty, `.` or `..` segments, no absolute
 * path, no backslash or NUL. Returns the segments.
 */
export function sinkPathSegments(path: string): string[] {
  if (typeof path !== 'string' || path.length === 0) throw new SinkPathError(String(path), 'empty');
  if (path.length > 1024) throw new SinkPathError(path.slice(0, 64), 'longer than 1024 characters');
  if (path.includes('\0')) throw new SinkPathError(path, 'contains NUL');
  if (path.includes('\\')) throw new SinkPathError(path, 'contains a backslash');
  if (path.startsWith('/')) throw new SinkPathError(path, 'absolute');
  const segments = path.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') throw new SinkPathError(path, 'empty, "." or ".." segment');
  }
  return segments;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export interface FolderSink extends DocSink {
  /** Absolute root folder. */
  root: string;
  /** Deletes a file; false when it did not exist. */
  remove(path: string): Promise<boolean>;
}

/**
 * The local `DocSink`: files under `root`. A write compares the content hash with the file
 * already there and leaves an identical file untouched (mtime included); otherwise it writes a
 * temporary file beside the target and renames it over, so a reader never sees half a page.
 */
export function createFolderSink(options: { root: string }): FolderSink {
  const root = resolve(options.root);
  // Folders known to exist: saves a mkdir per page; a folder removed meanwhile is made again.
  const folders = new Set<string>();

  const absolute = (path: string): string => {
    const abs = join(root, ...sinkPathSegments(path));
    if (!abs.startsWith(root + sep)) throw new SinkPathError(path, 'escapes the sink root');
    return abs;
  };

  const readIfExists = async (abs: string): Promise<Buffer | undefined> => {
    try {
      return await readFile(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
  };

  return {
    root,
    async write(path, content, _contentType): Promise<SinkWriteResult> {
      const abs = absolute(path);
      const hash = sha256(content);
      // Always compare with what is on disk: someone may have edited or deleted the file.
      const existing = await readIfExists(abs);
      if (existing && sha256(existing) === hash) return 'unchanged';
      const dir = dirname(abs);
      if (!folders.has(dir)) {
        await mkdir(dir, { recursive: true });
        folders.add(dir);
      }
      const tmp = `${abs}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        try {
          await writeFile(tmp, content);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          await mkdir(dir, { recursive: true });
          await writeFile(tmp, content);
        }
        await rename(tmp, abs);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      return 'written';
    },
    async read(path) {
      return readIfExists(absolute(path));
    },
    async list(prefix) {
      // '' lists everything; otherwise a folder-like prefix ('a/b/') or a path prefix ('a/b').
      const clean = prefix.replace(/\/+$/, '');
      const base = clean === '' ? root : absolute(clean);
      return listFiles(base, clean);
    },
    async remove(path) {
      const abs = absolute(path);
      const existed = (await readIfExists(abs)) !== undefined;
      await rm(abs, { force: true });
      return existed;
    },
  };
}
