// Small plant-like series for the matrix-series model tests (STAEAD, Sa-DVCRAE): the synthetic
// plant of lib/data/synthetic.ts under named channels, with or without labelled faults.
import type { Series } from '../../lib/data/series';
import { syntheticSeries } from '../../lib/data/synthetic';

/** `n` rows of `columns`, from plant `plantSeed` and noise `seed`, starting at row `start`. */
export function plantSeries(columns: string[], n: number, opts: { plantSeed: number; seed: number; faults?: boolean; start?: number }): Series {
  const s = syntheticSeries(n, columns.length, { plantSeed: opts.plantSeed, noiseSeed: opts.seed, faults: opts.faults ?? false, start: opts.start ?? 0 });
  return { columns: [...columns], data: s.data, rows: n, labels: s.labels, source: 'synthetic' };
}
