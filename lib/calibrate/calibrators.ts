// Calibrators by name: each fits one section of a detector bundle (its threshold, or per-channel
// alphas) on CALIBRATION data only (normal or labelled validation data, never the test set).
// The score thresholds serve every model kind; a calibrator marked `declared` serves only the
// kinds that list it in their `calibrators` (lib/model.ts). The CLI builds `vigil calibrate`'s
// --method and options from this registry; the pipeline (lib/pipeline/calibrate.ts) computes
// the data a calibrator reads.
import { UsageError, withDefaults, type Flags, type FlagSpec } from '../options';
import { RANGE_BIASES, RANGE_CARDINALITIES, type RangeBias, type RangeCardinality } from '../eval/range_pr';
import { alphasToJSON, fitAlphasBudget, fitAlphasF1, UPSTREAM_ALPHA_GRID, type Alphas, type GaussianRows } from './alpha';
import { checkDynamicRule, parseZGrid, type DynamicThresholdRule } from '../eval/dynamic_threshold';
import { bestF1, falseAlarmBudget, fitDynamicThreshold, meanStd, pot, quantileThreshold, rocGmean, type Threshold } from './thresholds';

/** The rows a calibrator fits on: those of the calibration data that end a sample. */
export interface CalibrationData {
  /** Scores by the bundle's threshold rule (channel errors over its error scale). */
  scores: Float32Array;
  /** 0/1 labels of the same rows (labelled validation data), when given. */
  labels?: Uint8Array;
  /** Per-channel 0/1 labels of the same rows, [rows, channels] row-major, when given. */
  channelLabels?: Uint8Array;
  /** The per-channel Gaussians of the same rows; null when the model predicts none. */
  gaussians(): GaussianRows | null;
}

export interface CalibrationResult {
  /** The bundle section the value goes to ('threshold', 'alpha'). */
  section: string;
  value: unknown;
  /** One line on what was fitted and how, naming the data it was fitted on (`source`). */
  describe(source: string): string;
  /** Further lines to show (e.g. the fitted per-channel values). */
  details?: string[];
}

export interface Calibrator<S extends FlagSpec = FlagSpec> {
  name: string;
  summary: string;
  /** Options by name, with defaults and help (also `vigil calibrate`'s flags). */
  options: S;
  /**
   * Only for kinds that name it in their `calibrators`, because it needs what not every model
   * has (said in errors: "needs <requires>").
   */
  declared?: boolean;
  requires?: string;
  fit(data: CalibrationData, options: Flags<S>): CalibrationResult;
}

const REGISTRY = new Map<string, Calibrator>();

export function registerCalibrator<S extends FlagSpec>(c: Calibrator<S>): void {
  if (REGISTRY.has(c.name) && REGISTRY.get(c.name) !== (c as unknown)) throw new Error(`calibrator "${c.name}" registered twice`);
  REGISTRY.set(c.name, c as unknown as Calibrator);
}

export function calibratorNames(): string[] {
  return [...REGISTRY.keys()];
}

export function calibrator(name: string): Calibrator {
  const c = REGISTRY.get(name);
  if (!c) throw new UsageError(`unknown calibration method "${name}" (known: ${calibratorNames().join(', ')})`);
  return c;
}

/** Every calibrator's options in one spec (names shared by two calibrators must agree). */
export function calibratorOptions(): FlagSpec {
  const all: FlagSpec = {};
  for (const c of REGISTRY.values())
    for (const [k, v] of Object.entries(c.options)) {
      const had = all[k];
      if (had && (had.type !== v.type || had.default !== v.default)) throw new Error(`calibrator option "${k}" declared twice with different types or defaults`);
      all[k] = had ?? v;
    }
  return all;
}

/** Fits calibrator `name` with the given options (its defaults for the others). */
export function runCalibrator(name: string, data: CalibrationData, given: Record<string, unknown> = {}): CalibrationResult {
  const c = calibrator(name);
  const own = Object.fromEntries(Object.entries(given).filter(([k]) => k in c.options));
  return c.fit(data, withDefaults(`calibrator ${name}`, c.options, own));
}

function thresholdResult(t: Threshold, n: number): CalibrationResult {
  return { section: 'threshold', value: t, describe: (src) => `threshold ${t.value.toPrecision(5)} (${t.method} on ${n} scores of ${src})` };
}

function needLabels(name: string, data: CalibrationData): Uint8Array {
  if (!data.labels) throw new UsageError(`--method ${name} needs labelled validation data (--labels or a label column)`);
  return data.labels;
}

const RISK = { type: 'number', default: 1e-4, help: "pot, and dynamic's fallback: probability that a normal score exceeds the threshold" } as const;
registerCalibrator({
  name: 'pot', summary: 'peaks over threshold (GPD tail) on normal scores',
  options: { risk: RISK },
  fit: (d, o) => thresholdResult(pot(d.scores, { risk: o.risk }), d.scores.length),
});
registerCalibrator({
  name: 'quantile', summary: 'a quantile of normal scores',
  options: { q: { type: 'number', default: 0.995, help: 'quantile: the quantile of validation scores' } },
  fit: (d, o) => thresholdResult(quantileThreshold(d.scores, o.q), d.scores.length),
});
registerCalibrator({
  name: 'mean-std', summary: 'mean + k standard deviations of normal scores',
  options: { k: { type: 'number', default: 3, help: 'mean-std: mean + k * std' } },
  fit: (d, o) => thresholdResult(meanStd(d.scores, o.k), d.scores.length),
});
const FRACTION = { type: 'number', default: 0.001, help: 'budget (and alpha without labels): largest flagged fraction of validation steps' } as const;
registerCalibrator({
  name: 'budget', summary: 'a false-alarm budget on normal scores',
  options: { fraction: FRACTION },
  fit: (d, o) => thresholdResult(falseAlarmBudget(d.scores, { fraction: o.fraction }), d.scores.length),
});
registerCalibrator({
  name: 'best-f1', summary: 'the best F1 on labelled validation data', options: {},
  fit: (d) => thresholdResult(bestF1(d.scores, needLabels('best-f1', d)), d.scores.length),
});
registerCalibrator({
  name: 'roc-gmean', summary: 'the best ROC G-mean on labelled validation data', options: {},
  fit: (d) => thresholdResult(rocGmean(d.scores, needLabels('roc-gmean', d)), d.scores.length),
});

// Hundman et al.'s settings (their telemanom: windows of 30 batches of 70 values, EWMA over 5%
// of them, z from 2.5 by 0.5 below 12 (12 included here), p = 0.13).
const DYNAMIC_OPTIONS = {
  history: { type: 'number', default: 2100, help: 'dynamic: smoothed scores per window (h); before a window fills, the fallback threshold decides' },
  span: { type: 'number', default: 105, help: 'dynamic: EWMA span of the score smoothing (1: none)' },
  'z-grid': { type: 'string', default: Array.from({ length: 20 }, (_, i) => 2.5 + 0.5 * i).join(','), help: 'dynamic: candidate z of mu + z sigma, comma-separated' },
  'min-decrease': { type: 'number', default: 0.13, help: 'dynamic: pruning: smallest relative fall p between anomalous sequences\' maxima that keeps those above it (0: no pruning)' },
  risk: RISK,
} as const;
const DYNAMIC_FLAG: Record<keyof DynamicThresholdRule, string> = { history: '--history', span: '--span', zGrid: '--z-grid', minDecrease: '--min-decrease', fallback: 'the fallback' };

registerCalibrator({
  name: 'dynamic',
  summary: "Hundman et al.'s non-parametric dynamic threshold, label-free, per row from the trailing smoothed scores",
  options: DYNAMIC_OPTIONS,
  fit(d, o) {
    const opts = { history: o.history, span: o.span, zGrid: o['z-grid'], minDecrease: o['min-decrease'], risk: o.risk };
    try {
      checkDynamicRule({ ...opts, zGrid: parseZGrid(opts.zGrid), fallback: 0 }, (f) => DYNAMIC_FLAG[f]);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const t = fitDynamicThreshold(d.scores, opts);
    const p = t.params, n = d.scores.length, grid = String(p.zGrid).split(',');
    const judged = p.judgedByWindow as number;
    return {
      section: 'threshold', value: t,
      describe: (src) => `dynamic threshold (Hundman et al.): windows of ${p.history} scores smoothed with EWMA span ${p.span}, z ${grid[0]}..${grid[grid.length - 1]}, pruning p ${p.minDecrease}; ` +
        `fallback ${t.value.toPrecision(5)} (${p.fallback} on ${n} smoothed scores of ${src})`,
      details: [`on these rows the rule flags ${((p.flaggedFraction as number) * 100).toFixed(3)}% of ${n}, ${judged} of them judged by a full window` +
        (judged ? '' : ' (fewer rows than --history: the fallback judged all)')],
    };
  },
});

const ALPHA_OPTIONS = {
  fraction: FRACTION,
  'alpha-metric': { type: 'string', default: 'point', help: 'alpha: F1 to maximise, point|range (Tatbul et al.)' },
  'alpha-grid': { type: 'string', default: UPSTREAM_ALPHA_GRID.join(','), help: 'alpha: candidate alphas, comma-separated' },
  'range-bias': { type: 'string', default: 'flat', help: `alpha with range F1: positional bias ${RANGE_BIASES.join('|')}` },
  'range-cardinality': { type: 'string', default: 'one', help: `alpha with range F1: ${RANGE_CARDINALITIES.join('|')}` },
  'range-alpha': { type: 'number', default: 0, help: 'alpha with range F1: weight of the existence reward in recall' },
} as const;

registerCalibrator({
  name: 'alpha',
  summary: 'per-channel alphas on predicted Gaussians: best F1 with labels, else a false-alarm budget',
  options: ALPHA_OPTIONS,
  declared: true,
  requires: 'a model with per-channel Gaussian outputs',
  fit(d, o) {
    const g = d.gaussians();
    if (!g) throw new UsageError('--method alpha needs a model with per-channel Gaussian outputs');
    const metric = o['alpha-metric'];
    if (metric !== 'point' && metric !== 'range') throw new UsageError(`--alpha-metric must be point or range, got "${metric}"`);
    const bias = o['range-bias'] as RangeBias, cardinality = o['range-cardinality'] as RangeCardinality;
    if (!RANGE_BIASES.includes(bias)) throw new UsageError(`--range-bias must be one of ${RANGE_BIASES.join(', ')}, got "${bias}"`);
    if (!RANGE_CARDINALITIES.includes(cardinality)) throw new UsageError(`--range-cardinality must be one of ${RANGE_CARDINALITIES.join(', ')}, got "${cardinality}"`);
    const grid = (o['alpha-grid'] ?? '').split(',').map((s) => Number(s.trim()));
    if (!grid.length || grid.some((v) => !(Number.isFinite(v) && v >= 0))) throw new UsageError(`--alpha-grid must be non-negative numbers, got "${o['alpha-grid']}"`);
    const opts = { grid, metric: metric as 'point' | 'range', range: { bias, cardinality, alpha: o['range-alpha'] } };
    let alphas: Alphas;
    let how: string;
    if (d.channelLabels) {
      alphas = fitAlphasF1(g, { perChannel: d.channelLabels }, opts);
      how = `best ${metric} F1 per channel against per-channel labels`;
    } else if (d.labels && d.labels.some((v) => v)) {
      alphas = fitAlphasF1(g, { global: Uint8Array.from(d.labels) }, opts);
      how = `best ${metric} F1 of the any-channel flag against the labels (F1 ${(alphas.params.f1 as number).toFixed(4)})`;
    } else {
      alphas = fitAlphasBudget(g, o.fraction);
      how = `label-free: false-alarm budget ${o.fraction} of the steps (flags ${(alphas.params.flaggedFraction as number).toFixed(5)} of them here)`;
    }
    const fmt = (v: number) => (Number.isFinite(v) ? String(+v.toFixed(3)) : 'off');
    return {
      section: 'alpha', value: alphasToJSON(alphas),
      describe: (src) => `alphas for ${g.channels} channels, ${how}, on ${g.rows} rows of ${src}`,
      details: [`alpha_up:   ${alphas.up.map(fmt).join(' ')}`, `alpha_down: ${alphas.down.map(fmt).join(' ')}`],
    };
  },
});
