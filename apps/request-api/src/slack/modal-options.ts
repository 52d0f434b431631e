import type { AccessPolicy, Environment } from '@dbre/domain';
import type { Inventory } from '@dbre/drivers';
import type { RequestModalInput } from '@dbre/slack';

/** The usual choices; each environment offers those up to its maximum, plus its default. */
const LADDER = [15, 30, 60, 120, 240, 480, 720, 1440];

export function durationsFor(policy: AccessPolicy, env: Environment): number[] {
  const e = policy.environments[env];
  return [...new Set([...LADDER.filter((m) => m <= e.maxMinutes), e.defaultMinutes, e.maxMinutes])].sort((a, b) => a - b);
}

/** What the request modal offers, from the inventory and the policy (never hard-coded). */
export async function modalInput(policy: AccessPolicy, inventory: Inventory, selected?: { clusterId: string }): Promise<RequestModalInput> {
  const clusters = await inventory.list();
  const chosen = selected ? clusters.find((c) => c.id === selected.clusterId) : undefined;
  const envProfiles = chosen ? policy.environments[chosen.environment].profiles : undefined;
  return {
    clusters: clusters.map((c) => ({ id: c.id, environment: c.environment, ...(c.description ? { description: c.description } : {}) })),
    profiles: Object.entries(policy.profiles)
      .filter(([name]) => !envProfiles || envProfiles.includes(name))
      .map(([name, p]) => ({ name, ...(p.description ? { description: p.description } : {}) })),
    durations: { dev: durationsFor(policy, 'dev'), stg: durationsFor(policy, 'stg'), prod: durationsFor(policy, 'prod') },
    defaults: { dev: policy.environments.dev.defaultMinutes, stg: policy.environments.stg.defaultMinutes, prod: policy.environments.prod.defaultMinutes },
    ...(chosen ? { selected: { clusterId: chosen.id, environment: chosen.environment } } : {}),
  };
}

/** Extension choices: what still fits under the environment's maximum. */
export function extensionChoices(policy: AccessPolicy, env: Environment, grantedMinutes: number): number[] {
  const room = policy.environments[env].maxMinutes - grantedMinutes;
  return room > 0 ? [...new Set([...LADDER.filter((m) => m < room), room])] : [];
}
