// Per-channel alpha thresholds in the CLI (DC-VAE, seed 002): `vigil calibrate --method alpha`
// fits them on validation data and stores them in the bundle's "alpha" section; `vigil detect`
// then flags a row when any channel leaves [mu - alpha_down sigma, mu + alpha_up sigma]
// (alphaScoring below). The continuous score stays max_c |x - mu| / sigma. `vigil evaluate`
// reports the alpha rule as a column of its own (alphaRuleScorer).
import { readPresetFile } from '../../lib/data/presets';
import { Scaler } from '../../lib/data/scaler';
import { checkSchema } from '../../lib/data/schema';
import { sliceRows, type Series } from '../../lib/data/series';
import { Windows } from '../../lib/data/windows';
import {
  alphaChannelScores, alphaFlags, alphasFromJSON, alphasToJSON, fitAlphasBudget, fitAlphasF1, lastStepGaussians, UPSTREAM_ALPHA_GRID,
  type Alphas, type AlphasJSON, type GaussianPredictor, type GaussianRows,
} from '../../lib/calibrate/alpha';
import type { Threshold } from '../../lib/calibrate/thresholds';
import { RANGE_BIASES, RANGE_CARDINALITIES, type RangeBias, type RangeCardinality } from '../../lib/eval/range_pr';
import { loadBundle, saveBundle } from '../../lib/io/bundle';
import type { LoadedDetector } from '../../lib/detect/detector_bundle';
import { UsageError } from './args';
import { loadLabels, loadSeries, rowBounds } from './data_args';

export const ALPHA_FLAGS = {
  'alpha-metric': { type: 'string', default: 'point', help: 'alpha: F1 to maximise, point|range (Tatbul et al.)' },
  'alpha-grid': { type: 'string', default: UPSTREAM_ALPHA_GRID.join(','), help: 'alpha: candidate alphas, comma-separated' },
  'channel-labels': { type: 'string', help: 'alpha: per-channel 0/1 labels, a CSV with one column per channel (as upstream labels_train.csv)' },
  'range-bias': { type: 'string', default: 'flat', help: `alpha with range F1: positional bias ${RANGE_BIASES.join('|')}` },
  'range-cardinality': { type: 'string', default: 'one', help: `alpha with range F1: ${RANGE_CARDINALITIES.join('|')}` },
  'range-alpha': { type: 'number', default: 0, help: 'alpha with range F1: weight of the existence reward in recall' },
} as const;

function gaussianModel(det: LoadedDetector): GaussianPredictor {
  const m = det.model as unknown as Partial<GaussianPredictor>;
  if (typeof m.lastStep !== 'function')
    throw new UsageError(`--method alpha needs a model with per-channel Gaussian outputs (dc-vae); this bundle holds ${det.kind}`);
  return m as GaussianPredictor;
}

/** x, mu, sigma at every row that ends a window (rows first.. of the series). */
export function gaussianRowsOf(det: LoadedDetector, series: Series): { rows: GaussianRows; first: number } {
  checkSchema(det.info.schema, series);
  const scaled = Scaler.fromJSON(det.info.scaler).transform(series);
  const length = det.info.windows.length;
  const windows = new Windows(scaled, { length, stride: 1 });
  if (!windows.count) throw new UsageError(`${series.rows} rows are fewer than the model's window of ${length}`);
  return { rows: lastStepGaussians(gaussianModel(det), windows), first: length - 1 };
}

/** The bundle's alphas and the Gaussian rows of series, or null when it has no alpha section. */
function alphaRowsOf(det: LoadedDetector, series: Series): { alphas: Alphas; g: GaussianRows; first: number } | null {
  const json = (det.info as unknown as { alpha?: AlphasJSON }).alpha;
  if (!json) return null;
  const { rows: g, first } = gaussianRowsOf(det, series);
  return { alphas: alphasFromJSON(json), g, first };
}

/**
 * Per-channel values of the window-ending rows (`per`, [rows, C] from row `first` on) as the
 * series' channel errors, and each row's score as the largest of them (from 0); both NaN before
 * the first full window.
 */
function seriesScores(per: Float32Array, C: number, first: number, n: number): { scores: Float32Array; channelErrors: Float32Array } {
  const scores = new Float32Array(n).fill(NaN);
  const channelErrors = new Float32Array(n * C).fill(NaN);
  channelErrors.set(per, first * C);
  for (let i = 0; i < per.length / C; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s = Math.max(s, per[i * C + c]);
    scores[first + i] = s;
  }
  return { scores, channelErrors };
}

/**
 * The hook `vigil detect` calls: per-row scores (max |x - mu| / sigma), channel errors and the
 * alpha flags, or null when the bundle has no alpha section (detect then uses its threshold).
 */
export function alphaScoring(det: LoadedDetector, series: Series):
  { scores: Float32Array; channelErrors: Float32Array; flags: Uint8Array; alphas: Alphas } | null {
  const a = alphaRowsOf(det, series);
  if (!a) return null;
  const { alphas, g, first } = a;
  const errors = g.x.map((x, k) => Math.abs(x - g.mu[k]) / g.sigma[k]);
  const flags = new Uint8Array(series.rows);
  flags.set(alphaFlags(g, alphas).flags, first);
  return { ...seriesScores(errors, g.channels, first, series.rows), flags, alphas };
}

/**
 * The alpha rule as a scorer for `vigil evaluate`, or null when the bundle has no alpha section:
 * per row the alpha-normalised score max_c max(r / alpha_up, -r / alpha_down), r = (x - mu) /
 * sigma (NaN before the first full window), the per-channel ratios as its channel errors, and the
 * fixed threshold 1, above which exactly the rows `vigil detect` flags by the alphas lie.
 */
export function alphaRuleScorer(det: LoadedDetector, series: Series):
  { scores: Float32Array; channelErrors: Float32Array; threshold: Threshold; alphas: Alphas } | null {
  const a = alphaRowsOf(det, series);
  if (!a) return null;
  const { alphas, g, first } = a;
  const threshold: Threshold = {
    value: 1, method: 'fixed',
    params: { rule: 'per-channel alphas: flag when some channel leaves [mu - alpha_down sigma, mu + alpha_up sigma]', alphaMethod: alphas.method },
  };
  return { ...seriesScores(alphaChannelScores(g, alphas), g.channels, first, series.rows), threshold, alphas };
}

type AlphaCliFlags = { [K in keyof typeof ALPHA_FLAGS]: (typeof ALPHA_FLAGS)[K]['type'] extends 'number' ? number : string | undefined } & {
  labels?: string; fraction: number; model?: string; out?: string; data?: string;
};

/** `vigil calibrate --method alpha`: fits the alphas and writes them into the bundle. */
export async function calibrateAlpha(det: LoadedDetector, f: AlphaCliFlags & Parameters<typeof loadSeries>[0]): Promise<void> {
  const series = await loadSeries(f, 'train');
  const { rows: g, first } = gaussianRowsOf(det, series);
  const C = g.channels;
  const metric = f['alpha-metric'];
  if (metric !== 'point' && metric !== 'range') throw new UsageError(`--alpha-metric must be point or range, got "${metric}"`);
  const bias = f['range-bias'] as RangeBias, cardinality = f['range-cardinality'] as RangeCardinality;
  if (!RANGE_BIASES.includes(bias)) throw new UsageError(`--range-bias must be one of ${RANGE_BIASES.join(', ')}, got "${bias}"`);
  if (!RANGE_CARDINALITIES.includes(cardinality)) throw new UsageError(`--range-cardinality must be one of ${RANGE_CARDINALITIES.join(', ')}, got "${cardinality}"`);
  const grid = (f['alpha-grid'] ?? '').split(',').map((s) => Number(s.trim()));
  if (!grid.length || grid.some((v) => !(Number.isFinite(v) && v >= 0))) throw new UsageError(`--alpha-grid must be non-negative numbers, got "${f['alpha-grid']}"`);

  let alphas: Alphas;
  let how: string;
  const opts = { grid, metric: metric as 'point' | 'range', range: { bias, cardinality, alpha: f['range-alpha'] } };
  if (f['channel-labels']) {
    const per = await readChannelLabels(f['channel-labels'], f, series);
    alphas = fitAlphasF1(g, { perChannel: per.subarray(first * C) }, opts);
    how = `best ${metric} F1 per channel against per-channel labels`;
  } else {
    const labels = f.labels ? await loadLabels(f.labels, f) : series.labels;
    if (labels && labels.length !== series.rows) throw new UsageError(`--labels has ${labels.length} rows, the data ${series.rows}`);
    const l = labels?.subarray(first);
    if (l && l.some((v) => v)) {
      alphas = fitAlphasF1(g, { global: Uint8Array.from(l) }, opts);
      how = `best ${metric} F1 of the any-channel flag against the labels (F1 ${(alphas.params.f1 as number).toFixed(4)})`;
    } else {
      alphas = fitAlphasBudget(g, f.fraction);
      how = `label-free: false-alarm budget ${f.fraction} of the steps (flags ${(alphas.params.flaggedFraction as number).toFixed(5)} of them here)`;
    }
  }
  const b = loadBundle(f.model!);
  saveBundle(f.out ?? f.model!, { kind: b.kind, config: b.config, tensors: b.tensors, sections: { ...b.sections, alpha: alphasToJSON(alphas) } });
  const fmt = (v: number) => (Number.isFinite(v) ? String(+v.toFixed(3)) : 'off');
  console.log(`vigil calibrate: alphas for ${C} channels, ${how}, on ${g.rows} rows of ${series.source ?? f.data}; wrote ${f.out ?? f.model}`);
  console.log(`  alpha_up:   ${alphas.up.map(fmt).join(' ')}`);
  console.log(`  alpha_down: ${alphas.down.map(fmt).join(' ')}`);
}

/** A CSV of 0/1 columns, one per channel: matched by name when the names are the data's, else by position. */
async function readChannelLabels(path: string, f: Parameters<typeof loadSeries>[0], series: Series): Promise<Uint8Array> {
  const whole = await readPresetFile('generic', path, { timestamp: f.timestamp, header: f['no-header'] ? false : undefined });
  const s = f.rows ? sliceRows(whole, ...rowBounds(whole.rows, f.rows)) : whole;
  const C = series.columns.length;
  if (s.rows !== series.rows) throw new UsageError(`--channel-labels ${path} has ${s.rows} rows, the data ${series.rows}`);
  const byName = series.columns.every((c) => s.columns.includes(c));
  if (!byName && s.columns.length !== C)
    throw new UsageError(`--channel-labels ${path}: ${s.columns.length} columns, neither the data's ${C} channels by name nor by count`);
  const col = series.columns.map((c, i) => (byName ? s.columns.indexOf(c) : i));
  const out = new Uint8Array(series.rows * C);
  const W = s.columns.length;
  for (let r = 0; r < series.rows; r++) for (let c = 0; c < C; c++) out[r * C + c] = s.data[r * W + col[c]] ? 1 : 0;
  return out;
}
