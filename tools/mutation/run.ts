// `npm run test:mutation [-- <lib>… ] [--concurrency n] [--mutate <glob>]`: Stryker on each access lib, one lib at a time,
// each with its own Jest config and tsconfig. Prints each lib's score and writes
// test-artifacts/mutation/<lib>/{mutation.json,mutation.html} and test-artifacts/mutation/summary.json.
// Not part of `npm test`: it takes tens of minutes on a loaded 2-core machine (docs/access.md).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Stryker } from '@stryker-mutator/core';

type MutantResult = Awaited<ReturnType<Stryker['runMutationTest']>>[number];

/** The libs under mutation testing. Adding one is one line; a lib that does not exist is skipped. */
export const MUTATED_LIBS = ['domain', 'store', 'mysql', 'access'] as const;

const root = path.resolve(__dirname, '../..');
const artifacts = path.join(root, 'test-artifacts/mutation');

interface LibScore {
  lib: string;
  /** The files mutated when narrowed with --mutate; absent for the whole lib. */
  only?: string;
  score: number | null;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  ignored: number;
  compileErrors: number;
  runtimeErrors: number;
  seconds: number;
}

interface Args {
  libs: string[];
  concurrency: number;
  /** Narrows the run to matching source files of the lib (e.g. `libs/domain/src/state-machine.ts`). */
  mutate?: string;
}

function parseArgs(argv: string[]): Args {
  const libs: string[] = [];
  let concurrency = 1;
  let mutate: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--concurrency') concurrency = Number(argv[++i]);
    else if (arg.startsWith('--concurrency=')) concurrency = Number(arg.slice('--concurrency='.length));
    else if (arg === '--mutate') mutate = argv[++i];
    else libs.push(arg);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency needs a positive whole number');
  const unknown = libs.filter((l) => !(MUTATED_LIBS as readonly string[]).includes(l));
  if (unknown.length) throw new Error(`not in MUTATED_LIBS: ${unknown.join(', ')} (known: ${MUTATED_LIBS.join(', ')})`);
  return { libs: libs.length ? libs : [...MUTATED_LIBS], concurrency, ...(mutate ? { mutate } : {}) };
}

/** Stryker's own definition: detected (killed + timeout) over valid mutants (detected + survived + no coverage). */
export function scoreOf(lib: string, results: readonly MutantResult[], seconds: number): LibScore {
  const count = (status: MutantResult['status']) => results.filter((r) => r.status === status).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = killed + timeout + survived + noCoverage;
  return {
    lib,
    score: valid ? Math.round(((killed + timeout) / valid) * 10_000) / 100 : null,
    killed,
    timeout,
    survived,
    noCoverage,
    ignored: count('Ignored'),
    compileErrors: count('CompileError'),
    runtimeErrors: count('RuntimeError'),
    seconds,
  };
}

async function mutate(lib: string, concurrency: number, only?: string): Promise<LibScore> {
  const dir = `libs/${lib}`;
  const out = path.join(artifacts, lib);
  mkdirSync(out, { recursive: true });
  const started = Date.now();
  // Stryker is ES-module only; this file runs as CommonJS like the other tools.
  const { Stryker } = await import('@stryker-mutator/core');
  const stryker = new Stryker({
    mutate: [only ?? `${dir}/src/**/*.ts`, `!${dir}/src/index.ts`, `!${dir}/src/**/*.d.ts`],
    testRunner: 'jest',
    jest: { configFile: `${dir}/jest.config.cjs`, enableFindRelatedTests: true },
    checkers: ['typescript'],
    tsconfigFile: `${dir}/tsconfig.json`,
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    coverageAnalysis: 'perTest',
    // Static mutants (module-level constants) rerun every test for each one: hours on 2 cores.
    ignoreStatic: true,
    concurrency,
    timeoutMS: 60_000,
    reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
    htmlReporter: { fileName: path.relative(root, path.join(out, 'mutation.html')) },
    jsonReporter: { fileName: path.relative(root, path.join(out, 'mutation.json')) },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    // The sandbox needs the libs, the Jest preset and the tsconfigs; node_modules is symlinked, not copied.
    ignorePatterns: ['/apps', '/tools', '/infra', '/docs', '/test-artifacts', '/tmp', '/var', '/dist', '/.nx', '/coverage'],
    tempDirName: `tmp/stryker-${lib}`, // one per lib: two libs may run at once
    cleanTempDir: true,
    plugins: ['@stryker-mutator/jest-runner', '@stryker-mutator/typescript-checker'],
  });
  const results = await stryker.runMutationTest();
  const score = scoreOf(lib, results, Math.round((Date.now() - started) / 1000));
  return only ? { ...score, only } : score;
}

async function main(): Promise<void> {
  const { libs, concurrency, mutate: only } = parseArgs(process.argv.slice(2));
  process.chdir(root);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  mkdirSync(artifacts, { recursive: true });
  const summaryFile = path.join(artifacts, 'summary.json');
  const scores: LibScore[] = [];
  for (const lib of libs) {
    if (!existsSync(path.join(root, 'libs', lib, 'jest.config.cjs'))) {
      console.log(`mutation: libs/${lib} does not exist here, skipped`);
      continue;
    }
    const score = await mutate(lib, concurrency, only);
    scores.push(score);
    // Keep the scores of libs not run this time (read again: another lib may have finished meanwhile).
    const summary: Record<string, LibScore> = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : {};
    writeFileSync(summaryFile, JSON.stringify({ ...summary, [lib]: score }, null, 2) + '\n');
    console.log(
      `mutation score ${lib}: ${score.score ?? 'n/a'}% (killed ${score.killed}, timeout ${score.timeout}, survived ${score.survived}, ` +
        `no coverage ${score.noCoverage}, ignored ${score.ignored}, compile errors ${score.compileErrors}) in ${score.seconds} s`,
    );
  }
  console.log('\nmutation scores:');
  for (const s of scores) console.log(`  ${s.lib.padEnd(8)} ${String(s.score ?? 'n/a').padStart(6)}%  ${s.seconds} s`);
  console.log(`reports: ${path.relative(root, artifacts)}/<lib>/mutation.html`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
