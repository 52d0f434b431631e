// Rewrites infra/modules/dynamodb/tables.tf.json from libs/store/src/tables.ts.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DYNAMODB_TF_JSON, dynamodbTerraformText } from './dynamodb-tf';

const path = resolve(__dirname, '../../..', DYNAMODB_TF_JSON);
writeFileSync(path, dynamodbTerraformText());
console.log(`wrote ${DYNAMODB_TF_JSON}`);
