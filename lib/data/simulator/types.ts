// The simulator's public types: what a run is asked for (SimulationOptions, ScenarioSpec) and
// what it returns (SimulationResult, ChannelInfo, ScenarioRecord). Times in a spec are seconds
// of simulated time from the first row; times in a record are output rows.
import type { Series } from '../series';

export type Stage = 'P1' | 'P2' | 'P3' | 'P4';

/** One column of the plant's data. */
export interface ChannelInfo {
  /** Tag name as in SWaT: FIT101, LIT101, MV101, P101, ... */
  name: string;
  /** Engineering unit: 'mm', 'm3/h', 'uS/cm', 'pH', 'kPa'; '0/1' for actuators (1 = on/open). */
  unit: string;
  kind: 'sensor' | 'actuator';
  stage: Stage;
  /** Where the value stays in normal operation (outside it is suspicious, not impossible). */
  normalRange: [number, number];
  /** The instrument's span: a reading (spoofed ones included) is clamped into it. */
  span: [number, number];
  /** Decimals the value is quantised to (the CSV writes at most this many). */
  decimals: number;
  description: string;
}

/** PLC parameters an attacker can rewrite (set-point tampering). Levels in mm, pH, kPa, s. */
export type SetpointName =
  | 'LIT101.L' | 'LIT101.H' | 'LIT101.LL'
  | 'LIT301.L' | 'LIT301.H' | 'LIT301.LL'
  | 'AIT202.L' | 'AIT202.H'
  | 'LIT401.L' | 'LIT401.H' | 'LIT401.LL'
  | 'PIT401.L' | 'PIT401.H'
  | 'DPIT301.H' | 'UF.backwashInterval';

export type Setpoints = Record<SetpointName, number>;

interface SpecBase {
  /** Name used in records and reports (default: the kind and its position, e.g. 'a3-force-actuator'). */
  id?: string;
  /** Seconds from the first row at which it begins. */
  start: number;
  /** Seconds it lasts. */
  duration: number;
  /** Text for reports (a default one is written from the spec). */
  description?: string;
  /** Marked as the hardest to see (reports treat it apart). */
  stealthy?: boolean;
  /**
   * The attacker waits for the right moment: from `start`, the scenario begins at the first
   * second at which the previous second's reported `channel` satisfies the test (equals, above
   * and/or below), and so do the conditions in `and`, or after `maxWait` seconds (default 3600)
   * at the latest. The whole scenario (stages included) shifts by the wait; records give the
   * realised rows.
   */
  when?: Trigger;
}

/** A test on one reported channel: every bound given must hold. */
export interface Condition {
  channel: string;
  equals?: number;
  above?: number;
  below?: number;
}

export interface Trigger extends Condition {
  /** Further conditions that must hold on the same row (e.g. a pump running AND a tank low). */
  and?: Condition[];
  maxWait?: number;
}

/** One way of tampering, active over [start, start + duration). */
export type TamperSpec =
  /** The sensor reports `value` (the PLC sees it too). */
  | (SpecBase & { kind: 'spoof-constant'; channel: string; value: number })
  /** The sensor reports what it reported `lag` seconds earlier (a recorded stretch played back). */
  | (SpecBase & { kind: 'spoof-replay'; channel: string; lag: number })
  /** The sensor reports its reading plus an offset growing linearly from 0 to `delta` at the end. */
  | (SpecBase & { kind: 'spoof-ramp'; channel: string; delta: number })
  /** The actuator is held at `value` (0 off/closed, 1 on/open) whatever the PLC commands. */
  | (SpecBase & { kind: 'force-actuator'; channel: string; value: 0 | 1 })
  /** PLC parameters rewritten for the duration. */
  | (SpecBase & { kind: 'setpoint'; setpoints: Partial<Setpoints> });

/** Several tamperings as one attack (their own start/duration, absolute); labelled from the first start to the last end. */
export type MultiStageSpec = SpecBase & { kind: 'multi-stage'; stages: TamperSpec[] };

/** A benign process change (NOT an anomaly, never labelled): consumer demand times `factor`. */
export type DemandShiftSpec = SpecBase & { kind: 'demand-shift'; factor: number };

export type ScenarioSpec = TamperSpec | MultiStageSpec | DemandShiftSpec;
export type ScenarioKind = ScenarioSpec['kind'];

/** A scenario as it happened in a run (attacks and benign changes share this shape). */
export interface ScenarioRecord {
  id: string;
  kind: ScenarioKind;
  description: string;
  /** First row, and one past the last row, of the scenario (rows of the output). */
  startRow: number;
  endRow: number;
  /**
   * Attack points: the channels the attacker directly tampers with (a spoofed sensor, a forced
   * actuator; for set-point tampering the actuator of the rewritten loop). These are the
   * per-channel labels. Empty for a benign change.
   */
  channels: string[];
  /**
   * Channels whose values in the data differ, somewhere in [startRow, endRow), from what the
   * same plant would have reported without this scenario (measured by running a copy of the
   * plant from the scenario's start without it), other than `channels`: the physical and control
   * reaction (e.g. a spoofed low level keeps the inlet valve open, so FIT101 and MV101 change).
   */
  affects: string[];
  /**
   * The scenario changed the data at all: an attack point (or, for a benign change, any channel)
   * differs from the twin run somewhere in the span. A forced actuator that the PLC would have
   * set the same way anyway is not effective.
   */
  effective: boolean;
  /** Hardest to see; at most one in the default set. */
  stealthy: boolean;
  /** False for an attack, true for a benign process change (whose rows keep label 0). */
  benign: boolean;
  /** The spec it came from (times in seconds, before any wait for `when`). */
  spec: ScenarioSpec;
  /** Seconds waited for the spec's `when` condition (0 without one). */
  waited: number;
}

export interface SimulationOptions {
  /** Simulated hours (rows = hours * 3600 / sampleSeconds). */
  hours: number;
  /** Seed of every random draw (disturbances, noise, drift, initial state). Default 7. */
  seed?: number;
  /**
   * 'none': normal operation; 'default': the built-in set (defaultScenarios: 7 attacks and one
   * benign demand shift spread over [attackFrom, hours)); or your own scenarios (must not overlap).
   */
  attacks?: 'default' | 'none' | ScenarioSpec[];
  /** Hours of attack-free operation before the default set begins (a normal lead-in). Default 0. */
  attackFrom?: number;
  /** Time of the first row, ms since the epoch (UTC). Default 2024-01-01 00:00:00 UTC. */
  startTime?: number;
  /** Seconds between output rows (the physics always steps 1 s; rows are samples). Default 1. */
  sampleSeconds?: number;
  /** Called now and then with the fraction done (0..1), for progress bars. */
  onProgress?: (fraction: number) => void;
}

/** Water volumes over the run (m3): the mass balance, closing to rounding. */
export interface WaterBalance {
  inflow: number;
  /** Pumped to consumers by P401. */
  delivered: number;
  /** Drained by UF backwashes. */
  backwash: number;
  /** Lost over tank rims (only an attack does that). */
  spilled: number;
  /** Water in the three tanks (and the distribution buffer) at the first and after the last row. */
  storedStart: number;
  storedEnd: number;
}

export interface SimulationResult {
  /**
   * The data as the CSV reader returns it for the written file (read with timestamp
   * 'timestamp' and label 'attack'): columns = channel names, values quantised to each
   * channel's decimals, timestamps in ms, labels = the per-row attack label.
   */
  series: Series;
  /** 1 where an attack is active (the same array as series.labels). */
  labels: Uint8Array;
  /** Per row and channel, row-major [rows, channels]: 1 where the channel is an attack point of an active attack. */
  channelLabels: Uint8Array;
  /** What the instruments would read without noise, drift or tampering, and the real actuator states; [rows, channels]. */
  truth: Float32Array;
  channels: ChannelInfo[];
  /** Labelled attacks, in time order. */
  attacks: ScenarioRecord[];
  /** Benign process changes (demand shifts): unlabelled. */
  benign: ScenarioRecord[];
  /** First row of the attacked part (attackFrom), 0 without a lead-in. */
  attackedFrom: number;
  /** The attack with stealthy: true, if any. */
  stealthiest?: string;
  balance: WaterBalance;
  /** Echo of the options that shaped the data (written to the sidecar). */
  meta: { hours: number; seed: number; startTime: number; sampleSeconds: number; attackFrom: number; version: number };
}
