import type { HostPort } from './ports';

export interface CredentialsTextInput {
  clusterId: string;
  /** A schema name, or `*` for every database of the cluster (no default database then). */
  database: string;
  user: string;
  /**
   * Only where the password may be shown (the outbox, opened once; the audited Slack modal).
   * Absent (the Slack DM): the steps say where to get it instead.
   */
  password?: string;
  /** What the engineer connects to (the bastion handle's `connect`). */
  connect: HostPort;
  /** The bastion handle's `connectCommand`; empty when a direct connection works (local). */
  connectCommand: string;
  /** Unknown before activation: the text then gives the duration, if known. */
  endsAt?: Date;
  durationMinutes?: number;
}

/** One numbered step of the way in: what to do, and the command to paste (if any). */
export interface CredentialsStep {
  title: string;
  command?: string;
}

export interface CredentialsSteps {
  heading: string;
  steps: CredentialsStep[];
  /** Set only when the input carried it. */
  password?: string;
}

/** Where a DM sends the engineer for the password (it is never in the DM itself). */
export const PASSWORD_ELSEWHERE = 'Click Show credentials to see the password; it is not kept in this conversation.';

/** The mysql line: the password is always asked by the client, never on the command line (shell history, `ps`). */
export function mysqlCommand(input: Pick<CredentialsTextInput, 'connect' | 'user' | 'database'>): string {
  const db = input.database === '*' ? '' : ` ${input.database}`;
  return `mysql -h ${input.connect.host} -P ${input.connect.port} -u ${input.user} -p${db}`;
}

/**
 * The whole way in, as steps every channel renders (plain text for the outbox, Block Kit for
 * Slack): the tunnel first when there is one, then the mysql line, then the password or where to
 * read it.
 */
export function credentialsSteps(input: CredentialsTextInput): CredentialsSteps {
  const target = input.database === '*' ? `${input.clusterId} (every database)` : `${input.clusterId}/${input.database}`;
  const until = input.endsAt ? ` until ${input.endsAt.toISOString()}` : input.durationMinutes ? ` for ${input.durationMinutes} min` : '';
  const heading = `Access to ${target} is ready${until}.`;
  const steps: CredentialsStep[] = [];
  if (input.connectCommand) {
    steps.push({ title: 'Open the tunnel (AWS CLI + Session Manager plugin; leave it running):', command: input.connectCommand });
    steps.push({ title: 'In another terminal, connect (the client asks for the password):', command: mysqlCommand(input) });
  } else {
    steps.push({ title: 'Connect (the client asks for the password):', command: mysqlCommand(input) });
  }
  if (input.password === undefined) steps.push({ title: PASSWORD_ELSEWHERE });
  return { heading, steps, ...(input.password !== undefined ? { password: input.password } : {}) };
}

/** The one plain text of the credentials (REST/outbox); Slack renders the same steps as blocks. */
export function renderCredentialsText(input: CredentialsTextInput): string {
  const { heading, steps, password } = credentialsSteps(input);
  const lines = [heading];
  steps.forEach((step, i) => {
    lines.push('', `${i + 1}. ${step.title}`);
    if (step.command) lines.push(step.command);
  });
  if (password !== undefined) lines.push('', `Password: ${password}`);
  return lines.join('\n');
}
