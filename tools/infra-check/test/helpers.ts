import { join } from 'node:path';
import { loadTerraform, type Terraform } from '../src/terraform';

export const REPO = join(__dirname, '../../..');
export const INFRA = join(REPO, 'infra');

let cached: Promise<Terraform> | undefined;
/** The parsed infra/ tree, once per test file. */
export function infra(): Promise<Terraform> {
  cached ??= loadTerraform(INFRA);
  return cached;
}
