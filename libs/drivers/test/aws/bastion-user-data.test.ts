import { bastionUserData } from '../../src/aws';

describe('bastion user data', () => {
  const script = bastionUserData({ requestId: '01JREQ', graceMinutes: 15, proxyPort: 3306 });
  const lines = script.split('\n');

  it('re-reads the deadline from the dbre:ends-at tag every minute, so an extension moves it', () => {
    expect(lines).toEqual(
      expect.arrayContaining([
        'ENDS=$(/usr/local/bin/dbre-tag dbre:ends-at) && EPOCH=$(date -d "$ENDS" +%s) && echo "$EPOCH" > /run/dbre-ends-at',
        'if [ "$(date +%s)" -ge $(( EPOCH + 900 )) ]; then /usr/bin/systemctl poweroff; fi',
        'OnUnitActiveSec=60s',
        'systemctl enable --now dbre-failsafe.timer',
      ]),
    );
    // IMDSv2 token, then the instance tag path.
    expect(script).toContain('curl -sf -X PUT http://169.254.169.254/latest/api/token');
    expect(script).toContain('"http://169.254.169.254/latest/meta-data/tags/instance/$1"');
    // No deadline is baked in at launch.
    expect(script).not.toMatch(/OnCalendar|shutdown -P/);
  });

  it('pins the tunnel: a loopback proxy to the target read from the tags, nothing downloaded', () => {
    expect(lines).toEqual(
      expect.arrayContaining([
        'HOST=$(/usr/local/bin/dbre-tag dbre:target-host)',
        'PORT=$(/usr/local/bin/dbre-tag dbre:target-port)',
        'ListenStream=127.0.0.1:3306',
        'ExecStart=/usr/lib/systemd/systemd-socket-proxyd ${HOST}:${PORT}',
      ]),
    );
    expect(script).not.toContain('dnf');
    // The failsafe is armed before the proxy.
    expect(script.indexOf('dbre-failsafe.timer')).toBeLessThan(script.indexOf('dbre-proxy.socket'));
  });

  it('refuses words that could break out of the script', () => {
    const base = { requestId: 'r1', graceMinutes: 5, proxyPort: 3306 };
    expect(() => bastionUserData({ ...base, requestId: 'r1; reboot' })).toThrow('unsafe word');
    expect(() => bastionUserData({ ...base, graceMinutes: -1 })).toThrow('graceMinutes');
    expect(() => bastionUserData({ ...base, proxyPort: 70000 })).toThrow('proxyPort');
  });
});
