import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createAlbOidcAuthenticator } from '../src/auth/alb-oidc';
import { createBasicAuthenticator } from '../src/auth/basic-auth';
import { hashPassword, verifyPassword } from '../src/auth/password-hash';
import { aRequest, startHarness } from './helpers';

const SIGNER = 'arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/dbre-ops/50dc6c495c0c9188';
const KID = '5b7f1e22-7b4e-4c1b-9a39-6f3e6f0a1c11';

/** ALB-style token: base64url with padding kept, ES256 (raw r||s) over the segments as sent. */
function albToken(privateKey: KeyObject, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const seg = (o: unknown) => {
    const b = Buffer.from(JSON.stringify(o)).toString('base64');
    return b.replace(/\+/g, '-').replace(/\//g, '_'); // keeps '=' padding like the ALB
  };
  const exp = Math.floor(Date.now() / 1000) + 120;
  const h = seg({ alg: 'ES256', kid: KID, signer: SIGNER, iss: 'https://idp.example.com', client: 'dbre', exp, typ: 'JWT', ...header });
  const p = seg({ sub: '1234567890', exp, iss: 'https://idp.example.com', ...claims });
  const s = sign('sha256', Buffer.from(`${h}.${p}`), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `${h}.${p}.${s}`;
}

describe('ALB OIDC identity', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let server: Server;
  let keyUrl: string;
  const fetched: string[] = [];

  beforeAll(async () => {
    // A loopback stand-in for https://public-keys.auth.elb.<region>.amazonaws.com/<kid>.
    server = createServer((req, res) => {
      fetched.push(req.url ?? '');
      if (req.url === `/ap-northeast-1/${KID}`) res.end(publicKey.export({ type: 'spki', format: 'pem' }));
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    keyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/{region}/{kid}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  const authenticator = () =>
    createAlbOidcAuthenticator({
      keyUrl,
      region: 'ap-northeast-1',
      expectedSigner: SIGNER,
      expectedIssuer: 'https://idp.example.com',
      access: { admins: ['alice@example.com'], viewers: ['@example.com'] },
    });
  const outcome = async (token: string) => {
    try {
      const id = await authenticator().authenticate({ 'x-amzn-oidc-data': token });
      return { role: id.role, id: id.id };
    } catch (err) {
      return { code: (err as { code: string }).code };
    }
  };

  it('verifies the signature with the key fetched by kid and maps e-mails to roles', async () => {
    const auth = authenticator();
    const alice = await auth.authenticate({ 'x-amzn-oidc-data': albToken(privateKey, { email: 'Alice@Example.com', name: 'Alice 有栖' }) });
    expect(alice).toEqual({ id: 'alice@example.com', email: 'alice@example.com', name: 'Alice 有栖', role: 'admin', via: 'alb-oidc' });
    await auth.authenticate({ 'x-amzn-oidc-data': albToken(privateKey, { email: 'bob@example.com' }) });
    expect(fetched.filter((u) => u.endsWith(KID))).toHaveLength(1); // cached per kid
    expect(await outcome(albToken(privateKey, { email: 'bob@example.com' }))).toEqual({ role: 'viewer', id: 'bob@example.com' });
    expect(await outcome(albToken(privateKey, { email: 'mallory@elsewhere.test' }))).toEqual({ code: 'DASHBOARD_NOT_ALLOWED' });
  });

  it('refuses forged, altered, expired, foreign and malformed tokens', async () => {
    const good = albToken(privateKey, { email: 'bob@example.com' });
    const [h, , s] = good.split('.');
    const altered = `${h}.${Buffer.from(JSON.stringify({ sub: '1', email: 'alice@example.com', exp: 9e9, iss: 'https://idp.example.com' })).toString('base64url')}.${s}`;
    expect(await outcome(altered)).toEqual({ code: 'OIDC_TOKEN_INVALID' });
    expect(await outcome(albToken(other.privateKey, { email: 'alice@example.com' }))).toEqual({ code: 'OIDC_TOKEN_INVALID' });
    expect(await outcome(albToken(privateKey, { email: 'alice@example.com', exp: Math.floor(Date.now() / 1000) - 3600 }, { exp: Math.floor(Date.now() / 1000) - 3600 }))).toEqual({ code: 'OIDC_TOKEN_INVALID' });
    expect(await outcome(albToken(privateKey, { email: 'alice@example.com' }, { signer: SIGNER.replace('dbre-ops', 'other-alb') }))).toEqual({ code: 'OIDC_TOKEN_INVALID' });
    expect(await outcome(albToken(privateKey, { email: 'alice@example.com', iss: 'https://evil.example' }, { iss: 'https://evil.example' }))).toEqual({ code: 'OIDC_TOKEN_INVALID' });
    expect(await outcome(albToken(privateKey, { email: 'alice@example.com' }, { alg: 'HS256' }))).toEqual({ code: 'OIDC_TOKEN_INVALID' });
    const before = fetched.length;
    expect(await outcome(albToken(privateKey, { email: 'alice@example.com' }, { kid: '../../etc/passwd' }))).toEqual({ code: 'OIDC_TOKEN_INVALID' });
    expect(fetched.length).toBe(before); // never fetched
    expect(await outcome(albToken(privateKey, { email: 'alice@example.com' }, { kid: 'unknown-kid' }))).toEqual({ code: 'OIDC_KEY_UNAVAILABLE' });
    expect(await outcome('not.a.token!')).toEqual({ code: 'OIDC_TOKEN_INVALID' });
    expect(await outcome('')).toEqual({ code: 'OIDC_TOKEN_INVALID' });
  });

  it('signs people in to the dashboard from the header and refuses requests without it', async () => {
    const h = await startHarness({ authenticator: authenticator() });
    try {
      await h.requests.create(aRequest());
      const page = await h.app.inject({ method: 'GET', url: '/grants', headers: { 'x-amzn-oidc-data': albToken(privateKey, { email: 'alice@example.com', name: 'Alice 有栖' }) } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Alice 有栖 · admin');
      const none = await h.app.inject({ method: 'GET', url: '/grants' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBeUndefined();
    } finally {
      await h.close();
    }
  });
});

describe('local users', () => {
  it('hashes with scrypt and compares in constant time; an unset password variable never matches', async () => {
    const hash = await hashPassword('correct horse 馬 battery', { N: 1024 });
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('correct horse 馬 battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse 馬 batterY', hash)).toBe(false);

    const auth = await createBasicAuthenticator({ users: [{ name: 'ops', role: 'viewer', passwordEnv: 'UNSET_VAR' }], env: {} });
    const header = `Basic ${Buffer.from('ops:').toString('base64')}`;
    await expect(auth.authenticate({ authorization: header })).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
    await expect(auth.authenticate({ authorization: 'Bearer abc' })).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
  });
});
