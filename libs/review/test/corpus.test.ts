import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewSql } from '../src';
import { FIXTURES } from './helpers';

const dir = (kind: 'good' | 'bad') => path.join(FIXTURES, 'migrations', kind);
const files = (kind: 'good' | 'bad') => readdirSync(dir(kind)).filter((f) => f.endsWith('.sql')).sort();

describe('the migrations corpus, end to end', () => {
  it.each(files('good'))('good/%s has no errors or warnings', (file) => {
    const result = reviewSql(readFileSync(path.join(dir('good'), file), 'utf8'), { file });
    const loud = result.findings.filter((f) => f.severity !== 'info');
    expect(loud).toEqual([]);
    expect(result.summary.unparsed).toBe(0);
  });

  it.each(files('bad'))('bad/%s raises the rules its header expects', (file) => {
    const sql = readFileSync(path.join(dir('bad'), file), 'utf8');
    const expected = /^-- expect: (.+)$/m.exec(sql)?.[1]?.split(',').map((s) => s.trim()) ?? [];
    expect(expected.length).toBeGreaterThan(0);
    const result = reviewSql(sql, { file });
    const raised = new Set(result.findings.map((f) => f.ruleId));
    for (const id of expected) expect([id, raised.has(id)]).toEqual([id, true]);
    expect(result.findings.every((f) => f.file === file && f.line >= 1 && f.column >= 1)).toBe(true);
  });

  it('keeps suppressed findings apart, with their reason', () => {
    const result = reviewSql(readFileSync(path.join(dir('bad'), '005_suppressed.sql'), 'utf8'));
    expect(result.suppressed.map((f) => [f.ruleId, f.suppressed?.reason])).toEqual([
      ['safety-drop-table', 'the table was emptied and archived in JIRA-123'],
      ['safety-truncate', '(no reason given)'],
    ]);
    expect(result.findings.filter((f) => f.ruleId === 'safety-truncate').map((f) => f.line)).toEqual([7]);
  });

  it('reads a broken statement as a finding with its line and still reviews the next ones', () => {
    const result = reviewSql(readFileSync(path.join(dir('bad'), '004_broken.sql'), 'utf8'));
    const syntax = result.findings.filter((f) => f.ruleId === 'syntax-error');
    expect(syntax.map((f) => f.line)).toEqual([2, 4]);
    expect(syntax[1]?.message).toContain("inside a ' quote");
    expect(result.findings.find((f) => f.ruleId === 'safety-truncate')?.line).toBe(3);
  });
});
