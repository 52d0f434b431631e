import { tagReaderAndFailsafe, USER_DATA_TAGS } from './bastion-user-data';

export interface PoolUserDataInput {
  graceMinutes: number;
  /** Loopback port where the proxy to the granted cluster listens (the session document's portNumber). */
  proxyPort: number;
}

/**
 * Boot script of a warm-pool bastion. User data runs at the first boot only, when the instance
 * belongs to no request yet, so nothing request-specific is read here:
 *
 * 1. the failsafe timer (enabled, so it runs at every boot) re-reads `dbre:ends-at` every minute
 *    and powers off (= terminates) after it + grace. While warming the tag is launch + warm-up;
 *    before the stop the pool writes `standby` (not a date: the timer ignores it); a claim writes
 *    the grant's end before StartInstances;
 * 2. the proxy is socket-activated: `dbre-proxy` reads `dbre:target-*` when the first
 *    connection arrives (after the claim tagged the instance) and forwards only there.
 */
export function poolUserData(input: PoolUserDataInput): string {
  if (!Number.isInteger(input.graceMinutes) || input.graceMinutes < 0) throw new Error('graceMinutes must be an integer >= 0');
  if (!Number.isInteger(input.proxyPort) || input.proxyPort < 1 || input.proxyPort > 65535) throw new Error('proxyPort must be a TCP port');
  return [
    '#!/bin/bash',
    '# dbre-platform warm-pool bastion: deadline and target come from the instance tags, read after each start.',
    'set -u',
    '',
    ...tagReaderAndFailsafe(input.graceMinutes),
    '',
    `# 2. The pinned tunnel: 127.0.0.1:${input.proxyPort} -> the cluster named by the tags at the first connection.`,
    "cat > /usr/local/bin/dbre-proxy <<'SH'",
    '#!/bin/bash',
    `HOST=$(/usr/local/bin/dbre-tag ${USER_DATA_TAGS.targetHost}) || exit 1`,
    `PORT=$(/usr/local/bin/dbre-tag ${USER_DATA_TAGS.targetPort}) || exit 1`,
    'if ! [[ "$HOST" =~ ^[A-Za-z0-9.-]{1,253}$ && "$PORT" =~ ^[0-9]{1,5}$ ]]; then echo "dbre-platform: no valid target tags" >&2; exit 1; fi',
    'exec /usr/lib/systemd/systemd-socket-proxyd "$HOST:$PORT"',
    'SH',
    'chmod 755 /usr/local/bin/dbre-proxy',
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
    'ExecStart=/usr/local/bin/dbre-proxy',
    'DynamicUser=yes',
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now dbre-failsafe.timer dbre-proxy.socket',
    '',
  ].join('\n');
}
