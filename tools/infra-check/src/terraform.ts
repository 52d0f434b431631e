import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import fg from 'fast-glob';

/** hcl2json's shape: every block is a list of bodies; attributes are JSON or "${expr}" strings. */
export type Body = Record<string, unknown>;

export interface Block {
  /** Module directory relative to the infra root: `.` or `modules/iam`. */
  module: string;
  file: string;
  type: string;
  name: string;
  body: Body;
}

export interface Terraform {
  files: string[];
  resources: Block[];
  data: Block[];
  modules: Block[];
  outputs: Block[];
  variables: Block[];
  /** Locals by module directory. */
  locals: Record<string, Body>;
}

function blocks(module: string, file: string, section: unknown): Block[] {
  const out: Block[] = [];
  if (!section || typeof section !== 'object') return out;
  for (const [type, byName] of Object.entries(section as Record<string, unknown>)) {
    if (!byName || typeof byName !== 'object') continue;
    for (const [name, bodies] of Object.entries(byName as Record<string, unknown>)) {
      for (const body of Array.isArray(bodies) ? bodies : [bodies]) out.push({ module, file, type, name, body: body as Body });
    }
  }
  return out;
}

/** Named blocks without a type (module, output, variable): `{ name: [body] }`. */
function named(module: string, file: string, kind: string, section: unknown): Block[] {
  return blocks(module, file, section ? { [kind]: section } : undefined);
}

/** Parses every `.tf` (HCL) and `.tf.json` file under `root`. */
export async function loadTerraform(root: string): Promise<Terraform> {
  const files = (await fg(['**/*.tf', '**/*.tf.json'], { cwd: root, ignore: ['**/.terraform/**'] })).sort();
  const tf: Terraform = { files, resources: [], data: [], modules: [], outputs: [], variables: [], locals: {} };
  for (const file of files) {
    const text = readFileSync(`${root}/${file}`, 'utf8');
    const module = dirname(file);
    const parsed = (file.endsWith('.json') ? JSON.parse(text) : await parse(file, text)) as Record<string, unknown>;
    tf.resources.push(...blocks(module, file, parsed.resource));
    tf.data.push(...blocks(module, file, parsed.data));
    tf.modules.push(...named(module, file, 'module', parsed.module));
    tf.outputs.push(...named(module, file, 'output', parsed.output));
    tf.variables.push(...named(module, file, 'variable', parsed.variable));
    const locals = Array.isArray(parsed.locals) ? parsed.locals : parsed.locals ? [parsed.locals] : [];
    for (const l of locals) tf.locals[module] = { ...(tf.locals[module] ?? {}), ...(l as Body) };
  }
  return tf;
}

/** The first body of a nested block (`versioning_configuration { ... }` -> its body). */
export function nested(body: Body | undefined, key: string): Body | undefined {
  const value = body?.[key];
  if (Array.isArray(value)) return value[0] as Body | undefined;
  return value as Body | undefined;
}

/** Every body of a nested block, including `dynamic "<key>" { content { ... } }` ones. */
export function nestedAll(body: Body | undefined, key: string): Body[] {
  const direct = body?.[key];
  const list = Array.isArray(direct) ? (direct as Body[]) : direct ? [direct as Body] : [];
  const dynamic = nested(body, 'dynamic');
  const dyn = (dynamic?.[key] as Body[] | undefined) ?? [];
  return [...list, ...dyn.flatMap((d) => (d.content as Body[] | undefined) ?? [])];
}

export function find(list: Block[], module: string, type: string, name?: string): Block[] {
  return list.filter((b) => b.module === module && b.type === type && (name === undefined || b.name === name));
}
