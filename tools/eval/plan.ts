// The plan of an eval run: every (dataset, kind, seed) cell that applies, less those a resumed
// run already has, each with a time estimate; under a budget the cells are taken while they fit,
// seed 0 of everything first (cheapest first), then seed 1, ..., and every cell left out is named
// with its reason. An estimate is the mean time measured for the same dataset, kind and epoch limit
// when a previous run has one, else kinds.ts's rough cost.
import type { DatasetSpec } from './datasets';
import { applies, estimateSeconds, settingsFor, type KindSpec } from './kinds';
import { cellKey, type Cell, type CellResult, type SkippedCell } from './results';

export interface PlannedCell extends Cell {
  estimateSeconds: number;
  /** Where the estimate comes from. */
  measured: boolean;
}

export interface Plan {
  run: PlannedCell[];
  skipped: SkippedCell[];
  /** Cells a resumed run already has. */
  done: CellResult[];
  estimateSeconds: number;
}

export interface PlanOptions {
  datasets: DatasetSpec[];
  kinds: KindSpec[];
  seeds: number[];
  epochs?: number;
  /** Seconds for the whole run; absent: no limit. */
  budgetSeconds?: number;
  /** Cells of a previous run (resume). */
  done?: CellResult[];
  /** Datasets that cannot run here, with why (missing files). */
  unavailable?: Map<string, string>;
}

/** Mean measured seconds per (dataset, kind, epoch limit) among done cells. */
export function measuredTimes(done: CellResult[]): Map<string, number> {
  const sums = new Map<string, { s: number; n: number }>();
  for (const c of done) {
    const key = timeKey(c.dataset, c.kind, c.maxEpochs);
    const a = sums.get(key) ?? { s: 0, n: 0 };
    a.s += c.wallSeconds;
    a.n++;
    sums.set(key, a);
  }
  return new Map([...sums].map(([k, a]) => [k, a.s / a.n]));
}

export const timeKey = (dataset: string, kind: string, maxEpochs: number | undefined): string => `${dataset}/${kind}/${maxEpochs ?? '-'}`;

/** The estimate of one cell: measured when known, else the kind's rough cost. */
export function cellEstimate(d: DatasetSpec, k: KindSpec, epochs: number | undefined, measured: Map<string, number>): { seconds: number; measured: boolean } {
  const m = measured.get(timeKey(d.id, k.kind, settingsFor(k, d, epochs).epochs));
  return m !== undefined ? { seconds: Math.round(m), measured: true } : { seconds: estimateSeconds(k, d, epochs), measured: false };
}

export function planCells(o: PlanOptions): Plan {
  const doneList = o.done ?? [];
  const done = new Set(doneList.map(cellKey));
  const measured = measuredTimes(doneList);
  const run: PlannedCell[] = [];
  const skipped: SkippedCell[] = [];
  let planned = 0;
  for (const seed of o.seeds) {
    // Within a seed the cheapest cells first: a budget then covers as many (dataset, kind)
    // pairs as it can before the next seed.
    const candidates: PlannedCell[] = [];
    for (const d of o.datasets) {
      for (const k of o.kinds) {
        if (!applies(k, d)) continue;
        const cell = { dataset: d.id, kind: k.kind, seed };
        if (done.has(cellKey(cell))) continue;
        const missing = o.unavailable?.get(d.id);
        if (missing) skipped.push({ ...cell, estimateSeconds: null, reason: missing });
        else {
          const est = cellEstimate(d, k, o.epochs, measured);
          candidates.push({ ...cell, estimateSeconds: est.seconds, measured: est.measured });
        }
      }
    }
    for (const c of candidates.sort((a, b) => a.estimateSeconds - b.estimateSeconds)) {
      if (o.budgetSeconds !== undefined && planned + c.estimateSeconds > o.budgetSeconds) {
        const reason = `does not fit the budget: estimated ${formatSeconds(c.estimateSeconds)}, ${formatSeconds(o.budgetSeconds - planned)} of it left`;
        skipped.push({ dataset: c.dataset, kind: c.kind, seed: c.seed, estimateSeconds: c.estimateSeconds, reason });
        continue;
      }
      planned += c.estimateSeconds;
      run.push(c);
    }
  }
  return { run, skipped, done: doneList.filter((c) => o.seeds.includes(c.seed)), estimateSeconds: planned };
}

/** "45m", "2h", "90s", "1h30m", or plain seconds -> seconds. */
export function parseBudget(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(t);
  if (!t || !m || !(m[1] || m[2] || m[3])) throw new Error(`--budget must be a duration like 45m, 2h, 1h30m or 90s, got "${text}"`);
  const s = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  if (!(s > 0)) throw new Error(`--budget must be more than 0, got "${text}"`);
  return s;
}

export function formatSeconds(s: number): string {
  if (s < 0) return `-${formatSeconds(-s)}`;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
