export { clockOf, PROVISION_STEPS, REVOKE_STEPS, type AccessDeps, type AccessQueues, type AccessStep, type WorkerDeps } from './deps';
export { createAccessDecisions, type AccessDecisions, type Acting, type DecisionDeps, type NewRequestInput } from './decisions';
export { createCompensation } from './compensate';
export { createProvisioner } from './provision';
export { createRevoker, type Revoker } from './revoke';
export { failsafeAt, revokeNow, scheduleGrant, scheduleWarning } from './schedule';
export { createSweep, type SweepOptions, type SweepReport } from './sweep';
export { createAccessWorkers, type AccessWorkerOptions, type AccessWorkers, type WorkerRole } from './workers';
export { accessWorkerConfig, buildWorkerApp, runAccessWorker, workerTimings, type AccessWorkerConfig } from './worker-main';
