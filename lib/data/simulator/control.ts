// The PLC: level-band hysteresis on every tank, a pH band for acid dosing, a booster pump on
// network pressure, the UF backwash sequence, dry-run interlocks and a standby transfer pump.
// It sees only the REPORTED readings: a spoofed sensor steers the real process.
import { C } from './channels';
import type { Setpoints } from './types';

export const DEFAULT_SETPOINTS: Readonly<Setpoints> = {
  'LIT101.L': 500, // MV101 opens below
  'LIT101.H': 900, // MV101 closes above
  'LIT101.LL': 250, // transfer pumps stop below (dry-run protection), restart 50 mm above
  'LIT301.L': 500, // transfer starts below
  'LIT301.H': 900, // transfer stops above
  'LIT301.LL': 250, // P301 stops below
  'AIT202.L': 7.3, // P201 stops below
  'AIT202.H': 7.5, // P201 starts above
  'LIT401.L': 500, // P301 starts below
  'LIT401.H': 900, // P301 stops above
  'LIT401.LL': 250, // P401 stops below
  'PIT401.L': 260, // P401 starts below (kPa)
  'PIT401.H': 340, // P401 stops above
  'DPIT301.H': 55, // backwash at once above (kPa)
  'UF.backwashInterval': 1800, // backwash after this many seconds of filtration
};

// Local copies of the column indices (imported bindings are getters under CommonJS loaders).
const { LIT101, LIT301, LIT401, FIT201, AIT202, DPIT301, PIT401 } = C;

/** Seconds a backwash lasts. */
export const BACKWASH_SECONDS = 90;
/** Flow (m3/h) under which a running transfer pump counts as giving none; and the dosing interlock. */
const MIN_FLOW = 0.5;
/** Seconds of no flow before the standby pump takes over, and before P101 is tried again. */
const FAULT_AFTER = 30;
const RETRY_AFTER = 600;
/** Re-arm margin of the low-low interlocks (mm). */
const LL_MARGIN = 50;

export interface PlcState {
  mv101: number;
  transfer: boolean;
  lock101: boolean;
  lowFlow: number;
  /** Seconds P101 stays marked failed (P102 runs instead). */
  fault101: number;
  p201: number;
  uf: boolean;
  lock301: boolean;
  /** Seconds of backwash left (0: filtering or idle). */
  backwash: number;
  filtration: number;
  p401: number;
  lock401: boolean;
}

/** PLC outputs, 0/1, in this order: MV101 P101 P102 P201 P301 MV301 P401. */
export interface Commands {
  mv101: number;
  p101: number;
  p102: number;
  p201: number;
  p301: number;
  mv301: number;
  p401: number;
}

export function plcStart(y: ArrayLike<number>, sp: Setpoints): PlcState {
  const mid = (lo: number, hi: number, v: number) => v < (lo + hi) / 2;
  return {
    mv101: mid(sp['LIT101.L'], sp['LIT101.H'], y[LIT101]) ? 1 : 0,
    transfer: mid(sp['LIT301.L'], sp['LIT301.H'], y[LIT301]),
    lock101: false,
    lowFlow: 0,
    fault101: 0,
    p201: 0,
    uf: mid(sp['LIT401.L'], sp['LIT401.H'], y[LIT401]),
    lock301: false,
    backwash: 0,
    filtration: 0,
    p401: 1,
    lock401: false,
  };
}

/** Hysteresis: on below `lo`, off above `hi`, else hold. */
const band = (on: boolean, v: number, lo: number, hi: number) => (v < lo ? true : v > hi ? false : on);
/** Inverse hysteresis: on above `hi`, off below `lo`, else hold. */
const above = (on: boolean, v: number, lo: number, hi: number) => (v > hi ? true : v < lo ? false : on);
/** A low-low interlock: trips below ll, re-arms above ll + margin. */
const lowLow = (locked: boolean, v: number, ll: number) => (v < ll ? true : v > ll + LL_MARGIN ? false : locked);

/** One PLC scan (1 s) on the reported readings `y`; updates `s` and writes the outputs to `out`. */
export function plcScan(s: PlcState, y: ArrayLike<number>, sp: Setpoints, out: Commands): void {
  // P1: inlet valve on the raw tank's band.
  s.mv101 = band(s.mv101 === 1, y[LIT101], sp['LIT101.L'], sp['LIT101.H']) ? 1 : 0;

  // P1 -> P2: transfer on the UF feed tank's band, unless the raw tank is nearly empty. P101 is
  // the duty pump; if it runs without flow for FAULT_AFTER s, P102 takes over for RETRY_AFTER s.
  s.transfer = band(s.transfer, y[LIT301], sp['LIT301.L'], sp['LIT301.H']);
  s.lock101 = lowLow(s.lock101, y[LIT101], sp['LIT101.LL']);
  const run = s.transfer && !s.lock101;
  if (s.fault101 > 0) s.fault101--;
  const duty101 = run && s.fault101 === 0;
  s.lowFlow = duty101 && y[FIT201] < MIN_FLOW ? s.lowFlow + 1 : 0;
  if (s.lowFlow >= FAULT_AFTER) {
    s.fault101 = RETRY_AFTER;
    s.lowFlow = 0;
  }
  out.mv101 = s.mv101;
  out.p101 = duty101 && s.fault101 === 0 ? 1 : 0;
  out.p102 = run && s.fault101 > 0 ? 1 : 0;

  // P2: acid dosing on the pH band, only with flow in the line.
  const flowing = y[FIT201] >= MIN_FLOW;
  s.p201 = flowing && above(s.p201 === 1, y[AIT202], sp['AIT202.L'], sp['AIT202.H']) ? 1 : 0;
  out.p201 = s.p201;

  // P3: UF feed on the treated tank's band, unless the feed tank is nearly empty; backwash after
  // the filtration interval or on a high membrane pressure.
  s.uf = band(s.uf, y[LIT401], sp['LIT401.L'], sp['LIT401.H']);
  s.lock301 = lowLow(s.lock301, y[LIT301], sp['LIT301.LL']);
  if (s.backwash > 0) {
    s.backwash--;
    if (s.backwash === 0) s.filtration = 0;
  } else if (s.uf && !s.lock301) {
    s.filtration++;
    if ((s.filtration >= sp['UF.backwashInterval'] || y[DPIT301] > sp['DPIT301.H']) && y[LIT401] > sp['LIT401.LL'] + 100) s.backwash = BACKWASH_SECONDS;
  }
  out.p301 = s.backwash === 0 && s.uf && !s.lock301 ? 1 : 0;
  out.mv301 = s.backwash > 0 ? 1 : 0;

  // P4: booster pump on the network pressure band, unless the treated tank is nearly empty.
  s.p401 = band(s.p401 === 1, y[PIT401], sp['PIT401.L'], sp['PIT401.H']) ? 1 : 0;
  s.lock401 = lowLow(s.lock401, y[LIT401], sp['LIT401.LL']);
  out.p401 = s.p401 === 1 && !s.lock401 ? 1 : 0;
}
