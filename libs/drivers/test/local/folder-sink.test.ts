import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFolderSink, SinkPathError, type FolderSink } from '../../src';

describe('folder doc sink', () => {
  let root: string;
  let sink: FolderSink;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'folder-sink-'));
    sink = createFolderSink({ root });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes new content and reports identical content as unchanged without touching the file', async () => {
    expect(await sink.write('a/b/page.md', '# 日本語\n', 'text/markdown')).toBe('written');
    const before = await stat(join(root, 'a/b/page.md'));
    await new Promise((r) => setTimeout(r, 15));
    expect(await sink.write('a/b/page.md', Buffer.from('# 日本語\n'), 'text/markdown')).toBe('unchanged');
    expect((await stat(join(root, 'a/b/page.md'))).mtimeMs).toBe(before.mtimeMs);
    expect(await sink.write('a/b/page.md', '# changed\n', 'text/markdown')).toBe('written');
    expect(await readFile(join(root, 'a/b/page.md'), 'utf8')).toBe('# changed\n');
  });

  it('compares with the file on disk, so a file edited or deleted by hand is written again', async () => {
    await sink.write('x.md', 'one', 'text/plain');
    await writeFile(join(root, 'x.md'), 'edited');
    expect(await sink.write('x.md', 'one', 'text/plain')).toBe('written');
    await rm(join(root, 'x.md'));
    expect(await sink.write('x.md', 'one', 'text/plain')).toBe('written');
  });

  it('reads, lists sorted without temporary files, and removes', async () => {
    await sink.write('c/2.md', '2', 'text/plain');
    await sink.write('c/1.md', '1', 'text/plain');
    await sink.write('d.md', 'd', 'text/plain');
    await writeFile(join(root, 'c/3.md.abc.tmp'), 'partial');
    expect(await sink.list('c/')).toEqual(['c/1.md', 'c/2.md']);
    expect(await sink.list('')).toEqual(['c/1.md', 'c/2.md', 'd.md']);
    expect(await sink.list('missing/')).toEqual([]);
    expect((await sink.read('c/1.md'))?.toString()).toBe('1');
    expect(await sink.read('nope.md')).toBeUndefined();
    expect(await sink.remove('c/1.md')).toBe(true);
    expect(await sink.remove('c/1.md')).toBe(false);
  });

  it.each(['../escape.md', 'a/../../escape.md', '/etc/passwd', 'a//b.md', './a.md', 'a\\b.md', 'a\0b', ''])('refuses the path %j', async (path) => {
    await expect(sink.write(path, 'x', 'text/plain')).rejects.toBeInstanceOf(SinkPathError);
    await expect(sink.read(path)).rejects.toBeInstanceOf(SinkPathError);
  });

  it('leaves no temporary file behind and never shows half a page (atomic rename)', async () => {
    const big = 'x'.repeat(2_000_000);
    await Promise.all([sink.write('big.md', big, 'text/plain'), sink.write('big.md', big, 'text/plain')]);
    expect(await readFile(join(root, 'big.md'), 'utf8')).toHaveLength(big.length);
    expect(await sink.list('')).toEqual(['big.md']);
  });
});
