// The JSON `npm run eval` writes (after every cell, so an interrupted run can resume from it):
// every cell's figures, what was skipped and why, and the runs (parts) that produced them.
import { readFileSync } from 'node:fs';

export const FORMAT = 'vigil-eval/1';

/** One scorer's figures on a cell's test rows. VUS is null on tabular rows (no time order). */
export interface Figures {
  vusPr: number | null;
  /** VUS-PR as TSB-AD computes it: L = the test series' period, 250 thresholds. */
  vusPrTsb: number | null;
  aucPr: number;
  aucRoc: number;
  /** Point F1 at the threshold fitted without test labels. */
  f1: number;
  /** Fraction of the evaluated rows flagged at that threshold. */
  flagged: number;
}

export interface Cell {
  dataset: string;
  kind: string;
  seed: number;
}

export interface CellResult extends Cell {
  status: 'done' | 'failed';
  /** Why a failed cell failed. */
  error?: string;
  wallSeconds: number;
  /** The most epochs training was allowed (deep kinds). */
  maxEpochs?: number;
  /** Epochs run and the one kept. */
  epochs?: number;
  bestEpoch?: number;
  /** Rows evaluated, and the fraction of them labelled anomalous. */
  rows?: number;
  anomalous?: number;
  threshold?: string;
  /** The VUS window L of the TSB-AD column. */
  tsbWindow?: number;
  /** The model, and PCA and random on the same rows. */
  scorers?: { model: Figures; pca: Figures | null; random: Figures };
}

export interface SkippedCell extends Cell {
  estimateSeconds: number | null;
  reason: string;
}

/** One invocation's share of the results. */
export interface RunPart {
  started: string;
  finished: string;
  wallSeconds: number;
  commit: string;
  machine: { cpu: string; cores: number; load: [number, number] };
  command: string;
}

export interface EvalResults {
  format: typeof FORMAT;
  parts: RunPart[];
  cells: CellResult[];
  skipped: SkippedCell[];
}

export const cellKey = (c: Cell): string => `${c.dataset}/${c.kind}/${c.seed}`;

/** A previous run's JSON, checked enough that a wrong file is a clear error, not a crash later. */
export function readResults(file: string): EvalResults {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--resume ${file}: ${(e as Error).message}`);
  }
  const r = j as Partial<EvalResults>;
  if (!r || r.format !== FORMAT) throw new Error(`--resume ${file}: not a ${FORMAT} file (format ${JSON.stringify(r?.format)})`);
  if (!Array.isArray(r.cells) || !Array.isArray(r.parts)) throw new Error(`--resume ${file}: cells and parts must be lists`);
  r.cells.forEach((c, i) => {
    if (typeof c?.dataset !== 'string' || typeof c.kind !== 'string' || !Number.isInteger(c.seed) || (c.status !== 'done' && c.status !== 'failed'))
      throw new Error(`--resume ${file}: cell ${i} lacks dataset, kind, seed or status`);
    if (c.status === 'done' && !c.scorers) throw new Error(`--resume ${file}: cell ${i} (${cellKey(c)}) is done but has no figures`);
  });
  return { format: FORMAT, parts: r.parts, cells: r.cells, skipped: Array.isArray(r.skipped) ? r.skipped : [] };
}

/** The cells a resumed run keeps: the done ones (failed cells are tried again). */
export function doneCells(r: EvalResults | undefined): CellResult[] {
  return r ? r.cells.filter((c) => c.status === 'done') : [];
}
