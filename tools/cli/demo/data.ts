// The demo's data: one continuous run of the simulated plant (one seed, one plant): a normal
// period, then the attacked period with the default scenarios. The normal period splits in
// time order into a training head and a validation tail; the scaler is fitted on the head only.
// The test part is the attacked period plus the window - 1 normal rows before it, so the first
// attacked row already has a full window behind it.
import { Scaler } from '../../../lib/data/scaler';
import { sliceRows, type Series } from '../../../lib/data/series';
import { simulatePlant, type AttackRecord, type ChannelInfo, type SimulationResult } from '../../../lib/data/simulator';
import type { DemoSizes } from './config';

export interface DemoData {
  sim: SimulationResult;
  channels: ChannelInfo[];
  /** Scaled training head and validation tail of the normal period. */
  train: Series;
  validation: Series;
  /** Scaled rows [attackedFrom - context, end): the attacked period with its lead-in context. */
  test: Series;
  /** Rows of test before the attacked period (window - 1 of the longest window). */
  context: number;
  /** The attacked period in plant units (the report plots it), with its labels and timestamps. */
  attacked: Series;
  /** Attacks and benign changes with rows relative to the attacked period. */
  attacks: AttackRecord[];
  benign: AttackRecord[];
  scaler: Scaler;
}

/** `contextOf(channels)`: the rows before the attacked period that the first window needs. */
export function demoData(sizes: DemoSizes, seed: number, contextOf: (channels: number) => number): DemoData {
  const sim = simulatePlant({
    hours: sizes.hoursNormal + sizes.hoursAttack, attackFrom: sizes.hoursNormal, seed, attacks: 'default', sampleSeconds: sizes.sampleSeconds,
  });
  const s = sim.series;
  const context = contextOf(s.columns.length);
  const from = sim.attackedFrom;
  const valRows = Math.round(from * sizes.validation);
  const head = sliceRows(s, 0, from - valRows);
  const scaler = new Scaler('standard').fit(head);
  const shift = (a: AttackRecord): AttackRecord => ({ ...a, startRow: a.startRow - from, endRow: a.endRow - from });
  return {
    sim,
    channels: sim.channels,
    train: scaler.transform(head),
    validation: scaler.transform(sliceRows(s, from - valRows, from)),
    test: scaler.transform(sliceRows(s, from - context, s.rows)),
    context,
    attacked: sliceRows(s, from, s.rows),
    attacks: sim.attacks.map(shift),
    benign: sim.benign.map(shift),
    scaler,
  };
}
