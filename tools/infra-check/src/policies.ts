import { find, nested, nestedAll, type Body, type Terraform } from './terraform';

export interface Statement {
  /** `<module>/<document>` the statement was written in. */
  from: string;
  sid?: string;
  effect: string;
  actions: string[];
  resources: string[];
  conditions: Array<{ test: string; variable: string; values: unknown }>;
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

function statementsOf(module: string, name: string, body: Body): Statement[] {
  return nestedAll(body, 'statement').map((s) => ({
    from: `${module}/${name}`,
    ...(typeof s.sid === 'string' ? { sid: s.sid } : {}),
    effect: typeof s.effect === 'string' ? s.effect : 'Allow',
    actions: asList(s.actions),
    resources: asList(s.resources),
    conditions: nestedAll(s, 'condition').map((c) => ({ test: String(c.test), variable: String(c.variable), values: c.values })),
  }));
}

/** Every statement of every aws_iam_policy_document, as written (sources not merged). */
export function allStatements(tf: Terraform): Statement[] {
  return tf.data.filter((d) => d.type === 'aws_iam_policy_document').flatMap((d) => statementsOf(d.module, d.name, d.body));
}

/** A document with its source_policy_documents merged in (recursively), as AWS will see it. */
export function effectiveStatements(tf: Terraform, module: string, name: string, seen = new Set<string>()): Statement[] {
  const [doc] = find(tf.data, module, 'aws_iam_policy_document', name);
  if (!doc) throw new Error(`no aws_iam_policy_document ${name} in ${module}`);
  if (seen.has(name)) throw new Error(`policy document cycle at ${name}`);
  seen.add(name);
  const sources = asList(doc.body.source_policy_documents).map((ref) => {
    const m = /^\$\{data\.aws_iam_policy_document\.([a-z0-9_]+)\.json\}$/.exec(ref);
    if (!m?.[1]) throw new Error(`${name}: source_policy_documents must reference policy documents, got ${ref}`);
    return m[1];
  });
  return [...sources.flatMap((s) => effectiveStatements(tf, module, s, new Set(seen))), ...statementsOf(module, name, doc.body)];
}

export function conditionOn(statement: Statement, variable: string): Statement['conditions'][number] | undefined {
  return statement.conditions.find((c) => c.variable === variable);
}

export { nested };

/** Actions AWS gives no resource-level permissions: the only ones allowed on Resource "*". */
export const NO_RESOURCE_LEVEL = [
  'ecr:GetAuthorizationToken',
  'ec2:DescribeInstances',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeImages',
  'ssm:DescribeInstanceInformation',
  'ssm:DescribeSessions',
  'dynamodb:ListTables',
  'rds:DescribeEngineDefaultParameters',
  'rds:DescribeEngineDefaultClusterParameters',
];

/** Allow statements granting `*`/`svc:*` actions, or scoped actions on Resource "*". */
export function wildcardProblems(statements: Statement[]): string[] {
  const problems: string[] = [];
  for (const s of statements.filter((x) => x.effect === 'Allow')) {
    const where = `${s.from}${s.sid ? `#${s.sid}` : ''}`;
    const wild = s.actions.filter((a) => a === '*' || a.endsWith(':*'));
    if (wild.length) problems.push(`${where}: wildcard actions ${wild.join(', ')}`);
    if (s.resources.includes('*')) {
      const scoped = s.actions.filter((a) => !NO_RESOURCE_LEVEL.includes(a));
      if (scoped.length) problems.push(`${where}: ${scoped.join(', ')} on Resource "*"`);
    }
  }
  return problems;
}
