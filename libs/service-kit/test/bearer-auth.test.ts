import { apiTokensEnv, callerOf } from '../src';

describe('bearer tokens per calling tool', () => {
  const long = (c: string) => c.repeat(32);

  it('parses <tool>=<token> pairs and refuses short tokens, bad names and duplicates', () => {
    const tokens = apiTokensEnv.parse(`slack=${long('a')}, ops-cli=${long('b')}`);
    expect([...tokens.keys()]).toEqual(['slack', 'ops-cli']);
    const bad = apiTokensEnv.safeParse(`slack=short,Bad Tool=${long('c')},slack=${long('d')}`);
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => i.message).join('\n');
    expect(messages).toContain('the token of slack must be at least 24 characters');
    expect(messages).toContain('must be <tool>=<token>');
  });

  it('names the tool of a valid token and nobody for anything else', () => {
    const tokens = apiTokensEnv.parse(`slack=${long('a')},ops-cli=${long('b')}`);
    expect(callerOf(tokens, `Bearer ${long('b')}`)).toBe('ops-cli');
    expect(callerOf(tokens, `bearer ${long('a')}`)).toBe('slack');
    expect(callerOf(tokens, `Bearer ${long('a')}x`)).toBeUndefined();
    expect(callerOf(tokens, long('a'))).toBeUndefined();
    expect(callerOf(tokens, undefined)).toBeUndefined();
    expect(callerOf(tokens, 'Bearer ')).toBeUndefined();
  });
});
