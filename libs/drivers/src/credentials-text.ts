import type { HostPort } from './ports';

export interface CredentialsTextInput {
  clusterId: string;
  database: string;
  user: string;
  password: string;
  /** What the engineer connects to (the bastion handle's `connect`). */
  connect: HostPort;
  /** The bastion handle's `connectCommand`; empty when a direct connection works (local). */
  connectCommand: string;
  endsAt: Date;
}

/**
 * The one text every channel sends (Slack DM and the REST/outbox message): the whole way in,
 * tunnel step first when there is one, then the mysql line. The password appears once, in the
 * mysql line's prompt hint; the message is marked sensitive by its sender.
 */
export function renderCredentialsText(input: CredentialsTextInput): string {
  const mysql = `mysql -h ${input.connect.host} -P ${input.connect.port} -u ${input.user} -p ${input.database}`;
  const lines = [`Access to ${input.clusterId}/${input.database} is ready until ${input.endsAt.toISOString()}.`];
  if (input.connectCommand) {
    lines.push(
      '',
      '1. Open the tunnel (AWS CLI + Session Manager plugin; leave it running):',
      input.connectCommand,
      '',
      '2. In another terminal, connect:',
      mysql,
    );
  } else {
    lines.push('', 'Connect:', mysql);
  }
  lines.push(`Password: ${input.password}`);
  return lines.join('\n');
}
