export interface UserDataInput {
  requestId: string;
  /** The grant's end; the instance powers off (and so terminates) at end + grace. */
  endsAt: Date;
  graceMinutes: number;
  /** Packages providing a MySQL client on Amazon Linux 2023. */
  mysqlClientPackages: readonly string[];
}

const SAFE_WORD = /^[A-Za-z0-9._:+-]+$/;

/** `2026-11-25 10:00:00 UTC`: the calendar form systemd's OnCalendar reads. */
function systemdUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * The bastion's boot script. The failsafe comes first so that nothing below (a slow or failing
 * `dnf`) can delay it: a persistent systemd timer powers the instance off at end + grace, and
 * because the instance is launched with InstanceInitiatedShutdownBehavior=terminate, powering off
 * terminates it, even if the platform is down. `Persistent=true` fires at once after a reboot past
 * the deadline, and `shutdown +N` is a second, independent timer.
 */
export function bastionUserData(input: UserDataInput): string {
  for (const word of [input.requestId, ...input.mysqlClientPackages]) {
    if (!SAFE_WORD.test(word)) throw new Error(`unsafe word for the bastion boot script: ${JSON.stringify(word)}`);
  }
  if (!Number.isInteger(input.graceMinutes) || input.graceMinutes < 0) throw new Error('graceMinutes must be an integer >= 0');
  const deadline = new Date(input.endsAt.getTime() + input.graceMinutes * 60_000);
  const deadlineEpoch = Math.floor(deadline.getTime() / 1000);
  return [
    '#!/bin/bash',
    `# dbre-platform bastion for request ${input.requestId}; access ends ${input.endsAt.toISOString()}.`,
    'set -u',
    '',
    `# 1. Self-termination failsafe: power off at ${deadline.toISOString()} (end + ${input.graceMinutes} min).`,
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
    `OnCalendar=${systemdUtc(deadline)}`,
    'Persistent=true',
    'AccuracySec=1s',
    '[Install]',
    'WantedBy=timers.target',
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now dbre-failsafe.timer',
    `MINUTES=$(( ( ${deadlineEpoch} - $(date +%s) + 59 ) / 60 ))`,
    'if [ "$MINUTES" -lt 1 ]; then MINUTES=1; fi',
    `shutdown -P "+$MINUTES" "dbre-platform: access for ${input.requestId} has ended"`,
    '',
    '# 2. Patch the OS at every boot: a bastion is never long-lived, so it is always current.',
    'dnf -y update --security || echo "dbre-platform: security update failed" >&2',
    '',
    '# 3. A MySQL client for work on the instance itself (port forwarding needs none).',
    `dnf -y install ${input.mysqlClientPackages.join(' ')} || echo "dbre-platform: MySQL client install failed" >&2`,
    '',
  ].join('\n');
}
