import { Gauge, register } from 'prom-client';
import type { Bastion, BastionAmiAge } from '@dbre/drivers';
import type { Logger } from '@dbre/service-kit';

export const AMI_METRICS = {
  age: 'dbre_bastion_ami_age_days',
  stale: 'dbre_bastion_ami_stale',
  threshold: 'dbre_bastion_ami_alert_days',
} as const;

const LABELS = ['instance_id', 'region'] as const;
type Label = (typeof LABELS)[number];

/** Gauges on the default registry (the one /metrics serves), created on first use: the HTTP app clears it at start. */
function gauge(name: string, help: string, labelNames: readonly Label[] = LABELS): Gauge<Label> {
  return (register.getSingleMetric(name) as Gauge<Label> | undefined) ?? new Gauge({ name, help, labelNames: [...labelNames] });
}

/** Stale: not on the newest image, or its image older than the threshold (or unknown: deregistered). */
export function isStale(age: BastionAmiAge, alertDays: number): boolean {
  return !age.newest || age.ageDays === undefined || age.ageDays > alertDays;
}

/**
 * Refreshes the AMI-age gauges from the live bastions (governance rule: vulnerabilities patched):
 * every series is reset first, so a terminated bastion leaves no stale series. Returns the stale ones.
 * Prometheus alert: `dbre_bastion_ami_stale == 1`.
 */
export async function refreshAmiAges(bastion: Bastion, alertDays: number, logger: Logger): Promise<BastionAmiAge[] | undefined> {
  if (!bastion.amiAges) return undefined;
  const ages = await bastion.amiAges();
  const age = gauge(AMI_METRICS.age, 'Days since the image of a live bastion was published (DescribeImages CreationDate); -1 when the image is gone');
  const stale = gauge(AMI_METRICS.stale, `1 when a live bastion is not on the newest AL2023 image or its image is older than ${AMI_METRICS.threshold} days`);
  const threshold = gauge(AMI_METRICS.threshold, 'The AMI age (days) above which a bastion is flagged stale', []);
  age.reset();
  stale.reset();
  threshold.set(alertDays);
  const flagged: BastionAmiAge[] = [];
  for (const a of ages) {
    // The region is part of the id for non-home bastions (`eu-west-1/i-…`): the label is the instance only.
    const labels = { instance_id: a.bastionId.split('/').pop() ?? a.bastionId, region: a.region };
    age.set(labels, a.ageDays ?? -1);
    const bad = isStale(a, alertDays);
    stale.set(labels, bad ? 1 : 0);
    if (bad) flagged.push(a);
  }
  if (flagged.length) {
    logger.warn(
      { alertDays, stale: flagged.map((a) => ({ bastionId: a.bastionId, region: a.region, imageId: a.imageId, ageDays: a.ageDays, newest: a.newest })) },
      'bastions on an old or superseded image',
    );
  }
  return flagged;
}
