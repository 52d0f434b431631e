import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { carriedFile, carryIn, carryOut, chunksOf, libScoreOf, parseArgs, runSeconds, scoreOf, type FileScore } from '../run';

// The sequencer decides which test files a mutant run loads: dropping a file that holds a covering test would
// let a mutant survive that the tests kill, so it is tested from that side first.
const MutationSequencer = require('../sequencer.cjs') as new (o: { globalConfig: { testNamePattern?: string }; contexts: unknown[] }) => {
  sort(tests: FakeTest[]): Promise<FakeTest[]>;
};

interface FakeTest {
  path: string;
  context: { config: { rootDir: string; cache: boolean; id: string; cacheDirectory: string }; hasteFS: { getSize(p: string): number } };
}

const rootDir = '/sandbox/libs/domain';
const context = { config: { rootDir, cache: false, id: 'domain', cacheDirectory: '/nonexistent' }, hasteFS: { getSize: () => 1 } };
const test = (file: string): FakeTest => ({ path: path.join(rootDir, file), context });
const names = {
  'test/policy.test.ts': ['policy approvers may approve', 'policy a requester (a.b) is not an approver'],
  'test/audit.test.ts': ['the chain verifies', 'the chain refuses a gap'],
};
const namesFile = path.join(mkdtempSync(path.join(tmpdir(), 'mutation-')), 'test-names.json');
writeFileSync(namesFile, JSON.stringify(names));

async function kept(pattern: string | undefined, files: string[]): Promise<string[]> {
  process.env.MUTATION_TEST_NAMES = namesFile;
  const sorted = await new MutationSequencer({ globalConfig: pattern === undefined ? {} : { testNamePattern: pattern }, contexts: [] }).sort(files.map(test));
  return sorted.map((t) => path.relative(rootDir, t.path)).sort();
}

describe('the mutation sequencer', () => {
  const all = ['test/audit.test.ts', 'test/policy.test.ts', 'test/unlisted.test.ts'];

  it('keeps the files holding a covering test, and files it has no names for', async () => {
    expect(await kept('(policy approvers may approve)', all)).toEqual(['test/policy.test.ts', 'test/unlisted.test.ts']);
    expect(await kept('(the chain refuses a gap)|(policy approvers may approve)', all)).toEqual(all);
  });

  it('matches names as Jest does: escaped, case-insensitive, anywhere in the full name', async () => {
    expect(await kept('(a requester \\(a\\.b\\) is not)', all)).toEqual(['test/policy.test.ts', 'test/unlisted.test.ts']);
    expect(await kept('(THE CHAIN VERIFIES)', all)).toEqual(['test/audit.test.ts', 'test/unlisted.test.ts']);
  });

  it('keeps every file for the initial run (no pattern) and when no listed name matches', async () => {
    expect(await kept(undefined, all)).toEqual(all);
    expect(await kept('(no such test)', ['test/audit.test.ts', 'test/policy.test.ts'])).toEqual(['test/audit.test.ts', 'test/policy.test.ts']);
  });
});

describe('the mutation score', () => {
  const file = (name: string, killed: number, timeout: number, survived: number, noCoverage: number): FileScore => ({
    file: name,
    killed,
    timeout,
    survived,
    noCoverage,
    ignored: 7,
    compileErrors: 5,
    runtimeErrors: 0,
    score: null,
    seconds: 10,
    load: [1, 1],
    reused: false,
    inputs: 'x',
    survivors: [],
  });

  it('is detected (killed + timeout) over valid mutants; ignored and compile errors do not count', () => {
    expect(scoreOf({ killed: 6, timeout: 2, survived: 1, noCoverage: 1, ignored: 50, compileErrors: 50, runtimeErrors: 0 })).toBe(80);
    expect(scoreOf({ killed: 2, timeout: 0, survived: 1, noCoverage: 0, ignored: 0, compileErrors: 0, runtimeErrors: 0 })).toBe(66.67);
    expect(scoreOf({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 3, compileErrors: 4, runtimeErrors: 0 })).toBeNull();
  });

  it('of a lib sums its files and says how many of them were tested', () => {
    const lib = libScoreOf('store', { a: file('a', 9, 1, 0, 0), b: file('b', 3, 0, 4, 3) }, 5, 20);
    expect(lib).toMatchObject({ killed: 12, timeout: 1, survived: 4, noCoverage: 3, ignored: 14, compileErrors: 10, score: 65, filesDone: 2, filesTotal: 5 });
  });

  it('counts the seconds of a run over several files once', () => {
    const together = (name: string) => ({ ...file(name, 1, 0, 0, 0), chunk: 'together', seconds: 300 });
    expect(runSeconds([together('a'), together('b'), { ...file('c', 1, 0, 0, 0), seconds: 40 }])).toBe(340);
    expect(runSeconds([together('a'), { ...together('b'), inputs: 'older' }])).toBe(600);
  });

  it('refuses options it does not know and libs that are not mutated', () => {
    expect(() => parseArgs(['--mutant', 'x'])).toThrow('unknown option --mutant');
    expect(() => parseArgs(['drivers'])).toThrow('not in MUTATED_LIBS: drivers');
    expect(() => parseArgs(['--concurrency', '0'])).toThrow('--concurrency needs a positive whole number');
    expect(parseArgs(['store', '--mutate', 'libs/store/src/./audit.ts'])).toEqual({ libs: ['store'], concurrency: 2, force: false, together: false, mutate: ['libs/store/src/audit.ts'] });
    expect(parseArgs(['--together'])).toMatchObject({ libs: ['domain', 'store', 'mysql', 'access'], together: true, mutate: [] });
  });
});

describe('the Stryker runs of a selection', () => {
  const all = ['libs/mysql/src/access-admin.ts', 'libs/mysql/src/errors.ts', 'libs/mysql/src/grant-admin.ts', 'libs/mysql/src/identifiers.ts'];
  it('one per file, named after it', () => {
    expect(chunksOf(all.slice(1, 3), all, false)).toEqual([
      { name: 'errors', files: ['libs/mysql/src/errors.ts'] },
      { name: 'grant-admin', files: ['libs/mysql/src/grant-admin.ts'] },
    ]);
  });
  it('together: named after its files (sorted) unless it holds them all, so other selections keep their own results', () => {
    expect(chunksOf(all, all, true)).toEqual([{ name: 'together', files: all }]);
    expect(chunksOf(['libs/mysql/src/grant-admin.ts', 'libs/mysql/src/errors.ts'], all, true)).toEqual([
      { name: 'together-errors+grant-admin', files: ['libs/mysql/src/grant-admin.ts', 'libs/mysql/src/errors.ts'] },
    ]);
  });
});

describe('incremental results carried in the repository', () => {
  it('are copied in only when the checkout has none, and the new one is copied back after the run', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'carry-'));
    const own = path.join(dir, 'test-artifacts/mutation/store/incremental/requests.json');
    const carried = path.join(dir, 'tools/mutation/incremental/store/requests.json');
    expect(carryIn(own, carried)).toBe(false); // nothing carried yet
    expect(carryOut(own, carried)).toBe(false); // and no run result to carry
    mkdirSync(path.dirname(carried), { recursive: true });
    writeFileSync(carried, '{"from":"repository"}');
    expect(carryIn(own, carried)).toBe(true);
    expect(readFileSync(own, 'utf8')).toBe('{"from":"repository"}');
    writeFileSync(own, '{"from":"this run"}');
    expect(carryIn(own, carried)).toBe(false); // the checkout's own result is never overwritten
    expect(readFileSync(own, 'utf8')).toBe('{"from":"this run"}');
    expect(carryOut(own, carried)).toBe(true);
    expect(readFileSync(carried, 'utf8')).toBe('{"from":"this run"}');
  });

  it('live beside the runner, one file per lib and chunk', () => {
    expect(carriedFile('access', 'revoke')).toBe(path.resolve(__dirname, '../incremental/access/revoke.json'));
  });
});
