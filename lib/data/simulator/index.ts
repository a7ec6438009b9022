// A small water treatment plant in the spirit of SWaT, simulated at a 1 s step with a PLC,
// noisy drifting instruments and labelled attacks. Pure TypeScript, seeded, deterministic.
// See docs/simulator.md for the process, the channels, the control logic and the scenarios.
//
//   const run = simulatePlant({ hours: 48, seed: 7, attacks: 'default' });
//   run.series          // Series: 18 channels, timestamps, labels (what readCsv gives for the CSV)
//   run.attacks         // [{ id, kind, description, startRow, endRow, channels, affects, stealthy }]
//   normalPeriod({ hours: 24, seed: 7 })   // attack-free Series for training
//   writePlantCsv('plant.csv', run)        // CSV + plant.csv.attacks.json
import type { Series } from '../series';
import { run } from './engine';
import type { ScenarioRecord, SimulationOptions, SimulationResult } from './types';

export type {
  ChannelInfo,
  Condition,
  DemandShiftSpec,
  MultiStageSpec,
  ScenarioKind,
  ScenarioRecord,
  ScenarioSpec,
  SetpointName,
  Setpoints,
  SimulationOptions,
  SimulationResult,
  Stage,
  TamperSpec,
  Trigger,
  WaterBalance,
} from './types';
/** A labelled attack of a run (the brief's name for ScenarioRecord). */
export type AttackRecord = ScenarioRecord;
export { CHANNELS, channelNames } from './channels';
export { DEFAULT_SETPOINTS } from './control';
export { defaultScenarios, DEFAULT_MIN_HOURS } from './scenarios';
export { writePlantCsv, sidecarPath, plantCsvOptions, type PlantSidecar } from './writer';

/** Simulates the plant for `opts.hours` with the chosen attacks. */
export function simulatePlant(opts: SimulationOptions): SimulationResult {
  return run(opts);
}

/** Attack-free operation (for training): `simulatePlant({ ...opts, attacks: 'none' }).series`. */
export function normalPeriod(opts: Omit<SimulationOptions, 'attacks' | 'attackFrom'>): Series {
  return run({ ...opts, attacks: 'none' }).series;
}
