import { statSync } from 'node:fs';
import { z } from 'zod';
import { clusterConfig, parseSection, readPlatformFile, resolvePassword, type ClusterConfig } from '@dbre/config';
import type { ClusterTarget, Inventory } from '../ports';

export interface ConfigInventoryOptions {
  /** Path of the platform YAML/JSON file; its `clusters` section is the fleet. */
  path: string;
  /** Where `passwordEnv` names are looked up (usually process.env). */
  env: Record<string, string | undefined>;
  /**
   * Re-read the file on every call (default) so an edited inventory is seen without a restart;
   * false reads it once, on first use.
   */
  reload?: boolean;
}

const clusterList = z.array(clusterConfig).superRefine((clusters, ctx) => {
  const seen = new Set<string>();
  clusters.forEach((c, i) => {
    if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate cluster id ${c.id}` });
    seen.add(c.id);
  });
});

/** Turns validated `clusters` entries into targets, resolving passwords from `env`. */
export function clusterTargets(clusters: readonly ClusterConfig[], env: Record<string, string | undefined>): ClusterTarget[] {
  return clusters.map((c) => ({
    id: c.id,
    environment: c.environment,
    engine: c.engine,
    ...(c.description !== undefined ? { description: c.description } : {}),
    endpoint: { host: c.endpoint.host, port: c.endpoint.port },
    instances: c.instances.map((i) => ({ host: i.host, port: i.port })),
    admin: { user: c.admin.user, password: resolvePassword(c.admin, env) },
    ...(c.reader ? { reader: { user: c.reader.user, password: resolvePassword(c.reader, env) } } : {}),
  }));
}

/** The local `Inventory`: the `clusters` section of the platform file, sorted by id. */
export function createConfigInventory(options: ConfigInventoryOptions): Inventory {
  // Parsing (YAML + schema) is redone only when the file changes: every grant asks for its cluster.
  let parsed: { identity: string; clusters: ClusterConfig[] } | undefined;
  const load = (): ClusterTarget[] => {
    if (!parsed || options.reload !== false) {
      const identity = fileIdentity(options.path);
      if (!parsed || identity === undefined || identity !== parsed.identity) {
        const data = readPlatformFile(options.path);
        parsed = { identity: identity ?? '', clusters: parseSection(options.path, 'clusters', clusterList.default([]), data) };
      }
    }
    // Passwords are resolved on every call: a changed variable is seen like a changed file.
    return clusterTargets(parsed.clusters, options.env).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };
  return {
    list: async () => load(),
    get: async (clusterId) => load().find((c) => c.id === clusterId),
  };
}

/** Changes whenever the file is written or replaced (nanosecond times, size, inode); undefined when it cannot be read. */
function fileIdentity(path: string): string | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/** An inventory over a fixed list (tests, tools, the CLI's --cluster filters). */
export function createStaticInventory(targets: readonly ClusterTarget[]): Inventory {
  const sorted = [...targets].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    list: async () => sorted,
    get: async (clusterId) => sorted.find((c) => c.id === clusterId),
  };
}
