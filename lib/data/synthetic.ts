// A built-in multichannel series for the demo and for tests: a few latent oscillators mixed
// into correlated channels with noise, and labelled faults injected into a copy. Seeded and
// deterministic. (The plant simulator of lib/data/simulator will replace it as the default.)
import { Generator } from '../random';

export interface SyntheticSeries {
  /** [rows][channels], row-major. */
  data: Float32Array;
  rows: number;
  channels: number;
  /** 1 where a fault is active. */
  labels: Uint8Array;
  faults: { kind: string; start: number; length: number; channel: number }[];
}

const PERIODS = [61, 97, 143, 211];

function randoms(gen: Generator, n: number): Float64Array {
  const t = gen.normal([n], 0, 1, { dtype: 'float64' });
  const a = t.toArray() as Float64Array;
  t.dispose();
  return a;
}

export interface SyntheticOptions {
  /** Fixes how channels mix the oscillators: the same plant in train and test. */
  plantSeed: number;
  /** Fixes the measurement noise: use another one for each period. */
  noiseSeed: number;
  /** Time of the first row (test data continues the training period). */
  start?: number;
  /** Inject the three faults. */
  faults?: boolean;
}

/** `rows` steps of `channels` channels. */
export function syntheticSeries(rows: number, channels: number, opts: SyntheticOptions): SyntheticSeries {
  const { start = 0, faults = false } = opts;
  const mix = randoms(new Generator(opts.plantSeed), channels * PERIODS.length);
  const noise = randoms(new Generator(opts.noiseSeed), rows * channels);
  const data = new Float32Array(rows * channels);
  for (let r = 0; r < rows; r++) {
    const t = start + r;
    for (let c = 0; c < channels; c++) {
      let v = 0;
      for (let k = 0; k < PERIODS.length; k++) v += mix[c * PERIODS.length + k] * Math.sin((2 * Math.PI * t) / PERIODS[k] + k);
      data[r * channels + c] = v + 0.05 * noise[r * channels + c];
    }
  }
  const labels = new Uint8Array(rows);
  const injected: SyntheticSeries['faults'] = [];
  if (faults) {
    const at = (f: number) => Math.floor(rows * f);
    const plan = [
      { kind: 'offset', start: at(0.2), length: 40, channel: 1 % channels },
      { kind: 'frozen sensor', start: at(0.45), length: 120, channel: 3 % channels },
      { kind: 'decoupled channel', start: at(0.7), length: 90, channel: 0 },
    ];
    for (const f of plan) {
      const held = data[f.start * channels + f.channel];
      for (let r = f.start; r < Math.min(rows, f.start + f.length); r++) {
        const i = r * channels + f.channel;
        if (f.kind === 'offset') data[i] += 1.5;
        else if (f.kind === 'frozen sensor') data[i] = held;
        else data[i] = data[((r + 37) % rows) * channels + f.channel];
        labels[r] = 1;
      }
      injected.push(f);
    }
  }
  return { data, rows, channels, labels, faults: injected };
}
