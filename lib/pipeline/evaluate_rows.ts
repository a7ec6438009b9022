// Evaluating a detector of tabular rows (input kind 'rows') on labelled test rows: the model's
// scores beside a random score and the PCA baseline on the same rows, in the rows report
// (lib/eval/rows_report.ts: AUROC, AUPR, positive-class P/R/F1; no VUS). The protocol decides
// the thresholds and names itself in the title:
//   paper   each method flags its scores >= the q-quantile (0.8) of its own TEST scores, ALAD's
//           original rule: it reads the test set, and is shown only under that name;
//   honest  the bundle's thresholds, fitted on the normal-only validation split (train's POT, or
//           `calibrate` on the validation part); never the test labels or scores;
//   none    the bundle's thresholds, fitted without test labels on whatever normal rows train or
//           calibrate were given.
import type { Threshold } from '../calibrate/thresholds';
import { Scaler } from '../data/scaler';
import type { Series } from '../data/series';
import { pcaFromJSON, type LoadedDetector } from '../detect/detector_bundle';
import { pcaScores, randomScores } from '../eval/baselines';
import { evaluateRows, type NamedRowsReport } from '../eval/rows_report';
import { quantile } from '../eval/stats';
import { UsageError } from '../options';
import { scoreSeries } from './score';

export type RowsProtocol = 'paper' | 'honest' | 'none';

export interface EvaluateRowsOptions {
  /** 0/1 labels of the rows (1 = the positive class the detector should flag). */
  labels: Uint8Array;
  /** How the rows were split (default: the bundle's tabular protocol, else 'none'). */
  protocol?: RowsProtocol;
  /** The model's scores when already computed (e.g. `vigil detect`'s CSV). */
  scores?: Float32Array;
  /** paper: the quantile of the test scores each method's threshold is (default 0.8). */
  paperQuantile?: number;
  /** Seed of the random baseline (default 0). */
  seed?: number;
}

export interface RowsEvaluation {
  protocol: RowsProtocol;
  /** Names the protocol and where the thresholds came from; print it with the table. */
  title: string;
  reports: NamedRowsReport[];
}

const RANDOM: Threshold = { value: 0.99, method: 'fixed', params: { note: 'flags ~1% of rows' } };

export function evaluateRowsDetector(det: LoadedDetector, series: Series, opts: EvaluateRowsOptions): RowsEvaluation {
  const protocol = opts.protocol ?? det.info.tabular?.protocol ?? 'none';
  if (!['paper', 'honest', 'none'].includes(protocol)) throw new UsageError(`protocol must be paper, honest or none, got "${protocol}"`);
  const scores = opts.scores ?? scoreSeries(det, series).scores;
  if (scores.length !== series.rows) throw new UsageError(`--scores has ${scores.length} rows, --data ${series.rows}`);
  if (opts.labels.length !== series.rows) throw new UsageError(`the labels have ${opts.labels.length} rows, the data ${series.rows}`);
  const scored: { name: string; scores: Float32Array; threshold: Threshold }[] = [{ name: det.kind, scores, threshold: det.info.threshold }];
  scored.push({ name: 'random', scores: randomScores(series, opts.seed ?? 0), threshold: RANDOM });
  if (det.info.pca && det.info.pcaThreshold) {
    const scaled = Scaler.fromJSON(det.info.scaler).transform(series);
    scored.push({ name: 'PCA', scores: pcaScores(pcaFromJSON(det.info.pca), scaled).scores, threshold: det.info.pcaThreshold });
  }
  const q = opts.paperQuantile ?? 0.8;
  const fromTest = (s: Float32Array): Threshold => ({ value: quantile(s, q), method: 'quantile', params: { q, of: 'test scores', inclusive: true } });
  const reports = scored.map((s) => ({ name: s.name, report: evaluateRows(s.scores, opts.labels, protocol === 'paper' ? fromTest(s.scores) : s.threshold) }));
  return { protocol, title: titleOf(protocol, q, scored), reports };
}

/** The protocol, and where each method's threshold came from (random's is fixed). */
function titleOf(protocol: RowsProtocol, q: number, scored: { name: string; threshold: Threshold }[]): string {
  if (protocol === 'paper') return `paper protocol (threshold from test scores): each method flags scores >= the ${Math.round(q * 100)}th percentile of its own test scores`;
  const which = scored.filter((s) => s.name !== 'random').map((s) => `${s.name}: ${describe(s.threshold)}`).join('; ');
  if (protocol === 'honest') return `honest protocol: thresholds fitted on the normal-only validation split, never on test labels or scores (${which})`;
  return `thresholds fitted without test labels (${which})`;
}

function describe(t: Threshold): string {
  const q = t.method === 'quantile' && typeof t.params.q === 'number' ? ` ${t.params.q}` : '';
  return `${t.method}${q}${t.params.provisional ? ', provisional: the largest validation score until calibrate fits one' : ''}`;
}
