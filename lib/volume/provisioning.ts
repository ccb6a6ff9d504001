/**
 * The one rule for an SR's provisioning, thin or thick: the SR's sm-config `provisioning` when it names
 * one (sm writes it at sr_create), else device-config's (thin when absent). The driver validates
 * device-config's value first (an invalid one is refused); the collector reads the same two maps.
 */
export type Provisioning = 'thin' | 'thick';

export function isProvisioning(value: string | undefined): value is Provisioning {
  return value === 'thin' || value === 'thick';
}

/** The SR's provisioning, or undefined when device-config names an invalid one and sm-config none. */
export function srProvisioning(deviceConfig: Readonly<Record<string, string>>, srSmConfig: Readonly<Record<string, string>>): Provisioning | undefined {
  const fromSm = srSmConfig['provisioning'];
  if (isProvisioning(fromSm)) return fromSm;
  const given = deviceConfig['provisioning'] ?? 'thin';
  return isProvisioning(given) ? given : undefined;
}
