import { ALL_RULES, RULES_BY_ID, resolveConfig, reviewSql } from '../src';
import { shopLive } from './helpers';

const live = shopLive();

describe('the rule catalog', () => {
  it('has at least 40 rules, each with a stable id, a category, a severity, a rationale and a fix', () => {
    expect(ALL_RULES.length).toBeGreaterThanOrEqual(40);
    const ids = new Set<string>();
    for (const r of ALL_RULES) {
      expect(r.id).toMatch(/^[a-z]+(-[a-z0-9]+)+$/);
      expect(ids.has(r.id)).toBe(false);
      ids.add(r.id);
      expect(['error', 'warning', 'info']).toContain(r.severity);
      expect(r.rationale.length).toBeGreaterThan(30);
      expect(r.fix.length).toBeGreaterThan(5);
    }
  });

  it('gives every rule except the engine-level budget and snapshot notices an example that fires and one that does not', () => {
    const without = ALL_RULES.filter((r) => r.examples.length === 0).map((r) => r.id);
    expect(without).toEqual(['parse-time-budget', 'context-no-snapshot']);
  });
});

describe.each(ALL_RULES.flatMap((r) => r.examples.map((e, n) => [r.id, n, e] as const)))('%s (example %i)', (id, _n, example) => {
  // Rules that are off by default (policy options) are switched on to run their examples.
  const config = RULES_BY_ID.get(id)?.disabledByDefault ? { config: resolveConfig({ rules: { [id]: 'on' } }) } : {};
  const options = { ...config, ...(example.live ? { live } : {}) };
  it('fires on the bad example', () => {
    const result = reviewSql(example.bad, options);
    expect(result.findings.filter((f) => f.ruleId === id)).not.toHaveLength(0);
  });
  it('stays quiet on the good example', () => {
    const result = reviewSql(example.good, options);
    expect(result.findings.filter((f) => f.ruleId === id)).toEqual([]);
  });
});
