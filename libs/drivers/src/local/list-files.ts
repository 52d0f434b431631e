import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every file below `dir`, as `rel/...` paths, sorted; a missing folder lists nothing. Files
 * ending in `.tmp` (a write in progress) are left out.
 */
export async function listFiles(dir: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    for (const e of entries) {
      const childRel = prefix === '' ? e.name : `${prefix}/${e.name}`;
      if (e.isDirectory()) await walk(join(at, e.name), childRel);
      else if (e.isFile() && !e.name.endsWith('.tmp')) out.push(childRel);
    }
  };
  await walk(dir, rel);
  return out.sort();
}
