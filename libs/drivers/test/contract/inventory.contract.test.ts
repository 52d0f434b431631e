import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { stringify } from 'yaml';
import { RdsInventory } from '../../src/aws';
import { createConfigInventory } from '../../src/local/config-inventory';
import { installRdsFake, installSecretsManagerFake } from './aws-fakes';
import { describeInventoryContract } from './contracts';

describeInventoryContract('RdsInventory over stateful RDS/Secrets Manager fakes', async (fleet) => {
  const sm = installSecretsManagerFake();
  const rds = installRdsFake(fleet, sm.secrets);
  const skipped: string[] = [];
  const inventory = new RdsInventory(
    (region) => ({ rds: new RDSClient({ region }), secrets: new SecretsManagerClient({ region }) }),
    { regions: ['eu-west-1'], tagKey: 'dbre:fleet', tagValue: 'true', credentials: 'resolve', cacheTtlMs: 0, onSkip: (id, why) => skipped.push(`${id}: ${why}`) },
  );
  return {
    inventory,
    dispose: async () => {
      // Every fleet cluster was usable; the untagged one was never a candidate.
      expect(skipped).toEqual([]);
      rds.restore();
      sm.restore();
    },
  };
});

describeInventoryContract('local config-file inventory', async (fleet) => {
  const dir = await mkdtemp(join(tmpdir(), 'inventory-contract-'));
  const path = join(dir, 'platform.yaml');
  await writeFile(path, stringify({ clusters: fleet }));
  return { inventory: createConfigInventory({ path, env: {} }), dispose: () => rm(dir, { recursive: true, force: true }) };
});
