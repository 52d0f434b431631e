export { reviewSql, meetsThreshold, type ContextStatus, type ReviewOptions, type ReviewResult, type ReviewSummary, type StatementSummary } from './engine';
export { loadConfigFile, parseConfigYaml, resolveConfig, ReviewConfigError, reviewConfigFile, type ReviewConfig } from './config';
export { ALL_RULES, RULES_BY_ID } from './rules';
export { SEVERITIES, severityRank, type Category, type Dialect, type Finding, type Rule, type Severity } from './rules/types';
export { classifyAlter, classifyCreateIndex, type OnlineDdlVerdict, type ClauseVerdict } from './online-ddl';
export { loadLiveSchema, liveSchemaFrom, schemaSnapshot, type LiveSchema, type SnapshotLookup } from './context/snapshot';
export { parseSql, type ParsedFile, type ParsedStatement } from './sql/parse';
export { splitStatements } from './sql/split';
export { parseSuppression } from './suppress';
