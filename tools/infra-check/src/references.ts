import type { Block, Terraform } from './terraform';

/**
 * A small stand-in for `terraform validate` (no binary here): inside each module, every
 * `var.x`, `local.x`, `module.x`, `data.t.n` and `<resource type>.n` referenced is declared, and
 * every module call passes only inputs the module declares and all the required ones.
 */
export function referenceProblems(tf: Terraform): string[] {
  const problems: string[] = [];
  const dirs = new Set(tf.files.map((f) => f.split('/').slice(0, -1).join('/') || '.'));
  const all = (list: Block[], dir: string) => list.filter((b) => b.module === dir);

  for (const dir of dirs) {
    const variables = new Set(all(tf.variables, dir).map((v) => v.name));
    const locals = new Set(Object.keys(tf.locals[dir] ?? {}));
    const modules = new Set(all(tf.modules, dir).map((m) => m.name));
    const data = new Set(all(tf.data, dir).map((d) => `${d.type}.${d.name}`));
    const resources = new Set(all(tf.resources, dir).map((r) => `${r.type}.${r.name}`));
    const text = JSON.stringify([
      all(tf.resources, dir).map((b) => b.body),
      all(tf.data, dir).map((b) => b.body),
      all(tf.modules, dir).map((b) => b.body),
      all(tf.outputs, dir).map((b) => b.body),
      tf.locals[dir] ?? {},
    ]);
    const check = (pattern: RegExp, known: Set<string>, what: string) => {
      for (const m of text.matchAll(pattern)) {
        if (!known.has(m[1]!)) problems.push(`${dir}: ${what} ${m[1]} is not declared`);
      }
    };
    check(/\bvar\.([a-z0-9_]+)/g, variables, 'variable');
    check(/\blocal\.([a-z0-9_]+)/g, locals, 'local');
    check(/\bmodule\.([a-z0-9_]+)/g, modules, 'module');
    check(/\bdata\.([a-z0-9_]+\.[a-z0-9_]+)/g, data, 'data source');
    for (const m of text.matchAll(/(?<![.\w])(aws_[a-z0-9_]+|random_[a-z0-9_]+)\.([A-Za-z0-9_-]+)/g)) {
      if (!resources.has(`${m[1]}.${m[2]}`)) problems.push(`${dir}: resource ${m[1]}.${m[2]} is not declared`);
    }
  }

  for (const call of tf.modules) {
    const source = String(call.body.source);
    if (!source.startsWith('./')) continue;
    const target = [call.module, source.slice(2)].filter((p) => p !== '.').join('/');
    const declared = tf.variables.filter((v) => v.module === target);
    if (declared.length === 0 && !tf.files.some((f) => f.startsWith(`${target}/`))) {
      problems.push(`${call.module}: module ${call.name} points at missing ${target}`);
      continue;
    }
    const names = new Set(declared.map((v) => v.name));
    const meta = new Set(['source', 'for_each', 'count', 'depends_on', 'providers']);
    for (const input of Object.keys(call.body)) {
      if (!meta.has(input) && !names.has(input)) problems.push(`${call.module}: module ${call.name} passes ${input}, which ${target} does not declare`);
    }
    for (const v of declared) {
      if (!('default' in v.body) && !(v.name in call.body)) problems.push(`${call.module}: module ${call.name} does not pass required ${v.name}`);
    }
  }
  return problems;
}

/** Module outputs referenced as `module.<name>.<output>` exist in the called module. */
export function outputProblems(tf: Terraform): string[] {
  const problems: string[] = [];
  for (const call of tf.modules) {
    const source = String(call.body.source);
    const target = [call.module, source.slice(2)].filter((p) => p !== '.').join('/');
    const outputs = new Set(tf.outputs.filter((o) => o.module === target).map((o) => o.name));
    const text = JSON.stringify([tf.resources, tf.data, tf.modules, tf.outputs, tf.locals].map((x) => x));
    for (const m of text.matchAll(new RegExp(`\\bmodule\\.${call.name}(?:\\[[^\\]]+\\])?\\.([a-z0-9_]+)`, 'g'))) {
      if (!outputs.has(m[1]!)) problems.push(`module.${call.name}.${m[1]} is not an output of ${target}`);
    }
  }
  return [...new Set(problems)];
}
