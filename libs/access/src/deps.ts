import type { AccessPolicy } from '@dbre/domain';
import type { AuditSource, Bastion, BastionSession, EvidenceStore, Inventory, Notifier, SecretStore } from '@dbre/drivers';
import type { GrantAdmin } from '@dbre/mysql';
import type { TypedQueue } from '@dbre/queue';
import type { AuditLog, RequestRepository } from '@dbre/store';

export interface AccessQueues {
  provision: TypedQueue<'provision'>;
  warn: TypedQueue<'warn'>;
  revoke: TypedQueue<'revoke'>;
  /**
   * The evidence seal after a revoke, in a job of its own (reaper) so a burst of revokes is not held up
   * by the seals; without it the revoke seals in its own job.
   */
  seal?: TypedQueue<'seal'>;
  /** Reminders to approvers (policy `renotify`); without it no reminder is scheduled. */
  renotify?: TypedQueue<'renotify'>;
}

/** What every lifecycle step may use; each service passes the parts its steps need. */
export interface AccessDeps {
  requests: RequestRepository;
  audit: AuditLog;
  policy: AccessPolicy;
  inventory: Inventory;
  notifier: Notifier;
  queues: AccessQueues;
  clock?: () => Date;
}

/** The workers also reach the clusters, the bastions and the secrets. */
export interface WorkerDeps extends AccessDeps {
  admin: GrantAdmin;
  bastion: Bastion;
  secrets: SecretStore;
  /**
   * Called at each boundary between two steps, once what came before is stored (fault injection
   * in tests: a process killed here must resume to the same end state).
   */
  onStep?: (step: AccessStep, requestId: string) => void | Promise<void>;
  /** What a finished grant's user did, sealed into its chain (docs/evidence.md); absent: no evidence. */
  evidence?: EvidenceDeps;
}

/** The database audit log, the write-once store and what else a grant's evidence holds. */
export interface EvidenceDeps {
  auditSource: AuditSource;
  store: EvidenceStore;
  /** The sweep collects the `final` bundle this long after the end (audit logs delivered late). */
  settleMs: number;
  /** How far back the sweep looks for ended grants missing a bundle (default 7 days). */
  lookbackMs?: number;
  /** SSM sessions of a grant's bastion (AWS; the bastion runs in its cluster's region). */
  sessions?: (bastionId: string, clusterId: string) => Promise<readonly BastionSession[]>;
  /** Whether the cluster's audit logging is on, when known (undefined: unknown). */
  clusterAuditLogging?: (clusterId: string) => Promise<{ enabled: boolean; detail?: string } | undefined>;
}

/** The boundaries of provisioning and revoking, in order. */
export const PROVISION_STEPS = ['claimed', 'resources', 'user', 'deliver', 'activated', 'scheduled'] as const;
export const REVOKE_STEPS = ['revoke_started', 'user_revoked', 'resources_removed', 'revoked'] as const;
export type AccessStep = (typeof PROVISION_STEPS)[number] | (typeof REVOKE_STEPS)[number];

export const clockOf = (deps: { clock?: () => Date }) => deps.clock ?? (() => new Date());
