// The process itself, at a 1 s explicit Euler step: three tanks from mass balance, pumps that
// spin up and valves that stroke, an acid-dosing mixing chamber seen by analysers through a
// sample line (delay) and their own lag, UF membrane fouling and backwash, and a
// hydro-pneumatic network buffer drained by consumers.
//
//   dV101/dt = Qin - Q12            Qin = 3.2 m3/h * MV101 position * supply factor
//   dV301/dt = Q12 - Q301           Q12 = 2.6 m3/h * (P101 + P102 speed)
//   dV401/dt = Q301 - Q401 - Qbw    Q301 = 2.4 m3/h * P301 speed / R^0.3, R = 1 + fouling
//   dp/dt    = Kp (Q401 - Qdem)     Q401 = 3.4 m3/h * (1 - (p/600 kPa)^2) * P401 speed
// Outflows are limited by what a tank holds (a pump on an empty tank gives no flow), and a
// tank spills over its 1200 mm rim: only an attack gets it there.
import { C } from './channels';
import type { Commands } from './control';
import { demand, rawConductivity, rawPh, supplyFactor, type Disturbances } from './demand';
import { uniform, type RngState } from './random';

// Local copies of imported bindings used every second (CommonJS loaders make them getters).
const { FIT101, LIT101, FIT201, AIT201, AIT202, LIT301, FIT301, DPIT301, LIT401, FIT401, PIT401 } = C;
const phRaw = rawPh, condRaw = rawConductivity, supply = supplyFactor, demandNow = demand;
import type { WaterBalance } from './types';

// Small tanks, so the level bands turn over within about an hour even at night: every phase of
// the PLC's cycles recurs within an attack's slot (an attack that needs a pump running finds one).
const AREA = { t101: 0.6, t301: 0.48, t401: 1.0 }; // m2
const RIM_MM = 1200;
const QIN_MAX = 3.2, Q12_NOM = 2.6, Q301_NOM = 2.4, QBW = 3.0, Q401_MAX = 3.4; // m3/h
const KP = 0.28; // kPa per (m3/h) per s: network buffer stiffness
const PUMP_RATE = 1 - Math.exp(-1 / 3); // pumps reach speed with a 3 s time constant
const VALVE_STROKE = { mv101: 10, mv301: 5 }; // s, closed to open
const V_MIX = 0.05; // m3, dosing mixing chamber
const DOSE = 1.0; // acid units per hour while P201 runs
const SAMPLE_DELAY = 15; // s, sample line to the analysers
const ANALYSER_TAU = 8; // s
const FOULING_PER_M3 = 0.55, FOULING_IRREVERSIBLE_PER_M3 = 0.0133, BACKWASH_TAU = 20;
const DP_REF = 30; // kPa at nominal flow on a clean membrane
const DP_TAU = 4; // s

const mm = (v: number, area: number) => (v / area) * 1000;
/** Pump suction: full flow above 20 mm of water, none on an empty tank. */
const suction = (level: number) => (level >= 20 ? 1 : level <= 0 ? 0 : level / 20);

export interface PhysicsState {
  v101: number;
  v301: number;
  v401: number;
  /** Network pressure, kPa. */
  pNet: number;
  pos101: number;
  pos301: number;
  s101: number;
  s102: number;
  s301: number;
  s401: number;
  /** Mixing chamber: the raw water's pH and conductivity it carries, and its acid. */
  mixPh: number;
  mixCond: number;
  acid: number;
  /** Sample line: [pH, conductivity] pairs, SAMPLE_DELAY long; `at` is the oldest. */
  line: Float64Array;
  lineAt: number;
  ph: number;
  cond: number;
  fouling: number;
  foulingIrr: number;
  dp: number;
}

/** The instantaneous flows and what the instruments would read now (true values). */
export interface Flows {
  qin: number;
  q12: number;
  q301: number;
  qbw: number;
  q401: number;
  qdem: number;
}

export function physicsStart(rng: RngState, d: Disturbances): PhysicsState {
  const fill = (area: number) => (area * (550 + 300 * uniform(rng))) / 1000;
  const ph = rawPh(d, 0) - 0.4, cond = rawConductivity(d, 0) + 20;
  const line = new Float64Array(2 * SAMPLE_DELAY);
  for (let i = 0; i < SAMPLE_DELAY; i++) line.set([ph, cond], 2 * i);
  const s: PhysicsState = {
    v101: fill(AREA.t101), v301: fill(AREA.t301), v401: fill(AREA.t401), pNet: 280 + 40 * uniform(rng),
    pos101: 0, pos301: 0, s101: 0, s102: 0, s301: 0, s401: 0,
    mixPh: ph + 0.4, mixCond: cond - 20, acid: 0.3, line, lineAt: 0, ph, cond,
    fouling: 0.3 * uniform(rng), foulingIrr: 0.02 * uniform(rng), dp: 0,
  };
  return s;
}

export const emptyFlows = (): Flows => ({ qin: 0, q12: 0, q301: 0, qbw: 0, q401: 0, qdem: 0 });

/** Flows at this instant from the state (pump speeds, valve positions, levels, pressure). */
export function computeFlows(s: PhysicsState, d: Disturbances, hour: number, demandFactor: number, f: Flows): void {
  const h101 = mm(s.v101, AREA.t101), h301 = mm(s.v301, AREA.t301), h401 = mm(s.v401, AREA.t401);
  f.qin = QIN_MAX * s.pos101 * supply(d, hour);
  f.q12 = Math.min(Q12_NOM * (s.s101 + s.s102) * suction(h101), s.v101 * 3600 + f.qin);
  const r = 1 + s.foulingIrr + s.fouling;
  f.q301 = Math.min((Q301_NOM * s.s301 * suction(h301)) / Math.pow(r, 0.3), s.v301 * 3600 + f.q12);
  const head = Math.max(0, 1 - (s.pNet / 600) ** 2);
  const avail401 = s.v401 * 3600 + f.q301;
  f.qbw = Math.min(QBW * s.pos301 * suction(h401), avail401);
  f.q401 = Math.min(Q401_MAX * head * s.s401 * suction(h401), avail401 - f.qbw);
  // Consumers draw with the square root of pressure, and never more than the buffer holds.
  f.qdem = Math.min(demandNow(d, hour, demandFactor) * Math.sqrt(Math.max(s.pNet, 0) / 300), f.q401 + s.pNet / KP);
}

/** True values of the sensor channels (actuator slots are left to the caller). */
export function trueReadings(s: PhysicsState, f: Flows, out: Float64Array): void {
  out[FIT101] = f.qin;
  out[LIT101] = mm(s.v101, AREA.t101);
  out[FIT201] = f.q12;
  out[AIT201] = s.cond;
  out[AIT202] = s.ph;
  out[LIT301] = mm(s.v301, AREA.t301);
  out[FIT301] = f.q301;
  out[DPIT301] = s.dp;
  out[LIT401] = mm(s.v401, AREA.t401);
  out[FIT401] = f.q401;
  out[PIT401] = s.pNet;
}

const toward = (x: number, target: number, step: number) => (target > x ? Math.min(target, x + step) : Math.max(target, x - step));

/** Tank volume with spill over the rim counted in `bal`. */
function spill(v: number, area: number, bal: WaterBalance): number {
  const max = (area * RIM_MM) / 1000;
  if (v > max) {
    bal.spilled += v - max;
    return max;
  }
  return v < 0 ? 0 : v;
}

/** Advances the process by 1 s with the actuators as they really are (`a`). */
export function integrate(s: PhysicsState, f: Flows, a: Commands, d: Disturbances, hour: number, bal: WaterBalance): void {
  const dt = 1 / 3600; // h per step: flows are m3/h
  s.v101 = spill(s.v101 + (f.qin - f.q12) * dt, AREA.t101, bal);
  s.v301 = spill(s.v301 + (f.q12 - f.q301) * dt, AREA.t301, bal);
  s.v401 = spill(s.v401 + (f.q301 - f.q401 - f.qbw) * dt, AREA.t401, bal);
  s.pNet = Math.max(0, s.pNet + KP * (f.q401 - f.qdem));
  bal.inflow += f.qin * dt;
  bal.delivered += f.qdem * dt;
  bal.backwash += f.qbw * dt;

  s.pos101 = toward(s.pos101, a.mv101, 1 / VALVE_STROKE.mv101);
  s.pos301 = toward(s.pos301, a.mv301, 1 / VALVE_STROKE.mv301);
  s.s101 += (a.p101 - s.s101) * PUMP_RATE;
  s.s102 += (a.p102 - s.s102) * PUMP_RATE;
  s.s301 += (a.p301 - s.s301) * PUMP_RATE;
  s.s401 += (a.p401 - s.s401) * PUMP_RATE;

  // Mixing chamber (a stirred tank refreshed by the transfer flow), then the sample line.
  const refresh = Math.min(1, (f.q12 * dt) / V_MIX);
  s.mixPh += refresh * (phRaw(d, hour) - s.mixPh);
  s.mixCond += refresh * (condRaw(d, hour) - s.mixCond);
  s.acid = Math.min(5, s.acid + (DOSE * a.p201 * dt) / V_MIX - refresh * s.acid);
  const at = 2 * s.lineAt;
  const phOut = s.line[at], condOut = s.line[at + 1];
  s.line[at] = s.mixPh - (2.0 * s.acid) / (s.acid + 0.6);
  s.line[at + 1] = s.mixCond + 60 * s.acid;
  s.lineAt = (s.lineAt + 1) % SAMPLE_DELAY;
  s.ph += (phOut - s.ph) / ANALYSER_TAU;
  s.cond += (condOut - s.cond) / ANALYSER_TAU;

  // Membrane: fouling grows with filtered volume; a backwash washes the reversible part off.
  s.fouling += FOULING_PER_M3 * f.q301 * dt;
  if (f.qbw > 0.01) {
    s.fouling *= 1 - (f.qbw / QBW) / BACKWASH_TAU;
    s.foulingIrr += FOULING_IRREVERSIBLE_PER_M3 * f.qbw * dt;
  }
  const r = 1 + s.foulingIrr + s.fouling;
  const dpEq = f.q301 > 0.01 ? DP_REF * r * (f.q301 / Q301_NOM) : f.qbw > 0.01 ? -12 * (1 + s.fouling) * (f.qbw / QBW) : 0;
  s.dp += (dpEq - s.dp) / DP_TAU;
}

/** Water held in the tanks and the network buffer (m3). */
export function stored(s: PhysicsState): number {
  return s.v101 + s.v301 + s.v401 + s.pNet / (KP * 3600);
}
