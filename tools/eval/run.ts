// Runs a plan cell by cell: progress with time estimates, the results saved after every cell
// (so a stopped run resumes from its JSON), a cell that would overrun the budget skipped and
// named, a cell that fails recorded with its error while the others go on.
import type { DatasetSpec, EvalData } from './datasets';
import type { KindSpec } from './kinds';
import { formatSeconds, timeKey, type Plan } from './plan';
import { FORMAT, type Cell, type CellResult, type EvalResults, type RunPart } from './results';

export interface RunOptions {
  plan: Plan;
  dataset(id: string): DatasetSpec;
  kind(name: string): KindSpec;
  epochs?: number;
  budgetSeconds?: number;
  /** Results of a previous run this one continues (its done cells are kept). */
  previous?: EvalResults;
  /** This run's part, less what is known only at its end. */
  part: Omit<RunPart, 'finished' | 'wallSeconds'>;
  load(d: DatasetSpec): Promise<EvalData>;
  runCell(cell: Cell, d: DatasetSpec, k: KindSpec, data: EvalData, epochs?: number): Promise<CellResult>;
  /** Called with the results so far after every cell and at the end. */
  save(r: EvalResults): void;
  say(line: string): void;
  /** Milliseconds (injectable for tests). */
  now?: () => number;
  /** The 1-minute load average at the end (injectable for tests). */
  loadAtEnd?: () => number;
}

export async function runPlan(o: RunOptions): Promise<EvalResults> {
  const now = o.now ?? (() => Date.now());
  const t0 = now();
  const results: EvalResults = {
    format: FORMAT, parts: [...(o.previous?.parts ?? [])],
    cells: (o.previous?.cells ?? []).filter((c) => c.status === 'done'), skipped: [...o.plan.skipped],
  };
  const cellsBefore = results.cells.length;
  const cells = o.plan.run.map((c) => ({ ...c }));
  const cache = new Map<string, Promise<EvalData>>();
  const measured = new Map<string, number[]>();
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    const cell: Cell = { dataset: c.dataset, kind: c.kind, seed: c.seed };
    const elapsed = (now() - t0) / 1000;
    const left = cells.slice(i).reduce((a, x) => a + x.estimateSeconds, 0);
    const name = `${c.dataset} ${c.kind} seed ${c.seed}`;
    if (o.budgetSeconds !== undefined && elapsed + c.estimateSeconds > o.budgetSeconds) {
      const reason = `budget spent: ${formatSeconds(o.budgetSeconds - elapsed)} left when it came up, estimated ${formatSeconds(c.estimateSeconds)}`;
      results.skipped.push({ ...cell, estimateSeconds: c.estimateSeconds, reason });
      o.say(`[${i + 1}/${cells.length}] ${name}: SKIPPED (${reason})`);
      continue;
    }
    o.say(`[${i + 1}/${cells.length}] ${name}: estimated ${formatSeconds(c.estimateSeconds)}${c.measured ? ' (measured before)' : ''}; ` +
      `elapsed ${formatSeconds(elapsed)}, about ${formatSeconds(left)} of planned work left`);
    const d = o.dataset(c.dataset), k = o.kind(c.kind);
    const t1 = now();
    let result: CellResult;
    try {
      if (!cache.has(d.id)) cache.set(d.id, o.load(d));
      const data = await cache.get(d.id)!;
      result = await o.runCell(cell, d, k, data, o.epochs);
    } catch (e) {
      result = { ...cell, status: 'failed', error: (e as Error).message, wallSeconds: Math.round((now() - t1) / 100) / 10 };
    }
    results.cells.push(result);
    o.save(results);
    o.say(`  ${describe(result)}`);
    // Later seeds of the same dataset and kind: the time just measured is the better estimate.
    const key = timeKey(c.dataset, c.kind, result.maxEpochs);
    if (result.status === 'done') {
      const times = [...(measured.get(key) ?? []), result.wallSeconds];
      measured.set(key, times);
      const mean = times.reduce((a, x) => a + x, 0) / times.length;
      for (const later of cells.slice(i + 1)) {
        if (later.dataset === c.dataset && later.kind === c.kind) Object.assign(later, { estimateSeconds: Math.round(mean), measured: true });
      }
    }
  }
  const wallSeconds = Math.round((now() - t0) / 100) / 10;
  const part: RunPart = {
    ...o.part, finished: new Date(Date.parse(o.part.started) + wallSeconds * 1000).toISOString(), wallSeconds,
    machine: { ...o.part.machine, load: [o.part.machine.load[0], o.loadAtEnd?.() ?? o.part.machine.load[0]] },
  };
  // A part that ran nothing (a resume with nothing left) would only add noise to the provenance.
  if (results.cells.length > cellsBefore) results.parts.push(part);
  o.save(results);
  return results;
}

function describe(r: CellResult): string {
  if (r.status === 'failed') return `FAILED after ${formatSeconds(r.wallSeconds)}: ${r.error}`;
  const s = r.scorers!;
  const v = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(3));
  const headline = s.model.vusPr !== null ? 'VUS-PR' : 'AUC-PR';
  const pick = (f: { vusPr: number | null; aucPr: number } | null) => v(f ? (f.vusPr ?? f.aucPr) : null);
  return `done in ${formatSeconds(r.wallSeconds)}: ${headline} ${pick(s.model)} (PCA ${pick(s.pca)}, random ${pick(s.random)}), ` +
    `flagged ${(100 * s.model.flagged).toFixed(1)}% of rows (labelled ${(100 * (r.anomalous ?? NaN)).toFixed(1)}%)`;
}
