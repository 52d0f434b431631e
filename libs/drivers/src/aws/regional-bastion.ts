import type { Bastion, BastionAmiAge, BastionHandle, BastionInfo, BastionOpenInput } from '../ports';
import { BastionError, type Ec2SsmBastion } from './ec2-ssm-bastion';
import { bastionNetworksSchema, type BastionNetwork } from './settings';

export { bastionNetworksSchema, type BastionNetwork };

/** What a region's bastion driver must do: the cold launcher, or the warm pool in front of it. */
export type RegionBastion = Pick<Ec2SsmBastion, 'open' | 'close' | 'extend' | 'list' | 'amiAges' | 'deleteOrphanGroups'>;

/**
 * A bastion id as recorded on the grant: the instance id for the home region (as before), and
 * `<region>/<instance id>` elsewhere, so close/extend reach the right region without a lookup.
 */
export const BASTION_ID = /^(?:([a-z]{2}(?:-[a-z]+)+-\d{1,2})\/)?(i-[0-9a-f]{8,17})$/;

export interface RegionalBastionOptions {
  /** The region whose bastion ids stay unqualified (AWS_REGION). */
  homeRegion: string;
  /** Called when a region cannot be listed; the others are still listed (the sweep only closes what it sees). */
  onRegionError?: (region: string, err: unknown) => void;
}

/**
 * Bastions in the cluster's own region and VPC: one Ec2SsmBastion per configured network, the
 * open input's placement picks the network (same VPC, else same region, else home).
 */
export class RegionalBastion implements Bastion {
  private readonly home: { network: BastionNetwork; bastion: RegionBastion };

  constructor(
    private readonly networks: ReadonlyArray<{ network: BastionNetwork; bastion: RegionBastion }>,
    private readonly options: RegionalBastionOptions,
  ) {
    const home = networks.find((n) => n.network.region === options.homeRegion);
    if (!home) throw new BastionError(`no bastion network in the home region ${options.homeRegion}`);
    this.home = home;
    const seen = new Set<string>();
    for (const { network } of networks) {
      const key = `${network.region}/${network.vpcId}`;
      if (seen.has(key)) throw new BastionError(`bastion network ${key} is configured twice`);
      seen.add(key);
    }
  }

  /** The home region's driver (the warm pool, when there is one, lives there). */
  get homeBastion(): RegionBastion {
    return this.home.bastion;
  }

  /** The network a cluster's bastion is launched in. */
  networkFor(input: Pick<BastionOpenInput, 'placement'>): BastionNetwork {
    return this.pick(input).network;
  }

  private pick(input: Pick<BastionOpenInput, 'placement'>): { network: BastionNetwork; bastion: RegionBastion } {
    const p = input.placement;
    if (!p) return this.home;
    return (
      this.networks.find((n) => n.network.region === p.region && n.network.vpcId === p.vpcId) ??
      this.networks.find((n) => n.network.region === p.region) ??
      this.home
    );
  }

  /** One bastion per region for region-wide calls (list, close, extend, AMI ages). */
  private byRegion(region: string): RegionBastion | undefined {
    return this.networks.find((n) => n.network.region === region)?.bastion;
  }

  private qualify(region: string, instanceId: string): string {
    return region === this.options.homeRegion ? instanceId : `${region}/${instanceId}`;
  }

  /** The region and instance of a recorded id; undefined for ids that are not EC2 bastions (a local forwarder's). */
  private parse(bastionId: string): { region: string; instanceId: string; bastion: RegionBastion } | undefined {
    const m = BASTION_ID.exec(bastionId);
    const instanceId = m?.[2];
    if (!m || !instanceId) return undefined;
    const region = m[1] ?? this.options.homeRegion;
    const bastion = this.byRegion(region);
    if (!bastion) throw new BastionError(`bastion ${bastionId} is in ${region}, where no bastion network is configured (BASTION_NETWORKS)`);
    return { region, instanceId, bastion };
  }

  async open(input: BastionOpenInput): Promise<BastionHandle> {
    const { network, bastion } = this.pick(input);
    const handle = await bastion.open(input);
    return { ...handle, bastionId: this.qualify(network.region, handle.bastionId) };
  }

  async close(bastionId: string): Promise<void> {
    const found = this.parse(bastionId);
    if (found) await found.bastion.close(found.instanceId);
  }

  async extend(bastionId: string, endsAt: Date): Promise<void> {
    const found = this.parse(bastionId);
    if (!found) throw new BastionError(`not a bastion id: ${JSON.stringify(bastionId)}`);
    await found.bastion.extend(found.instanceId, endsAt);
  }

  private async eachRegion<T>(fn: (region: string, bastion: RegionBastion) => Promise<T[]>): Promise<T[]> {
    const regions = this.networks.filter((n, i) => this.networks.findIndex((m) => m.network.region === n.network.region) === i);
    const settled = await Promise.allSettled(regions.map((n) => fn(n.network.region, n.bastion)));
    const out: T[] = [];
    const errors: unknown[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') out.push(...s.value);
      else {
        errors.push(s.reason);
        this.options.onRegionError?.(regions[i]?.network.region ?? '?', s.reason);
      }
    });
    if (errors.length === regions.length) throw errors[0];
    return out;
  }

  async list(): Promise<BastionInfo[]> {
    return this.eachRegion(async (region, bastion) => (await bastion.list()).map((b) => ({ ...b, bastionId: this.qualify(region, b.bastionId) })));
  }

  async amiAges(): Promise<BastionAmiAge[]> {
    const ages = await this.eachRegion(async (region, bastion) => (await bastion.amiAges()).map((a) => ({ ...a, bastionId: this.qualify(region, a.bastionId) })));
    return ages.sort((a, b) => (b.ageDays ?? Infinity) - (a.ageDays ?? Infinity) || a.bastionId.localeCompare(b.bastionId));
  }

  async deleteOrphanGroups(): Promise<string[]> {
    const out: string[] = [];
    for (const { bastion } of this.networks) out.push(...(await bastion.deleteOrphanGroups()));
    return out;
  }
}
