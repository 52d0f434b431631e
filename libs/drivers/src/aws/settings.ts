// The AWS drivers' defaults and setting schemas, without the AWS SDK: the driver selection (and every
// service running the local drivers) reads them without loading the SDK clients.
import { z } from 'zod';

export const BASTION_DEFAULTS = {
  instanceType: 't3.micro',
  amiParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
  sessionDocument: 'dbre-PortForwardToGrantedCluster',
  managedBy: 'dbre-platform',
  graceMinutes: 15,
  localPort: 13306,
  proxyPort: 3306,
  // SSM readiness is polled every second: a doubling backoff (0, 2, 6, 14, 29, 44 s ...) wastes up to 15 s after the agent is online.
  online: { initialDelayMs: 1_000, maxDelayMs: 1_000, timeoutMs: 300_000 },
} as const;

export const POOL_DEFAULTS = {
  size: 2,
  maxAgeMs: 86_400_000,
  // A warming instance powers itself off (= terminates) after this, should the refill job die.
  warmupMs: 30 * 60_000,
  refillWaitMs: 10 * 60_000,
  refillEveryMs: 60_000,
} as const;

/** Where bastions can be launched: one VPC of one region, its subnets and its base security group. */
export interface BastionNetwork {
  region: string;
  vpcId: string;
  subnetIds: string[];
  /** The base group of that VPC (no inbound, egress to SSM only); groups are per region. */
  securityGroupId: string;
  /** Egress when the cluster names no security group of this VPC (CIDRs: groups do not cross regions). */
  databaseCidrs?: string[];
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** `BASTION_NETWORKS`: the bastion networks besides the home one (BASTION_VPC_ID & co.), as JSON. */
export const bastionNetworksSchema = z.array(
  z.object({
    region: z.string().regex(REGION, 'an AWS region such as eu-west-1'),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'a VPC id (vpc-...)'),
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id (subnet-...)')).min(1),
    securityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'a security group id (sg-...)'),
    databaseCidrs: z.array(z.cidrv4()).optional(),
  }),
);

