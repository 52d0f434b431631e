import type { ClusterTarget } from '@dbre/drivers';
import { testServices } from '@dbre/testing';

export function localTarget(id: string, overrides: Partial<ClusterTarget> = {}): ClusterTarget {
  return {
    id,
    environment: 'dev',
    engine: 'mariadb',
    endpoint: { host: testServices.mysql.host, port: testServices.mysql.port },
    instances: [],
    admin: { user: testServices.mysql.user, password: testServices.mysql.password },
    ...overrides,
  };
}
