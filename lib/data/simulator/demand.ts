// What the plant does not control: consumer demand (a daily profile with morning and evening
// peaks), raw water supply pressure and raw water quality. Slow random parts are
// Ornstein-Uhlenbeck processes; every second draws the same number of normals whatever the
// plant does, so an attacked run and a clean run see the same weather.
import { normal, type RngState } from './random';

export interface Disturbances {
  /** OU states (dimensionless or in the unit of the quantity). */
  supply: number;
  ph: number;
  cond: number;
  demand: number;
}

export const DISTURBANCES_START: Disturbances = { supply: 0, ph: 0, cond: 0, demand: 0 };

const gaussian = normal;

/** x <- x - x/tau + sigma * sqrt(2/tau) * N(0,1): stationary std sigma, correlation time tau seconds. */
function ou(x: number, tau: number, sigma: number, rng: RngState): number {
  return x - x / tau + sigma * Math.sqrt(2 / tau) * gaussian(rng);
}

/** Advances the disturbances by one second (always four draws). */
export function stepDisturbances(d: Disturbances, rng: RngState): void {
  d.supply = ou(d.supply, 1800, 0.03, rng);
  d.ph = ou(d.ph, 3600, 0.05, rng);
  d.cond = ou(d.cond, 3600, 8, rng);
  d.demand = ou(d.demand, 600, 0.08, rng);
}

const TWO_PI = 2 * Math.PI;
const gauss = (h: number, at: number, width: number) => {
  // distance on the 24 h circle
  const dh = ((h - at + 36) % 24) - 12;
  return Math.exp(-0.5 * (dh / width) ** 2);
};

/** Consumer demand factor by hour of day: night 0.55, peaks near 07:30 and 19:30 (mean about 0.84). */
export function demandProfile(hour: number): number {
  return 0.55 + 0.95 * gauss(hour, 7.5, 1.1) + 0.35 * gauss(hour, 12.5, 1.6) + 0.8 * gauss(hour, 19.5, 1.5);
}

/** Demand at full network pressure (m3/h): about 1.0 on average, 1.8 at the morning peak. */
export const DEMAND_BASE = 1.2;

export function demand(d: Disturbances, hour: number, factor: number): number {
  return Math.max(0, DEMAND_BASE * demandProfile(hour) * (1 + d.demand) * factor);
}

/** Raw supply pressure factor of the inlet (1 = nominal), with a mild daily swing. */
export function supplyFactor(d: Disturbances, hour: number): number {
  return 1 + 0.04 * Math.sin((TWO_PI * (hour - 3)) / 24) + d.supply;
}

/** Raw water pH and conductivity (uS/cm): a daily swing plus slow wander. */
export function rawPh(d: Disturbances, hour: number): number {
  return 7.85 + 0.08 * Math.sin((TWO_PI * (hour - 10)) / 24) + d.ph;
}
export function rawConductivity(d: Disturbances, hour: number): number {
  return 320 + 12 * Math.sin((TWO_PI * (hour - 14)) / 24) + d.cond;
}
