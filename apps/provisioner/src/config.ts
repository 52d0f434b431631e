import { accessWorkerConfig } from '@dbre/access';

/** The provisioner's environment: the access workers' one schema, health on 9101. */
export const provisionerConfig = accessWorkerConfig(9101);

export type ProvisionerConfig = typeof provisionerConfig._output;
