/**
 * Two local stacks (`DBRE_PORT_OFFSET`) share one MariaDB and one Redis: each gets its own
 * deployment id, so its sweep touches only its own `jit_<id>_…` users, and its own queue prefix,
 * so it never takes the other stack's jobs. Explicit DEPLOYMENT_ID / QUEUE_PREFIX win.
 */
export function localDeployment(env: Record<string, string | undefined>): { DEPLOYMENT_ID: string; QUEUE_PREFIX: string } {
  const raw = env['DBRE_PORT_OFFSET'] ?? '0';
  if (!/^\d{1,6}$/.test(raw)) throw new Error(`DBRE_PORT_OFFSET must be a whole number, got ${JSON.stringify(raw)}`);
  const id = env['DEPLOYMENT_ID'] ?? `l${Number(raw)}`;
  return { DEPLOYMENT_ID: id, QUEUE_PREFIX: env['QUEUE_PREFIX'] ?? `dbre-${id}` };
}
