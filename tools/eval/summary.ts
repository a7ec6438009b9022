// Mean ± std over the seeds of each (dataset, kind): the figures docs/results.md shows.
import type { CellResult, Figures } from './results';

/** Mean and population std (the std docs/results.md has always used); null when no seed has the figure. */
export interface Spread {
  mean: number;
  std: number;
  n: number;
}

export type Scorer = 'model' | 'pca' | 'random';

export interface KindSummary {
  dataset: string;
  kind: string;
  seeds: number[];
  figures: Record<Scorer, Partial<Record<keyof Figures, Spread | null>>>;
  anomalous: number | null;
  tsbWindow: number | null;
  wallSeconds: Spread;
}

export function spread(values: number[]): Spread | null {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return null;
  const mean = v.reduce((a, x) => a + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length);
  return { mean, std, n: v.length };
}

const METRICS: (keyof Figures)[] = ['vusPr', 'vusPrTsb', 'aucPr', 'aucRoc', 'f1', 'flagged'];
const SCORERS: Scorer[] = ['model', 'pca', 'random'];

/** One summary per (dataset, kind) with done cells, in the order the cells first appear. */
export function summarize(cells: CellResult[]): KindSummary[] {
  const groups = new Map<string, CellResult[]>();
  for (const c of cells) {
    if (c.status !== 'done' || !c.scorers) continue;
    const key = `${c.dataset}/${c.kind}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((g) => {
    const figures = Object.fromEntries(SCORERS.map((s) => [s, Object.fromEntries(METRICS.map((m) => {
      const vals = g.map((c) => c.scorers![s]?.[m]).filter((x): x is number => typeof x === 'number');
      return [m, spread(vals)];
    }))])) as KindSummary['figures'];
    const windows = [...new Set(g.map((c) => c.tsbWindow).filter((w): w is number => w !== undefined))];
    return {
      dataset: g[0].dataset, kind: g[0].kind, seeds: g.map((c) => c.seed).sort((a, b) => a - b), figures,
      anomalous: spread(g.map((c) => c.anomalous ?? NaN))?.mean ?? null,
      tsbWindow: windows.length === 1 ? windows[0] : null,
      wallSeconds: spread(g.map((c) => c.wallSeconds))!,
    };
  });
}
