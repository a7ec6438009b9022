// The plant's columns: tag, unit, normal range, instrument span and how each instrument errs
// (white noise, a fixed calibration offset, a slow random-walk drift). Column order is the CSV's.
import type { ChannelInfo } from './types';

/** How an instrument's reading departs from the truth. */
export interface InstrumentModel {
  /** Std of the white noise per reading (unit of the channel). */
  noise: number;
  /** Std of the calibration offset drawn once per run. */
  offset: number;
  /** Std of the drift's step per second (a random walk: after a day, about step * 294). */
  drift: number;
  /** Flow meters: readings under this are shown as 0 (low-flow cut-off). */
  cutoff?: number;
}

export interface ChannelDef extends ChannelInfo {
  instrument?: InstrumentModel;
}

const sensor = (name: string, unit: string, stage: ChannelInfo['stage'], normalRange: [number, number], span: [number, number], decimals: number, instrument: InstrumentModel, description: string): ChannelDef =>
  ({ name, unit, kind: 'sensor', stage, normalRange, span, decimals, description, instrument });
const actuator = (name: string, stage: ChannelInfo['stage'], description: string): ChannelDef =>
  ({ name, unit: '0/1', kind: 'actuator', stage, normalRange: [0, 1], span: [0, 1], decimals: 0, description });

const level = { noise: 0.8, offset: 2, drift: 0.015 };
const flow = { noise: 0.008, offset: 0.01, drift: 0.00003, cutoff: 0.02 };

export const CHANNEL_DEFS: readonly ChannelDef[] = [
  sensor('FIT101', 'm3/h', 'P1', [0, 3.7], [0, 5], 3, flow, 'raw water inflow into tank T101 (through MV101)'),
  sensor('LIT101', 'mm', 'P1', [240, 960], [0, 1300], 1, level, 'level of raw water tank T101 (0.6 m2, rim at 1200 mm)'),
  actuator('MV101', 'P1', 'inlet valve of T101 (status: 1 open)'),
  actuator('P101', 'P1', 'transfer pump T101 -> dosing -> T301 (duty)'),
  { ...actuator('P102', 'P1', 'standby transfer pump, started when P101 gives no flow'), normalRange: [0, 0] },
  sensor('FIT201', 'm3/h', 'P2', [0, 3.0], [0, 5], 3, flow, 'flow through the dosing line (the transfer pumps\' flow)'),
  sensor('AIT201', 'uS/cm', 'P2', [270, 400], [0, 2000], 1, { noise: 0.4, offset: 1.5, drift: 0.01 }, 'conductivity after acid dosing'),
  sensor('AIT202', 'pH', 'P2', [6.95, 8.2], [0, 14], 3, { noise: 0.006, offset: 0.01, drift: 0.00008 }, 'pH after acid dosing (controlled by P201)'),
  actuator('P201', 'P2', 'acid dosing pump'),
  sensor('LIT301', 'mm', 'P3', [240, 960], [0, 1300], 1, level, 'level of UF feed tank T301 (0.48 m2, rim at 1200 mm)'),
  sensor('FIT301', 'm3/h', 'P3', [0, 2.6], [0, 5], 3, flow, 'permeate flow of the ultrafiltration unit'),
  sensor('DPIT301', 'kPa', 'P3', [-20, 52], [-50, 100], 2, { noise: 0.15, offset: 0.3, drift: 0.002 }, 'differential pressure across the UF membrane (negative while backwashing)'),
  actuator('P301', 'P3', 'UF feed pump T301 -> UF -> T401'),
  actuator('MV301', 'P3', 'backwash valve of the UF unit (status: 1 open)'),
  sensor('LIT401', 'mm', 'P4', [240, 960], [0, 1300], 1, level, 'level of treated water tank T401 (1.0 m2, rim at 1200 mm)'),
  sensor('FIT401', 'm3/h', 'P4', [0, 3.5], [0, 6], 3, flow, 'flow of distribution pump P401'),
  sensor('PIT401', 'kPa', 'P4', [230, 370], [0, 600], 1, { noise: 0.6, offset: 1, drift: 0.004 }, 'distribution network pressure (hydro-pneumatic buffer)'),
  actuator('P401', 'P4', 'distribution (booster) pump T401 -> network'),
];

/** Public metadata (no instrument internals). */
export const CHANNELS: readonly ChannelInfo[] = CHANNEL_DEFS.map(({ instrument: _i, ...info }) => info);

export function channelNames(): string[] {
  return CHANNEL_DEFS.map((c) => c.name);
}

/** Column index of each tag, fixed at compile time for the hot loop (checked against the table below). */
export const C = {
  FIT101: 0, LIT101: 1, MV101: 2, P101: 3, P102: 4,
  FIT201: 5, AIT201: 6, AIT202: 7, P201: 8,
  LIT301: 9, FIT301: 10, DPIT301: 11, P301: 12, MV301: 13,
  LIT401: 14, FIT401: 15, PIT401: 16, P401: 17,
} as const;
for (const [name, k] of Object.entries(C)) if (CHANNEL_DEFS[k].name !== name) throw new Error(`simulator: channel table out of order at ${name}`);

export const NCH = CHANNEL_DEFS.length;

export function channelIndex(name: string, what: string): number {
  const k = CHANNEL_DEFS.findIndex((c) => c.name === name);
  if (k < 0) throw new Error(`simulator: ${what}: no channel "${name}" (channels: ${channelNames().join(', ')})`);
  return k;
}
