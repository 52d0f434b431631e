export { ConfigError, env, httpAccess, loadConfigOrExit, parseConfig, serviceEnv, type Env, type HttpPolicy } from './config';
export { createMemoryIdempotencyStore, createRedisIdempotencyStore, installIdempotency, type IdempotencyStore } from './idempotency';
export { AppError, isCodedError, statusByKind, type CodedError, type ErrorKind } from './errors';
export { createHttpApp, sendProblem, type HttpApp, type HttpAppOptions, type Problem } from './http-app';
export { createLifecycle, type Lifecycle } from './lifecycle';
export { createLogger, redactPaths, SECRET_KEYS, type Logger, type LoggerConfig } from './logger';
export { redisCheck, runReadinessChecks, type ReadinessCheck, type ReadinessResult } from './readiness';
export { installShutdown, runShutdownSteps, type ShutdownStep } from './shutdown';
export { listen } from './listen';
export { startService } from './start-service';
export { actingHeaders, actorFrom, type ActingPerson } from './bearer-auth';
export { freeText } from './free-text';
export {
  API_SCOPES,
  apiActForEnv,
  apiClientsOf,
  apiClientsEnv,
  apiScopesEnv,
  apiTokensEnv,
  checkApiClients,
  createApiClients,
  optionalApiClientsEnv,
  type ApiClient,
  type ApiClients,
  type ApiClientsConfig,
  type ApiScope,
} from './api-clients';
export { authenticatedBy, principalOf, guardOf, guards, installRouteGuards, markAuthenticated, type RegisteredRoute, type RouteGuard, type RouteGuardOptions } from './route-guard';
export { okResponse, problems, sharedProblems, PROBLEM_CONTENT_TYPE, type ProblemCodes, type ProblemResponse, type ProblemStatus } from './openapi';
