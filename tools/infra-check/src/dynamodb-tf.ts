import { TABLES, type TableDefinition } from '@dbre/store';

/** Where the generated Terraform for the platform's tables lives. */
export const DYNAMODB_TF_JSON = 'infra/modules/dynamodb/tables.tf.json';

/**
 * Terraform JSON for every table in libs/store/src/tables.ts: keys, attributes and GSIs exactly
 * as the code creates them locally, plus what production adds (PITR, encryption, protection).
 * One source of truth: `npm run infra:tables` rewrites the file, a test fails when it is stale.
 */
export function dynamodbTerraform(tables: Record<string, TableDefinition> = TABLES): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  const arns: Record<string, string> = {};
  for (const [key, def] of Object.entries(tables)) {
    resources[key] = {
      name: `\${var.table_prefix}${def.name}`,
      billing_mode: 'PAY_PER_REQUEST',
      hash_key: def.hashKey,
      ...(def.rangeKey ? { range_key: def.rangeKey } : {}),
      attribute: Object.entries(def.attributes).map(([name, type]) => ({ name, type })),
      ...(def.indexes?.length
        ? {
            global_secondary_index: def.indexes.map((ix) => ({
              name: ix.name,
              hash_key: ix.hashKey,
              ...(ix.rangeKey ? { range_key: ix.rangeKey } : {}),
              projection_type: 'ALL',
            })),
          }
        : {}),
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true, kms_key_arn: '${var.kms_key_arn}' },
      deletion_protection_enabled: '${var.deletion_protection}',
    };
    arns[key] = `\${aws_dynamodb_table.${key}.arn}`;
  }
  return {
    '//': 'Generated from libs/store/src/tables.ts by `npm run infra:tables`. Do not edit by hand.',
    resource: { aws_dynamodb_table: resources },
    output: { table_arns: { description: 'Table key (TABLES) => table ARN', value: arns } },
  };
}

export function dynamodbTerraformText(): string {
  return `${JSON.stringify(dynamodbTerraform(), null, 2)}\n`;
}
