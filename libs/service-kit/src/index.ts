export { ConfigError, env, loadConfigOrExit, parseConfig, serviceEnv, type Env } from './config';
export { AppError, isCodedError, statusByKind, type CodedError, type ErrorKind } from './errors';
export { createHttpApp, sendProblem, type HttpApp, type HttpAppOptions, type Problem } from './http-app';
export { createLifecycle, type Lifecycle } from './lifecycle';
export { createLogger, redactPaths, SECRET_KEYS, type Logger, type LoggerConfig } from './logger';
export { redisCheck, runReadinessChecks, type ReadinessCheck, type ReadinessResult } from './readiness';
export { installShutdown, runShutdownSteps, type ShutdownStep } from './shutdown';
export { listen } from './listen';
export { startService } from './start-service';
