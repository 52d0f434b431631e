// `npm run test:mutation [-- <lib>… ] [--concurrency n] [--mutate <file>]… [--force]`: Stryker on each access lib,
// one lib at a time, each with its own Jest config and tsconfig, **one source file per Stryker run** so a stopped
// run loses at most the file in progress (Stryker writes its incremental file only when a run completes).
// Prints each lib's score and writes test-artifacts/mutation/<lib>/<file>.{json,html},
// test-artifacts/mutation/<lib>/incremental/<file>.json and test-artifacts/mutation/summary.json; the incremental
// results are carried in tools/mutation/incremental/ (committed), which a checkout without its own starts from.
// Not part of `npm test`: it takes tens of minutes on a loaded 2-core machine (docs/access.md).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Stryker } from '@stryker-mutator/core';

type MutantResult = Awaited<ReturnType<Stryker['runMutationTest']>>[number];

/** The libs under mutation testing. Adding one is one line; a lib that does not exist is skipped. */
export const MUTATED_LIBS = ['domain', 'store', 'mysql', 'access'] as const;

const root = path.resolve(__dirname, '../..');
const artifacts = path.join(root, 'test-artifacts/mutation');

export interface Counts {
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  ignored: number;
  compileErrors: number;
  runtimeErrors: number;
}

export interface FileScore extends Counts {
  file: string;
  /** The Stryker run that tested the file: its own name, or `together[-<files>]` for one run over several (chunksOf). */
  chunk?: string;
  score: number | null;
  /** Seconds of the Stryker run that tested the file (shared by the files of a `--together` run). */
  seconds: number;
  /** Load average (1 min) when the file's run started and ended. */
  load: [number, number];
  /** True when the stored result was reused because nothing the run depends on changed. */
  reused: boolean;
  /** Hash of every input of the run (the lib's sources and tests, the Jest preset, this runner's options). */
  inputs: string;
  survivors: { id: string; line: number; status?: string; mutator: string; replacement: string }[];
}

export interface LibScore extends Counts {
  lib: string;
  score: number | null;
  seconds: number;
  /** Files of the lib tested so far / in all: a lib stopped early reports an interim score. */
  filesDone: number;
  filesTotal: number;
  files: Record<string, FileScore>;
}

interface Args {
  libs: string[];
  concurrency: number;
  /** Narrows the run to these source files, in this order (e.g. `libs/domain/src/state-machine.ts`). */
  mutate: string[];
  /** Retest every mutant, ignoring stored results. */
  force: boolean;
  /** One Stryker run over the lib's selected files (one type-checker start) instead of one per file. */
  together: boolean;
}

export function parseArgs(argv: string[]): Args {
  const libs: string[] = [];
  let concurrency = 2;
  const mutate: string[] = [];
  let force = false;
  let together = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--concurrency') concurrency = Number(argv[++i]);
    else if (arg.startsWith('--concurrency=')) concurrency = Number(arg.slice('--concurrency='.length));
    else if (arg === '--mutate') mutate.push(path.normalize(argv[++i] ?? ''));
    else if (arg === '--force') force = true;
    else if (arg === '--together') together = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg} (known: --concurrency n, --mutate <file>, --force, --together)`);
    else libs.push(arg);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency needs a positive whole number');
  const unknown = libs.filter((l) => !(MUTATED_LIBS as readonly string[]).includes(l));
  if (unknown.length) throw new Error(`not in MUTATED_LIBS: ${unknown.join(', ')} (known: ${MUTATED_LIBS.join(', ')})`);
  return { libs: libs.length ? libs : [...MUTATED_LIBS], concurrency, force, together, mutate };
}

/** Counts each status of Stryker's results. */
export function countOf(results: readonly Pick<MutantResult, 'status'>[]): Counts {
  const count = (status: MutantResult['status']) => results.filter((r) => r.status === status).length;
  return {
    killed: count('Killed'),
    timeout: count('Timeout'),
    survived: count('Survived'),
    noCoverage: count('NoCoverage'),
    ignored: count('Ignored'),
    compileErrors: count('CompileError'),
    runtimeErrors: count('RuntimeError'),
  };
}

/** Stryker's own definition: detected (killed + timeout) over valid mutants (detected + survived + no coverage). */
export function scoreOf(c: Counts): number | null {
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  return valid ? Math.round(((c.killed + c.timeout) / valid) * 10_000) / 100 : null;
}

/** Sums the counts of the files tested so far. */
export function libScoreOf(lib: string, files: Record<string, FileScore>, filesTotal: number, seconds: number): LibScore {
  const keys: (keyof Counts)[] = ['killed', 'timeout', 'survived', 'noCoverage', 'ignored', 'compileErrors', 'runtimeErrors'];
  const counts = Object.fromEntries(keys.map((k) => [k, Object.values(files).reduce((sum, f) => sum + f[k], 0)])) as unknown as Counts;
  return { lib, ...counts, score: scoreOf(counts), seconds, filesDone: Object.keys(files).length, filesTotal, files };
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
}

/** The lib's source files Stryker mutates: every .ts under src but the barrel and declarations. */
export function sourceFiles(lib: string): string[] {
  return walk(path.join(root, 'libs', lib, 'src'))
    .map((f) => path.relative(root, f))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && path.basename(f) !== 'index.ts');
}

/**
 * The Stryker runs over these files of the lib: one per file (named after it), or one `--together`, named after
 * the files it holds unless it holds them all, so that two runs over other files never share a carried result.
 */
export function chunksOf(files: string[], all: string[], together: boolean): Chunk[] {
  const names = files.map((f) => path.basename(f, '.ts'));
  if (!together) return files.map((f, i) => ({ name: names[i]!, files: [f] }));
  return [{ name: files.length === all.length ? 'together' : `together-${[...names].sort().join('+')}`, files }];
}

/** What one Stryker run mutates: one file (named after it), or every selected file of the lib (`--together`). */
interface Chunk {
  name: string;
  files: string[];
}

const options = (lib: string, { name, files }: Chunk, concurrency: number, force: boolean) => {
  const dir = `libs/${lib}`;
  const out = path.join(artifacts, lib);
  return {
    mutate: files,
    testRunner: 'jest',
    // The lib's own Jest config (its tests only) through tools/mutation/jest.config.cjs, whose sequencer keeps the
    // test files holding a test that covers the mutant; of those, findRelatedTests keeps the ones importing the file.
    jest: { configFile: path.join(__dirname, 'jest.config.cjs'), enableFindRelatedTests: true },
    checkers: ['typescript'],
    tsconfigFile: `${dir}/tsconfig.json`,
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    // Each mutant runs only the tests that cover it.
    coverageAnalysis: 'perTest' as const,
    // Static mutants (module-level constants) rerun every test for each one: hours on 2 cores.
    ignoreStatic: true,
    // A timeout restarts the Jest worker (minutes on a loaded machine): leave room for the load, not for loops.
    timeoutMS: 60_000,
    timeoutFactor: 3,
    concurrency,
    incremental: true,
    incrementalFile: path.relative(root, path.join(out, 'incremental', `${name}.json`)),
    force,
    reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
    htmlReporter: { fileName: path.relative(root, path.join(out, `${name}.html`)) },
    jsonReporter: { fileName: path.relative(root, path.join(out, `${name}.json`)) },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: false },
    // The sandbox needs the libs, the Jest preset and the tsconfigs; node_modules is symlinked, not copied.
    ignorePatterns: ['/apps', '/tools', '/infra', '/docs', '/test-artifacts', '/tmp', '/var', '/dist', '/.nx', '/coverage'],
    tempDirName: `tmp/stryker-${lib}-${name}`, // one per chunk: two runs may go at once
    cleanTempDir: true,
    plugins: ['@stryker-mutator/jest-runner', '@stryker-mutator/typescript-checker'],
  };
};

/** Everything a chunk's result depends on: a stored result is reused only while this hash is unchanged. */
function inputsHash(lib: string, chunk: Chunk): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(options(lib, chunk, 1, false)));
  // Every lib, not only this one: its tests run the other libs' code too.
  const inputs = [
    ...walk(path.join(root, 'libs')).filter((f) => !f.includes(`${path.sep}node_modules${path.sep}`)),
    path.join(root, 'jest.preset.cjs'),
    path.join(__dirname, 'jest.config.cjs'),
    path.join(__dirname, 'sequencer.cjs'),
    path.join(root, 'tsconfig.base.json'),
    path.join(root, 'package-lock.json'),
  ];
  for (const f of inputs) hash.update(path.relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  return hash.digest('hex');
}

/**
 * Runs the lib's tests once (they must pass before mutating) and writes the full name of every test by file,
 * which tools/mutation/sequencer.cjs reads to skip the files that hold no test covering a mutant.
 */
function listTestNames(lib: string): string {
  const out = path.join(artifacts, lib);
  mkdirSync(out, { recursive: true });
  const raw = path.join(out, 'jest-results.json');
  try {
    execFileSync(path.join(root, 'node_modules/.bin/jest'), ['-c', `libs/${lib}/jest.config.cjs`, '--json', `--outputFile=${raw}`, '--silent'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    throw new Error(`the tests of libs/${lib} fail without any mutant; fix them first (npx jest -c libs/${lib}/jest.config.cjs)`, { cause: err });
  }
  const results = JSON.parse(readFileSync(raw, 'utf8')) as { testResults: { name: string; assertionResults: { fullName: string }[] }[] };
  const names = Object.fromEntries(
    results.testResults.map((t) => [path.relative(path.join(root, 'libs', lib), t.name).split(path.sep).join('/'), t.assertionResults.map((a) => a.fullName)]),
  );
  const file = path.join(out, 'test-names.json');
  writeFileSync(file, JSON.stringify(names, null, 2) + '\n');
  return file;
}

/**
 * Stryker's incremental result of a chunk, kept in the repository (test-artifacts is not): a fresh
 * clone retests only the mutants whose code or covering tests changed since, not hours of them.
 */
export const carriedFile = (lib: string, chunk: string) => path.join(__dirname, 'incremental', lib, `${chunk}.json`);

/** Before a run: the carried result, when this checkout has none of its own. */
export function carryIn(incremental: string, carried: string): boolean {
  if (existsSync(incremental) || !existsSync(carried)) return false;
  mkdirSync(path.dirname(incremental), { recursive: true });
  copyFileSync(carried, incremental);
  return true;
}

/** After a run: the new result is the one to carry (commit it with the change it measured). */
export function carryOut(incremental: string, carried: string): boolean {
  if (!existsSync(incremental)) return false;
  mkdirSync(path.dirname(carried), { recursive: true });
  copyFileSync(incremental, carried);
  return true;
}

async function mutateChunk(lib: string, chunk: Chunk, concurrency: number, force: boolean, previous: Record<string, FileScore>): Promise<FileScore[]> {
  const inputs = inputsHash(lib, chunk);
  const stored = chunk.files.map((f) => previous[f]);
  if (!force && stored.every((p) => p?.inputs === inputs)) return stored.map((p) => ({ ...p!, reused: true }));
  const started = Date.now();
  const loadBefore = os.loadavg()[0]!;
  // Stryker is ES-module only; this file runs as CommonJS like the other tools.
  const { Stryker } = await import('@stryker-mutator/core');
  const incremental = path.join(artifacts, lib, 'incremental', `${chunk.name}.json`);
  carryIn(incremental, carriedFile(lib, chunk.name));
  const results = await new Stryker(options(lib, chunk, concurrency, force)).runMutationTest();
  carryOut(incremental, carriedFile(lib, chunk.name));
  const seconds = Math.round((Date.now() - started) / 1000);
  const load: [number, number] = [Math.round(loadBefore * 10) / 10, Math.round(os.loadavg()[0]! * 10) / 10];
  return chunk.files.map((file) => {
    const mine = results.filter((r) => path.relative(root, path.resolve(root, r.fileName)) === file);
    const counts = countOf(mine);
    return {
      file,
      chunk: chunk.name,
      ...counts,
      score: scoreOf(counts),
      seconds,
      load,
      reused: false,
      inputs,
      survivors: mine
        .filter((r) => r.status === 'Survived' || r.status === 'NoCoverage')
        .map((r) => ({ id: r.id, line: r.location.start.line, status: r.status, mutator: r.mutatorName, replacement: r.replacement ?? '' })),
    };
  });
}

/** Seconds of the Stryker runs behind these results (a `--together` run counted once, not once per file). */
export function runSeconds(files: readonly FileScore[]): number {
  const runs = new Map<string, number>();
  for (const f of files) runs.set(`${f.chunk ?? f.file}\0${f.inputs}`, f.seconds);
  return [...runs.values()].reduce((sum, s) => sum + s, 0);
}

async function main(): Promise<void> {
  const { libs, concurrency, mutate: only, force, together } = parseArgs(process.argv.slice(2));
  process.chdir(root);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  mkdirSync(artifacts, { recursive: true });
  const summaryFile = path.join(artifacts, 'summary.json');
  const readSummary = (): Record<string, LibScore> => (existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : {});
  const scores: LibScore[] = [];
  for (const lib of libs) {
    if (!existsSync(path.join(root, 'libs', lib, 'jest.config.cjs'))) {
      console.log(`mutation: libs/${lib} does not exist here, skipped`);
      continue;
    }
    const all = sourceFiles(lib);
    const files = only.length ? only.filter((f) => all.includes(f)) : all;
    if (!files.length) {
      console.log(`mutation: none of ${only.join(', ')} is a source file of libs/${lib}, skipped`);
      continue;
    }
    const chunks = chunksOf(files, all, together);
    let testNames: string | undefined;
    for (const chunk of chunks) {
      const previous = readSummary()[lib]?.files ?? {};
      if (!testNames && (force || chunk.files.some((f) => previous[f]?.inputs !== inputsHash(lib, chunk)))) {
        testNames = listTestNames(lib);
        process.env.MUTATION_LIB = lib;
        process.env.MUTATION_TEST_NAMES = testNames;
      }
      const scores_ = await mutateChunk(lib, chunk, concurrency, force, previous);
      // Written after every chunk, so a stopped run keeps its figures; read again first: another run (another lib,
      // or other files of this lib) may have written meanwhile.
      const stored = readSummary();
      const files_ = { ...(stored[lib]?.files ?? {}), ...Object.fromEntries(scores_.map((f) => [f.file, f])) };
      writeFileSync(summaryFile, JSON.stringify({ ...stored, [lib]: libScoreOf(lib, files_, all.length, runSeconds(Object.values(files_))) }, null, 2) + '\n');
      for (const score of scores_) {
        console.log(
          `mutation ${score.file}: ${score.score ?? 'n/a'}% (killed ${score.killed}, timeout ${score.timeout}, survived ${score.survived}, ` +
            `no coverage ${score.noCoverage}, ignored ${score.ignored}, compile errors ${score.compileErrors})` +
            (score.reused ? ' (unchanged, stored result)' : ` in ${score.seconds} s, load ${score.load.join(' → ')}`),
        );
      }
    }
    const score = readSummary()[lib]!;
    scores.push(score);
    console.log(
      `mutation score ${lib}: ${score.score ?? 'n/a'}% (killed ${score.killed}, timeout ${score.timeout}, survived ${score.survived}, ` +
        `no coverage ${score.noCoverage}, ignored ${score.ignored}, compile errors ${score.compileErrors}; ` +
        `${score.filesDone}/${score.filesTotal} files) in ${score.seconds} s`,
    );
  }
  console.log('\nmutation scores:');
  for (const s of scores) console.log(`  ${s.lib.padEnd(8)} ${String(s.score ?? 'n/a').padStart(6)}%  ${s.filesDone}/${s.filesTotal} files`);
  console.log(`reports: ${path.relative(root, artifacts)}/<lib>/<file>.html`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  });
}
