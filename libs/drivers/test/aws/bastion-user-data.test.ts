import { bastionUserData } from '../../src/aws';

describe('bastion user data', () => {
  it('is exactly the expected boot script: failsafe first, then patches, then the client', () => {
    const script = bastionUserData({
      requestId: '01JREQ',
      endsAt: new Date('2026-11-25T10:00:00Z'),
      graceMinutes: 15,
      mysqlClientPackages: ['mariadb105'],
    });
    expect(script).toBe(
      [
        '#!/bin/bash',
        '# dbre-platform bastion for request 01JREQ; access ends 2026-11-25T10:00:00.000Z.',
        'set -u',
        '',
        '# 1. Self-termination failsafe: power off at 2026-11-25T10:15:00.000Z (end + 15 min).',
        'cat > /etc/systemd/system/dbre-failsafe.service <<UNIT',
        '[Unit]',
        'Description=dbre-platform bastion failsafe: power off (terminates the instance)',
        '[Service]',
        'Type=oneshot',
        'ExecStart=/usr/bin/systemctl poweroff',
        'UNIT',
        'cat > /etc/systemd/system/dbre-failsafe.timer <<UNIT',
        '[Unit]',
        'Description=dbre-platform bastion failsafe timer',
        '[Timer]',
        'OnCalendar=2026-11-25 10:15:00 UTC',
        'Persistent=true',
        'AccuracySec=1s',
        '[Install]',
        'WantedBy=timers.target',
        'UNIT',
        'systemctl daemon-reload',
        'systemctl enable --now dbre-failsafe.timer',
        'MINUTES=$(( ( 1795601700 - $(date +%s) + 59 ) / 60 ))',
        'if [ "$MINUTES" -lt 1 ]; then MINUTES=1; fi',
        'shutdown -P "+$MINUTES" "dbre-platform: access for 01JREQ has ended"',
        '',
        '# 2. Patch the OS at every boot: a bastion is never long-lived, so it is always current.',
        'dnf -y update --security || echo "dbre-platform: security update failed" >&2',
        '',
        '# 3. A MySQL client for work on the instance itself (port forwarding needs none).',
        'dnf -y install mariadb105 || echo "dbre-platform: MySQL client install failed" >&2',
        '',
      ].join('\n'),
    );
    expect(Date.parse('2026-11-25T10:15:00Z') / 1000).toBe(1795601700);
  });

  it('refuses words that could break out of the script', () => {
    const base = { requestId: 'r1', endsAt: new Date(), graceMinutes: 5, mysqlClientPackages: ['mariadb105'] };
    expect(() => bastionUserData({ ...base, requestId: 'r1; reboot' })).toThrow('unsafe word');
    expect(() => bastionUserData({ ...base, mysqlClientPackages: ['$(curl evil)'] })).toThrow('unsafe word');
    expect(() => bastionUserData({ ...base, graceMinutes: -1 })).toThrow('graceMinutes');
  });
});
