import { credentialsSteps, renderCredentialsText } from '../src';

describe('credentials text (one renderer for Slack and REST/outbox)', () => {
  const base = { clusterId: 'orders-prod', database: 'shop', user: 'ana_silva_01jreq', password: 'Zq8#xP!r2@Lm9', endsAt: new Date('2026-11-25T10:00:00Z') };
  const ssm = "aws ssm start-session --region eu-west-1 --target i-0123456789abcdef0 --document-name dbre-PortForwardToGrantedCluster --parameters '{\"localPortNumber\":[\"13306\"]}'";

  it('on AWS: the SSM tunnel step, then the mysql line against the local end of the tunnel, then the password', () => {
    const text = renderCredentialsText({ ...base, connect: { host: '127.0.0.1', port: 13306 }, connectCommand: ssm });
    expect(text).toBe(
      [
        'Access to orders-prod/shop is ready until 2026-11-25T10:00:00.000Z.',
        '',
        '1. Open the tunnel (AWS CLI + Session Manager plugin; leave it running):',
        ssm,
        '',
        '2. In another terminal, connect (the client asks for the password):',
        'mysql -h 127.0.0.1 -P 13306 -u ana_silva_01jreq -p shop',
        '',
        'Password: Zq8#xP!r2@Lm9',
      ].join('\n'),
    );
  });

  it('locally: the mysql line only', () => {
    const text = renderCredentialsText({ ...base, connect: { host: '127.0.0.1', port: 40123 }, connectCommand: '' });
    expect(text).toBe(
      [
        'Access to orders-prod/shop is ready until 2026-11-25T10:00:00.000Z.',
        '',
        '1. Connect (the client asks for the password):',
        'mysql -h 127.0.0.1 -P 40123 -u ana_silva_01jreq -p shop',
        '',
        'Password: Zq8#xP!r2@Lm9',
      ].join('\n'),
    );
  });

  it('without the password (a DM): says where to read it, and the password appears nowhere', () => {
    const { password: _omitted, ...noPassword } = base;
    const text = renderCredentialsText({ ...noPassword, connect: { host: '127.0.0.1', port: 13306 }, connectCommand: ssm });
    expect(text).not.toContain('Zq8#xP!r2@Lm9');
    expect(text).not.toContain('Password:');
    expect(text.split('\n').slice(-2)).toEqual(['', '3. Click Show credentials to see the password; it is not kept in this conversation.']);
  });

  it('a grant on every database connects without a default database and never puts the password on the command line', () => {
    const steps = credentialsSteps({ ...base, database: '*', connect: { host: '127.0.0.1', port: 13306 }, connectCommand: '' });
    expect(steps).toEqual({
      heading: 'Access to orders-prod (every database) is ready until 2026-11-25T10:00:00.000Z.',
      steps: [{ title: 'Connect (the client asks for the password):', command: 'mysql -h 127.0.0.1 -P 13306 -u ana_silva_01jreq -p' }],
      password: 'Zq8#xP!r2@Lm9',
    });
  });
});
