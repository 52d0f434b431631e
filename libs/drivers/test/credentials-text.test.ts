import { renderCredentialsText } from '../src';

describe('credentials text (one renderer for Slack and REST/outbox)', () => {
  const base = { clusterId: 'orders-prod', database: 'shop', user: 'ana_silva_01jreq', password: 'Zq8#xP!r2@Lm9', endsAt: new Date('2026-11-25T10:00:00Z') };

  it('on AWS: the SSM tunnel step, then the mysql line against the local end of the tunnel', () => {
    const text = renderCredentialsText({
      ...base,
      connect: { host: '127.0.0.1', port: 13306 },
      connectCommand: "aws ssm start-session --region eu-west-1 --target i-0123456789abcdef0 --document-name dbre-PortForwardToGrantedCluster --parameters '{\"localPortNumber\":[\"13306\"]}'",
    });
    expect(text).toBe(
      [
        'Access to orders-prod/shop is ready until 2026-11-25T10:00:00.000Z.',
        '',
        '1. Open the tunnel (AWS CLI + Session Manager plugin; leave it running):',
        "aws ssm start-session --region eu-west-1 --target i-0123456789abcdef0 --document-name dbre-PortForwardToGrantedCluster --parameters '{\"localPortNumber\":[\"13306\"]}'",
        '',
        '2. In another terminal, connect:',
        'mysql -h 127.0.0.1 -P 13306 -u ana_silva_01jreq -p shop',
        'Password: Zq8#xP!r2@Lm9',
      ].join('\n'),
    );
  });

  it('locally: the mysql line only', () => {
    const text = renderCredentialsText({ ...base, connect: { host: '127.0.0.1', port: 40123 }, connectCommand: '' });
    expect(text).toBe(
      ['Access to orders-prod/shop is ready until 2026-11-25T10:00:00.000Z.', '', 'Connect:', 'mysql -h 127.0.0.1 -P 40123 -u ana_silva_01jreq -p shop', 'Password: Zq8#xP!r2@Lm9'].join('\n'),
    );
  });
});
