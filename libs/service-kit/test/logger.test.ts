import { captureLogger } from '@dbre/testing';

describe('log redaction', () => {
  it('never writes passwords, tokens, authorization headers or anything under credentials', () => {
    const { logger, text, lines } = captureLogger();
    logger.info(
      {
        user: 'alice_1a2b',
        password: 'Pa55-word-value-1',
        slack: { token: 'xoxb-secret-token', signingSecret: 'sign-me-123' },
        req: { headers: { authorization: 'Bearer tok-abc', 'x-slack-signature': 'v0=deadbeef' } },
        credentials: { user: 'u', password: 'nested-secret' },
        grant: { db: { password: 'deep-secret-4' } },
      },
      'provisioned',
    );
    const out = text();
    for (const secret of ['Pa55-word-value-1', 'xoxb-secret-token', 'sign-me-123', 'tok-abc', 'deadbeef', 'nested-secret', 'deep-secret-4']) {
      expect(out).not.toContain(secret);
    }
    const line = lines()[0]!;
    expect(line['user']).toBe('alice_1a2b');
    expect(line['password']).toBe('[redacted]');
    expect(line['credentials']).toBe('[redacted]');
  });
});
