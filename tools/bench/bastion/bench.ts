/**
 * `npm run bench:bastion` — approval -> usable bastion on the cold path, with the real
 * Ec2SsmBastion driver against a simulated EC2/SSM whose latencies come from published
 * measurements (virtual time: the driver's clock is simulated, so 2,000 launches take seconds).
 *
 * Simulated latencies (each sampled per launch, uniform within the published range):
 *  - EC2 API calls (DescribeInstances, security group calls, RunInstances): 0.1-0.3 s each;
 *    RunInstances itself 1.0-1.6 s ("RunInstances API call took: 1.543152 s", C. Percival,
 *    EC2 boot time benchmarking, 2021, https://www.daemonology.net/blog/2021-08-12-EC2-boot-time-benchmarking.html).
 *  - pending -> running: 4.9-16.6 s (4.9 s in the same post; 16.4-16.6 s across instance
 *    families in brevdev/ec2-coldboot-research, 2025, whose cold launch to SSH averaged 25.8 s).
 *  - running -> SSM agent Online: 3-9 s (boot to first service: 3.2 s with cloud-init,
 *    ec2-coldboot-research; AL2023 is the fastest general-purpose AMI to boot, M. Sweet, EC2
 *    Launch Times, 2023, https://www.martysweet.co.uk/ec2-launch-times/) plus the agent's
 *    registration, taken as 0-3 s (no published figure found: an assumption).
 *
 * Compared: the seed's SSM readiness backoff (2 s doubling to 15 s: checks at 0, 2, 6, 14, 29,
 * 44 s ...) and the 1 s polling this driver now uses.
 *
 *   --launches <n> (2000)
 */
import { EC2Client, AuthorizeSecurityGroupEgressCommand, CreateSecurityGroupCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, RevokeSecurityGroupEgressCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { parseArgs } from 'node:util';
import { BASTION_DEFAULTS, Ec2SsmBastion, type BackoffOptions, type Clock } from '@dbre/drivers';

const { values: args } = parseArgs({ options: { launches: { type: 'string', default: '2000' } } });
const LAUNCHES = Number(args.launches);

let seed = 42;
const random = () => {
  // mulberry32: reproducible figures run after run.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const between = (lo: number, hi: number) => lo + (hi - lo) * random();

let now = 0;
const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
const api = (lo = 100, hi = 300) => (now += between(lo, hi));

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
let onlineAt = Infinity;
let instance = 0;
ssm.on(GetParameterCommand).callsFake(() => (api(), { Parameter: { Value: 'ami-0abc1234def567890' } }));
ec2.on(DescribeInstancesCommand).callsFake(() => (api(), { Reservations: [] }));
ec2.on(DescribeSecurityGroupsCommand).callsFake(() => (api(), { SecurityGroups: [] }));
ec2.on(CreateSecurityGroupCommand).callsFake(() => (api(), { GroupId: 'sg-0bbbbbbbbbbbbbbb1' }));
ec2.on(RevokeSecurityGroupEgressCommand).callsFake(() => (api(), {}));
ec2.on(AuthorizeSecurityGroupEgressCommand).callsFake(() => (api(), {}));
ec2.on(RunInstancesCommand).callsFake(() => {
  api(1_000, 1_600);
  onlineAt = now + between(4_900, 16_600) + between(3_000, 9_000) + between(0, 3_000);
  instance += 1;
  return { Instances: [{ InstanceId: `i-0${instance.toString(16).padStart(16, '0')}` }] };
});
ssm.on(DescribeInstanceInformationCommand).callsFake((input: { Filters?: Array<{ Values?: string[] }> }) => {
  api(50, 150);
  const id = input.Filters?.[0]?.Values?.[0];
  return { InstanceInformationList: now >= onlineAt ? [{ InstanceId: id, PingStatus: 'Online' }] : [] };
});

async function measure(online: BackoffOptions): Promise<number[]> {
  const bastion = new Ec2SsmBastion(new EC2Client({ region: 'eu-west-1' }), new SSMClient({ region: 'eu-west-1' }), {
    region: 'eu-west-1',
    subnetIds: ['subnet-0aaaaaaaaaaaaaaaa'],
    securityGroupId: 'sg-0123456789abcdef0',
    vpcId: 'vpc-0123456789abcdef0',
    databaseCidrs: ['10.20.0.0/16'],
    sessionDocument: BASTION_DEFAULTS.sessionDocument,
    instanceProfile: 'dbre-bastion',
    instanceType: 't3.micro',
    amiParameter: BASTION_DEFAULTS.amiParameter,
    managedBy: 'dbre-platform',
    graceMinutes: 15,
    localPort: 13306,
    online,
  }, clock);
  const took: number[] = [];
  for (let i = 0; i < LAUNCHES; i++) {
    const start = now;
    await bastion.open({
      requestId: `R${i}`,
      requester: 'ana.silva@example.com',
      clusterId: 'orders-prod',
      target: { host: 'orders-prod.cluster-abc.eu-west-1.rds.amazonaws.com', port: 3306 },
      endsAt: new Date(now + 3_600_000),
    });
    took.push(now - start);
    now += 3_600_000;
  }
  return took.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const seedBackoff = await measure({ initialDelayMs: 2_000, maxDelayMs: 15_000, timeoutMs: 300_000 });
  seed = 42;
  const everySecond = await measure(BASTION_DEFAULTS.online);
  console.log(`approval -> usable bastion, cold launch, ${LAUNCHES} simulated launches (virtual time)`);
  console.log(`  seed backoff (2 s doubling to 15 s): p50 ${s(pct(seedBackoff, 50))}  p99 ${s(pct(seedBackoff, 99))}  max ${s(seedBackoff.at(-1)!)}`);
  console.log(`  1 s SSM polling (now):               p50 ${s(pct(everySecond, 50))}  p99 ${s(pct(everySecond, 99))}  max ${s(everySecond.at(-1)!)}`);
  console.log(`  target cold <= 45 s: p99 ${pct(everySecond, 99) <= 45_000 ? 'met' : 'NOT met'}`);
  console.log('  pool hit: not measured (the warm pool is not built yet)');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
