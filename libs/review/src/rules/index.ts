import { columnRules } from './column';
import { contextRules } from './context-rules';
import { dmlRules } from './dml';
import { policyRules } from './policy';
import { indexRules } from './index-rules';
import { metaRules } from './meta';
import { namingRules } from './naming';
import { onlineDdlRules } from './online-ddl-rules';
import { safetyRules } from './safety';
import { tableRules } from './table';
import type { Rule } from './types';

/** Every rule, in the order findings are listed for one statement. */
export const ALL_RULES: readonly Rule<unknown>[] = [
  ...metaRules,
  ...namingRules,
  ...tableRules,
  ...columnRules,
  ...indexRules,
  ...safetyRules,
  ...onlineDdlRules,
  ...contextRules,
  ...policyRules,
  ...dmlRules,
];

export const RULES_BY_ID: ReadonlyMap<string, Rule<unknown>> = new Map(ALL_RULES.map((r) => [r.id, r]));
