// Assembles a run's SimulationResult: the Series (as the CSV reader would return it), labels,
// truth, and a record per scenario with the channels it changed (against its twin run).
import type { Series } from '../series';
import { NCH } from './channels';
import type { Compiled } from './scenarios';

/** Version of the data a seed produces: bumped when the plant, its instruments or the default set change. */
export const FORMAT_VERSION = 2;
import type { ChannelInfo, ScenarioRecord, SimulationResult, WaterBalance } from './types';

export interface RawRun {
  rows: number;
  sample: number;
  startTime: number;
  seed: number;
  hours: number;
  attackFrom: number;
  sink: { data: Float32Array; truth: Float32Array; labels: Uint8Array; channelLabels: Uint8Array };
  scenarios: Compiled[];
  /** Each scenario's span as its twin (the plant without it) reported it; `first` is its first row. */
  twins: { c: Compiled; data: Float32Array; first: number }[];
  balance: WaterBalance;
  channels: readonly ChannelInfo[];
}

/** Column indices where rows [first, first + twin rows) of `data` differ from `twin`. */
function differing(data: Float32Array, twin: Float32Array, first: number): Set<number> {
  const out = new Set<number>();
  const base = first * NCH;
  for (let i = 0; i < twin.length; i++) if (data[base + i] !== twin[i]) out.add(i % NCH);
  return out;
}

export function buildResult(r: RawRun): SimulationResult {
  const names = r.channels.map((c) => c.name);
  const timestamps = new Float64Array(r.rows);
  for (let i = 0; i < r.rows; i++) timestamps[i] = r.startTime + i * r.sample * 1000;
  const series: Series = {
    columns: names,
    data: r.sink.data,
    rows: r.rows,
    timestamps,
    labels: r.sink.labels,
    source: `vigil-sim (seed ${r.seed}, ${r.hours} h)`,
  };
  const records: ScenarioRecord[] = r.twins.map(({ c, data, first }) => {
    const changed = differing(r.sink.data, data, first);
    const points = new Set(c.points);
    return {
      id: c.id,
      kind: c.spec.kind,
      description: c.description,
      startRow: Math.ceil(c.start / r.sample),
      endRow: Math.ceil(c.end / r.sample),
      channels: c.points.map((k) => names[k]),
      affects: [...changed].filter((k) => !points.has(k)).sort((a, b) => a - b).map((k) => names[k]),
      effective: c.points.some((k) => changed.has(k)) || (c.benign && changed.size > 0),
      stealthy: c.stealthy,
      benign: c.benign,
      spec: c.spec,
      waited: c.waited,
    };
  });
  const attacks = records.filter((a) => !a.benign);
  return {
    series,
    labels: r.sink.labels,
    channelLabels: r.sink.channelLabels,
    truth: r.sink.truth,
    channels: r.channels.map((c) => ({ ...c, normalRange: [...c.normalRange], span: [...c.span] }) as ChannelInfo),
    attacks,
    benign: records.filter((a) => a.benign),
    attackedFrom: Math.ceil((r.attackFrom * 3600) / r.sample),
    stealthiest: attacks.find((a) => a.stealthy)?.id,
    balance: r.balance,
    meta: { hours: r.hours, seed: r.seed, startTime: r.startTime, sampleSeconds: r.sample, attackFrom: r.attackFrom, version: FORMAT_VERSION },
  };
}
