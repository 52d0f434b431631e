export interface UserDataInput {
  requestId: string;
  graceMinutes: number;
  /** Loopback port where the proxy to the granted cluster listens (the session document's portNumber). */
  proxyPort: number;
}

const SAFE_WORD = /^[A-Za-z0-9._:+-]+$/;

/** Instance tags the boot script reads through IMDS (InstanceMetadataTags=enabled). */
export const USER_DATA_TAGS = {
  endsAt: 'dbre:ends-at',
  targetHost: 'dbre:target-host',
  targetPort: 'dbre:target-port',
} as const;

/**
 * The bastion's boot script. Nothing is installed and nothing is downloaded: the AMI is the newest
 * Amazon Linux 2023 (the freshness rule replaces patching at boot, which does nothing on a
 * release-locked AL2023), and port forwarding needs no client on the instance.
 *
 * 1. The deadline FOLLOWS THE GRANT: a systemd timer re-reads the `dbre:ends-at` instance tag
 *    through IMDS every minute and powers off (= terminates, InstanceInitiatedShutdownBehavior)
 *    once end + grace has passed. An extension only moves the tag. If the tag cannot be read, the
 *    last deadline read stays in force (first read at boot, before anything else).
 * 2. The tunnel is PINNED: systemd-socket-proxyd (part of systemd) listens on 127.0.0.1:<proxyPort>
 *    and forwards only to the granted cluster, read from the `dbre:target-*` tags; the platform's
 *    Session document forwards to that fixed port, so the engineer chooses no host.
 */
export function bastionUserData(input: UserDataInput): string {
  if (!SAFE_WORD.test(input.requestId)) throw new Error(`unsafe word for the bastion boot script: ${JSON.stringify(input.requestId)}`);
  if (!Number.isInteger(input.graceMinutes) || input.graceMinutes < 0) throw new Error('graceMinutes must be an integer >= 0');
  if (!Number.isInteger(input.proxyPort) || input.proxyPort < 1 || input.proxyPort > 65535) throw new Error('proxyPort must be a TCP port');
  return [
    '#!/bin/bash',
    `# dbre-platform bastion for request ${input.requestId}: deadline and target come from the instance tags.`,
    'set -u',
    '',
    ...tagReaderAndFailsafe(input.graceMinutes),
    'systemctl daemon-reload',
    'systemctl enable --now dbre-failsafe.timer',
    '',
    `# 2. The pinned tunnel: 127.0.0.1:${input.proxyPort} -> the granted cluster only.`,
    `HOST=$(/usr/local/bin/dbre-tag ${USER_DATA_TAGS.targetHost})`,
    `PORT=$(/usr/local/bin/dbre-tag ${USER_DATA_TAGS.targetPort})`,
    'if ! [[ "$HOST" =~ ^[A-Za-z0-9.-]{1,253}$ && "$PORT" =~ ^[0-9]{1,5}$ ]]; then echo "dbre-platform: no valid target tags" >&2; exit 1; fi',
    'cat > /etc/systemd/system/dbre-proxy.socket <<UNIT',
    '[Socket]',
    `ListenStream=127.0.0.1:${input.proxyPort}`,
    '[Install]',
    'WantedBy=sockets.target',
    'UNIT',
    'cat > /etc/systemd/system/dbre-proxy.service <<UNIT',
    '[Unit]',
    'Requires=dbre-proxy.socket',
    '[Service]',
    'ExecStart=/usr/lib/systemd/systemd-socket-proxyd ${HOST}:${PORT}',
    'DynamicUser=yes',
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now dbre-proxy.socket',
    '',
  ].join('\n');
}

/**
 * What every bastion installs at its first boot, cold or pooled: `dbre-tag` (an instance tag through
 * IMDSv2) and the failsafe (script, service and a timer every minute: power off once `dbre:ends-at`
 * + grace has passed; a tag that is not a date is ignored, the last date read stays in force).
 * The caller enables the timer.
 */
export function tagReaderAndFailsafe(graceMinutes: number): string[] {
  const grace = graceMinutes * 60;
  return [
    '# IMDSv2: a session token, then the instance tags.',
    'cat > /usr/local/bin/dbre-tag <<\'SH\'',
    '#!/bin/bash',
    'TOKEN=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60") || exit 1',
    'curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "http://169.254.169.254/latest/meta-data/tags/instance/$1"',
    'SH',
    'chmod 755 /usr/local/bin/dbre-tag',
    '',
    `# 1. Failsafe: power off once ${USER_DATA_TAGS.endsAt} + ${graceMinutes} min has passed; re-read every minute, a value that is not a date is ignored.`,
    'cat > /usr/local/bin/dbre-failsafe <<\'SH\'',
    '#!/bin/bash',
    `ENDS=$(/usr/local/bin/dbre-tag ${USER_DATA_TAGS.endsAt}) && EPOCH=$(date -d "$ENDS" +%s) && echo "$EPOCH" > /run/dbre-ends-at`,
    'EPOCH=$(cat /run/dbre-ends-at 2>/dev/null) || exit 0',
    `if [ "$(date +%s)" -ge $(( EPOCH + ${grace} )) ]; then /usr/bin/systemctl poweroff; fi`,
    'SH',
    'chmod 755 /usr/local/bin/dbre-failsafe',
    'cat > /etc/systemd/system/dbre-failsafe.service <<UNIT',
    '[Unit]',
    'Description=dbre-platform bastion failsafe: power off (terminates the instance) after the grant',
    '[Service]',
    'Type=oneshot',
    'ExecStart=/usr/local/bin/dbre-failsafe',
    'UNIT',
    'cat > /etc/systemd/system/dbre-failsafe.timer <<UNIT',
    '[Unit]',
    'Description=dbre-platform bastion failsafe, every minute',
    '[Timer]',
    'OnBootSec=0',
    'OnUnitActiveSec=60s',
    'AccuracySec=1s',
    '[Install]',
    'WantedBy=timers.target',
    'UNIT',
  ];
}
