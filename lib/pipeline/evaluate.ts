// The honest evaluation of a detector on labelled test data: its scores by the threshold rule
// (and, when the bundle has per-channel alphas, the alpha rule as a column of its own), beside a
// random score and the PCA baseline fitted at training, each at the threshold fitted without
// test labels. Rows before the model's first full sample are left out of every column alike.
import type { Threshold } from '../calibrate/thresholds';
import type { Alphas } from '../calibrate/alpha';
import { Scaler } from '../data/scaler';
import type { Series } from '../data/series';
import { pcaFromJSON, type LoadedDetector } from '../detect/detector_bundle';
import type { ChannelSegment } from '../eval/attribution';
import { pcaScores, randomScores } from '../eval/baselines';
import { evaluate, type NamedReport } from '../eval/report';
import { UsageError } from '../options';
import { alphaRuleScorer } from './gaussian_scores';
import { keptRows, scoredRows } from './kept_rows';
import { scoreSeries } from './score';

/** One column of the report: per-row scores, the threshold fitted without test labels. */
export interface Scored {
  name: string;
  scores: Float32Array;
  threshold: Threshold | number;
  /** rows * channels, for attribution. */
  channelErrors?: Float32Array;
}

export interface EvaluateDetectorOptions {
  /** 0/1 test labels, one per row. */
  labels: Uint8Array;
  /** The model's per-row scores when already computed (e.g. read from `vigil detect`'s CSV). */
  scores?: Float32Array;
  timestamps?: Float64Array;
  /** VUS buffer window L (default 100). */
  vusWindow?: number;
  /** VUS thresholds: every distinct score (default) or a sampled count (TSB-AD: 250). */
  vusThresholds?: 'all' | number;
  /** Seconds per row when there are no timestamps. */
  stepSeconds?: number;
  /** Seed of the random baseline (default 0). */
  seed?: number;
  /** Labelled responsible channels (rows of the series): adds HitRate attribution. */
  interpretation?: ChannelSegment[];
}

export interface DetectorEvaluation {
  reports: NamedReport[];
  /** First evaluated row (the model's first full sample). */
  first: number;
  rows: number;
  /** Rows evaluated: from `first` on, less each later run's first rows on pooled runs. */
  evaluated: number;
  /** Of those, labelled anomalous. */
  labelled: number;
  /** The alphas of the alpha column, when there is one. */
  alphas?: Alphas;
  /** Said to the user (e.g. a column that could not be computed). */
  notes: string[];
}

/**
 * Evaluates the detector (and its baselines) on `series` (null when only precomputed scores are
 * given: then no alpha, random or PCA columns).
 */
export function evaluateDetector(det: LoadedDetector, series: Series | null, opts: EvaluateDetectorOptions): DetectorEvaluation {
  const notes: string[] = [];
  const scored: Scored[] = [];
  const attribute = !!opts.interpretation;
  if (opts.scores) {
    // Attribution needs every channel's error, which precomputed scores do not hold: recompute them.
    const channelErrors = attribute && series && typeof det.model.channelErrors === 'function' ? scoreSeries(det, series).channelErrors : undefined;
    scored.push({ name: det.kind, scores: opts.scores, threshold: det.info.threshold, channelErrors });
  } else {
    if (!series) throw new UsageError('give --scores, or --model and --data');
    const s = scoreSeries(det, series);
    const attributes = typeof det.model.channelErrors === 'function';
    scored.push({ name: det.kind, scores: s.scores, threshold: det.info.threshold, channelErrors: attributes ? s.channelErrors : undefined });
  }
  const rows = scored[0].scores.length;
  if (series && series.rows !== rows) throw new UsageError(`--scores has ${rows} rows, --data ${series.rows}`);

  // The alpha rule needs x, mu and sigma per channel: recomputed from the model on the series.
  const hasAlphas = !!(det.info as { alpha?: unknown }).alpha;
  const alpha = series ? alphaRuleScorer(det, series) : null;
  if (alpha) scored.push({ name: `${det.kind} (alphas)`, scores: alpha.scores, threshold: alpha.threshold, channelErrors: alpha.channelErrors });
  else if (hasAlphas) notes.push('the bundle has per-channel alphas; give --data to report the alpha rule too');

  if (opts.labels.length !== rows) throw new UsageError(`the labels have ${opts.labels.length} rows, the scores ${rows}`);
  if (series) {
    // A uniform random score flagging about 1% of steps, and PCA as fitted at training.
    scored.push({ name: 'random', scores: randomScores(series, opts.seed ?? 0), threshold: { value: 0.99, method: 'fixed', params: { note: 'flags ~1% of steps' } } });
    if (det.info.pca && det.info.pcaThreshold) {
      const scaled = Scaler.fromJSON(det.info.scaler).transform(series);
      const p = pcaScores(pcaFromJSON(det.info.pca), scaled);
      scored.push({ name: 'PCA', scores: p.scores, threshold: det.info.pcaThreshold, channelErrors: p.channelErrors });
    }
  }
  return { ...evaluateScored(scored, opts, series?.columns.length ?? 0), alphas: alpha?.alphas, notes };
}

/**
 * Reports of scorers on the same rows: those the first scorer scores, i.e. from its first full
 * sample on, less the first rows of every later run of a pooled series (lib/data/runs.ts), which
 * no window covers; the kept rows are laid end to end, as each run scored on its own and pooled.
 */
export function evaluateScored(scored: Scored[], opts: EvaluateDetectorOptions, channels: number): { reports: NamedReport[]; first: number; rows: number; evaluated: number; labelled: number } {
  const rows = scored[0].scores.length;
  const take = keptRows(scoredRows(scored[0].scores), rows);
  const first = take.first;
  const segments = opts.interpretation
    ?.map((s) => ({ ...s, start: take.position(s.start), end: take.position(s.end) }))
    .filter((s) => s.end > s.start);
  const reports = scored.map((s) => ({
    name: s.name,
    report: evaluate(take.rows(s.scores), take.rows(opts.labels), {
      threshold: s.threshold,
      vusWindow: opts.vusWindow ?? 100,
      vusThresholds: opts.vusThresholds,
      timestamps: opts.timestamps && take.rows(opts.timestamps),
      stepSeconds: opts.stepSeconds,
      attribution: segments && s.channelErrors ? { errors: take.rows(s.channelErrors, channels), channels, labelled: segments } : undefined,
    }),
  }));
  return { reports, first, rows, evaluated: take.count, labelled: take.rows(opts.labels).reduce((n, l) => n + l, 0) };
}

