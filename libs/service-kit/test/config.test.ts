import { z } from 'zod';
import { ConfigError, env, loadConfigOrExit, parseConfig } from '../src';

const schema = z.object({
  PORT: env.port(3000),
  REDIS_URL: z.string().regex(/^redis:\/\//).describe('a Redis URL, e.g. redis://127.0.0.1:6379'),
  TIMEOUT_MS: env.ms(1000),
});

describe('typed configuration from the environment', () => {
  it('applies defaults and coerces numbers', () => {
    expect(parseConfig(schema, { REDIS_URL: 'redis://x:6379', TIMEOUT_MS: '250' })).toEqual({
      PORT: 3000,
      REDIS_URL: 'redis://x:6379',
      TIMEOUT_MS: 250,
    });
  });

  it('lists every bad variable with what it expects in one error', () => {
    let error: unknown;
    try {
      parseConfig(schema, { PORT: '99999', TIMEOUT_MS: 'soon' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('REDIS_URL:'))).toBe('REDIS_URL: missing (expected: a Redis URL, e.g. redis://127.0.0.1:6379)');
    expect(problems.find((p) => p.startsWith('PORT:'))).toMatch(/a TCP port/);
    expect(problems.find((p) => p.startsWith('TIMEOUT_MS:'))).toMatch(/milliseconds/);
  });

  it('prints the list and exits non-zero at start-up', () => {
    const written: string[] = [];
    const exit = jest.fn((code: number): never => {
      throw new Error(`exit ${code}`);
    });
    expect(() => loadConfigOrExit(schema, {}, { exit, stderr: (t) => written.push(t) })).toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    expect(written.join('')).toContain('Invalid configuration (1 problem)');
    expect(written.join('')).toContain('REDIS_URL: missing');
  });
});
