import { accessWorkerConfig } from '@dbre/access';

/** The reaper's environment: the access workers' one schema, health on 9102. */
export const reaperConfig = accessWorkerConfig(9102);

export type ReaperConfig = typeof reaperConfig._output;
