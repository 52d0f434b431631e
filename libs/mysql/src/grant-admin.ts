import type { ClusterTarget } from '@dbre/drivers';
import { createAccessAdmin, type AccessAdmin, type AdminLogger } from './access-admin';

/**
 * What the access workers need from a cluster, declared by the consumer and implemented over
 * @dbre/mysql (one AccessAdmin, i.e. one small pool per endpoint, per cluster). Idempotent.
 */
export interface GrantAdmin {
  /** Users this platform created on the cluster (name prefix). */
  listPlatformUsers(cluster: ClusterTarget): Promise<string[]>;
  /** Throws MysqlAdminError DATABASE_NOT_FOUND unless the database exists on the cluster (`*` passes). */
  requireDatabase(cluster: ClusterTarget, database: string): Promise<void>;
  /** Creates the user (or resets its password when it exists) and grants the privileges on the database. */
  createUser(cluster: ClusterTarget, grant: { user: string; password: string; database: string; privileges: readonly string[] }): Promise<void>;
  /** Lock, kill every session on every instance, drop (or lock when MySQL refuses), kill stragglers. */
  revokeUser(cluster: ClusterTarget, user: string): Promise<{ killed: number; outcome: 'dropped' | 'absent' | 'locked'; detail?: string }>;
  /** Failsafe EVENT dropping the user at `at` where event_scheduler is ON; false otherwise. */
  scheduleFailsafe(cluster: ClusterTarget, user: string, at: Date): Promise<boolean>;
  close(): Promise<void>;
}

export function createGrantAdmin(options: { userPrefix: string; logger?: AdminLogger; connectTimeoutMs?: number }): GrantAdmin {
  const admins = new Map<string, { key: string; admin: AccessAdmin }>();
  const adminFor = (cluster: ClusterTarget): AccessAdmin => {
    // Re-create when the inventory entry changed (endpoint, credentials or TLS CA edited).
    const key = JSON.stringify([cluster.endpoint, cluster.instances, cluster.admin.user, cluster.admin.password, cluster.engine, cluster.tls?.ca]);
    const cached = admins.get(cluster.id);
    if (cached && cached.key === key) return cached.admin;
    if (cached) void cached.admin.close();
    const admin = createAccessAdmin({
      cluster: { id: cluster.id, engine: cluster.engine, endpoint: cluster.endpoint, instances: cluster.instances, admin: cluster.admin, ...(cluster.tls ? { tls: cluster.tls } : {}) },
      userPrefix: options.userPrefix,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    });
    admins.set(cluster.id, { key, admin });
    return admin;
  };
  return {
    async listPlatformUsers(cluster) {
      return (await adminFor(cluster).listPlatformUsers()).map((u) => u.user);
    },
    async requireDatabase(cluster, database) {
      await adminFor(cluster).requireDatabase(database);
    },
    async createUser(cluster, grant) {
      await adminFor(cluster).createUser(grant);
    },
    async revokeUser(cluster, user) {
      const report = await adminFor(cluster).revokeAccess(user);
      return { killed: report.kill.killed + report.lateKill.killed, outcome: report.drop.outcome, ...(report.drop.detail ? { detail: report.drop.detail } : {}) };
    },
    async scheduleFailsafe(cluster, user, at) {
      return (await adminFor(cluster).scheduleDropEvent(user, at)).scheduled;
    },
    async close() {
      const all = [...admins.values()];
      admins.clear();
      await Promise.allSettled(all.map((a) => a.admin.close()));
    },
  };
}
