// Thresholds fitted on TRAINING or VALIDATION scores only, never on test scores or test labels.
// Every fit returns { value, method, params }: plain JSON, stored in the model bundle as is.
// The flag rule everywhere is: flag a step when its score is STRICTLY above the threshold.
import { fitGpd, gpdTailQuantile } from './gpd';
import type { Threshold } from '../eval/threshold';
import { checkScores, mean, quantileSorted, sortedCopy, std, sweepDescending } from '../eval/stats';
import { checkDynamicRule, dynamicFlags, ewma, parseZGrid, type DynamicThresholdRule } from '../eval/dynamic_threshold';

export { applyThreshold, type Threshold } from '../eval/threshold';

function nonEmpty(op: string, scores: ArrayLike<number>, labels?: ArrayLike<number>): void {
  if (!scores.length) throw new Error(`${op}: no scores to fit on`);
  checkScores(op, scores, labels);
}

/** mean + k * std of the scores (population std). */
export function meanStd(scores: ArrayLike<number>, k = 3): Threshold {
  nonEmpty('meanStd', scores);
  const mu = mean(scores);
  const sd = std(scores, mu);
  return { value: mu + k * sd, method: 'mean-std', params: { k, mean: mu, std: sd, n: scores.length } };
}

/** The q-quantile of the scores (linear interpolation), e.g. q = 0.995. */
export function quantileThreshold(scores: ArrayLike<number>, q: number): Threshold {
  nonEmpty('quantileThreshold', scores);
  if (!(q >= 0 && q <= 1)) throw new Error(`quantileThreshold: q must be in [0, 1], got ${q}`);
  return { value: quantileSorted(sortedCopy(scores), q), method: 'quantile', params: { q, n: scores.length } };
}

export type AlarmBudget = { fraction: number } | { alarmsPerDay: number; stepSeconds: number };

/**
 * The lowest threshold that flags at most the budgeted share of the calibration steps: with
 * m = floor(fraction * n), the (n - m)-th smallest score, so at most m scores lie strictly
 * above it. An alarms-per-day budget is read as flagged STEPS per day, fraction =
 * alarmsPerDay * stepSeconds / 86400 (an alarm run holds at least one step, so alarm runs per
 * day stay within the budget on data like the calibration data).
 */
export function falseAlarmBudget(scores: ArrayLike<number>, budget: AlarmBudget): Threshold {
  nonEmpty('falseAlarmBudget', scores);
  const fraction = 'fraction' in budget ? budget.fraction : (budget.alarmsPerDay * budget.stepSeconds) / 86400;
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new Error(`falseAlarmBudget: the budget must be a fraction in [0, 1] of the steps, got ${fraction}`);
  }
  const s = sortedCopy(scores);
  const n = s.length;
  const m = Math.floor(fraction * n + 1e-9); // tolerate fraction*n landing just under an integer
  const value = m >= n ? s[0] - Math.max(1, Math.abs(s[0])) : s[n - m - 1];
  let above = 0;
  for (const v of s) if (v > value) above++;
  const params: Threshold['params'] = { fraction, n, flaggedFraction: above / n };
  if (!('fraction' in budget)) Object.assign(params, { alarmsPerDay: budget.alarmsPerDay, stepSeconds: budget.stepSeconds });
  return { value, method: 'false-alarm-budget', params };
}

export interface PotOptions {
  /** Quantile of the scores used as the initial threshold t (default 0.98). */
  initialQuantile?: number;
  /** Target probability that a normal score exceeds the threshold (default 1e-4). */
  risk?: number;
}

/**
 * Peaks over threshold (Siffer et al., KDD 2017, the batch POT step of SPOT): t = the initial
 * quantile of the scores, a generalised Pareto distribution fitted by maximum likelihood
 * (Grimshaw's reduction, see gpd.ts) to the excesses s - t of the scores above t, and the
 * threshold is the score exceeded with probability `risk` under that tail model.
 */
export function pot(scores: ArrayLike<number>, opts: PotOptions = {}): Threshold {
  const { initialQuantile = 0.98, risk = 1e-4 } = opts;
  nonEmpty('pot', scores);
  if (!(initialQuantile > 0 && initialQuantile < 1)) throw new Error(`pot: initialQuantile must be in (0, 1), got ${initialQuantile}`);
  if (!(risk > 0 && risk < 1)) throw new Error(`pot: risk must be in (0, 1), got ${risk}`);
  const s = sortedCopy(scores);
  const n = s.length;
  const t = quantileSorted(s, initialQuantile);
  const excesses: number[] = [];
  for (const v of s) if (v > t) excesses.push(v - t);
  if (excesses.length < 10) {
    throw new Error(
      `pot: only ${excesses.length} of ${n} scores exceed the initial threshold (quantile ${initialQuantile}); ` +
        'at least 10 are needed: give more calibration scores or a lower initialQuantile');
  }
  const fit = fitGpd(excesses);
  const value = gpdTailQuantile(t, fit, risk, n, excesses.length);
  return {
    value,
    method: 'pot',
    params: {
      initialQuantile, risk, initialThreshold: t, n, excesses: excesses.length,
      shape: fit.shape, scale: fit.scale, logLikelihood: fit.logLikelihood, fit: 'gpd-mle-grimshaw',
    },
  };
}

/**
 * Visits every distinct cut of labelled VALIDATION scores (flag score >= v, i.e. score >
 * the midpoint below v) and keeps the best by `score` (ties: the higher threshold, fewer alarms).
 */
function bestCut(
  op: string,
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  score: (tp: number, fp: number, pos: number, neg: number) => number,
): { value: number; objective: number; tp: number; fp: number; pos: number; neg: number } {
  nonEmpty(op, scores, labels);
  let best = { value: NaN, objective: -Infinity, tp: 0, fp: 0, pos: 0, neg: 0 };
  const { pos, neg } = sweepDescending(scores, labels, (p) => {
    const objective = score(p.tp, p.fp, p.pos, p.neg);
    if (objective > best.objective) {
      // Midway to the next lower score; below the lowest score when everything is flagged.
      const value = p.next === -Infinity ? p.value - Math.max(1, Math.abs(p.value)) : (p.value + p.next) / 2;
      best = { value, objective, tp: p.tp, fp: p.fp, pos: p.pos, neg: p.neg };
    }
  });
  if (!pos || !neg) throw new Error(`${op}: the labelled validation data must hold both normal and anomalous steps (${pos} anomalous of ${pos + neg})`);
  return best;
}

/**
 * The threshold of best point-wise F1 on LABELLED VALIDATION data given by the user. Never call
 * it with test labels: that is the leak that inflates published numbers.
 */
export function bestF1(scores: ArrayLike<number>, labels: ArrayLike<number>): Threshold {
  const b = bestCut('bestF1', scores, labels, (tp, fp, pos) => (tp ? (2 * tp) / (tp + fp + pos) : 0));
  return {
    value: b.value,
    method: 'best-f1',
    params: { f1: b.objective, precision: b.tp / (b.tp + b.fp), recall: b.tp / b.pos, n: b.pos + b.neg, fittedOn: 'validation' },
  };
}

/** The threshold of largest g-mean sqrt(TPR * (1 - FPR)) on LABELLED VALIDATION data. */
export function rocGmean(scores: ArrayLike<number>, labels: ArrayLike<number>): Threshold {
  const b = bestCut('rocGmean', scores, labels, (tp, fp, pos, neg) => Math.sqrt((tp / pos) * (1 - fp / neg)));
  return {
    value: b.value,
    method: 'roc-gmean',
    params: { gmean: b.objective, tpr: b.tp / b.pos, fpr: b.fp / b.neg, n: b.pos + b.neg, fittedOn: 'validation' },
  };
}

/**
 * The same method with the same settings fitted afresh on other calibration scores: how a
 * baseline (random, PCA) gets a threshold comparable to the model's, each from its own
 * validation scores. best-f1 and roc-gmean need the validation labels again.
 */
export function refitThreshold(t: Threshold, scores: ArrayLike<number>, labels?: ArrayLike<number>): Threshold {
  const p = t.params;
  const needLabels = (): ArrayLike<number> => {
    if (!labels) throw new Error(`refitThreshold: method ${t.method} needs the labelled validation data`);
    return labels;
  };
  switch (t.method) {
    case 'fixed': return { ...t, params: { ...p } };
    case 'mean-std': return meanStd(scores, p.k as number);
    case 'quantile': return quantileThreshold(scores, p.q as number);
    case 'false-alarm-budget':
      return falseAlarmBudget(scores, p.alarmsPerDay != null
        ? { alarmsPerDay: p.alarmsPerDay as number, stepSeconds: p.stepSeconds as number }
        : { fraction: p.fraction as number });
    case 'pot': return pot(scores, { initialQuantile: p.initialQuantile as number, risk: p.risk as number });
    case 'dynamic': return fitDynamicThreshold(scores, { ...dynamicOptionsOf(p), risk: p.risk as number });
    case 'best-f1': return bestF1(scores, needLabels());
    case 'roc-gmean': return rocGmean(scores, needLabels());
  }
}

/**
 * The threshold `vigil train` fits on validation scores: POT when there are enough of them,
 * with the initial quantile lowered (to at most 0.98) so that at least 10 peaks remain, and the
 * risk no smaller than 1/n: n calibration scores say nothing about rarer events, and a heavy
 * fitted tail extrapolated further puts the threshold far beyond anything seen. Below 50 scores
 * a tail fit means nothing and the 0.99 quantile is used.
 */
export function defaultThreshold(scores: ArrayLike<number>, risk = 1e-4): Threshold {
  const n = scores.length;
  if (n < 50) return quantileThreshold(scores, 0.99);
  return pot(scores, { risk: Math.max(risk, 1 / n), initialQuantile: Math.min(0.98, 1 - 10 / n) });
}

export interface DynamicThresholdOptions {
  /** Smoothed scores per window (Hundman's h). */
  history: number;
  /** EWMA span of the smoothing. */
  span: number;
  /** Candidate z: numbers, or comma-separated in a string. */
  zGrid: number[] | string;
  /** Pruning's minimum relative decrease p. */
  minDecrease: number;
  /** The fallback's risk (defaultThreshold's; default 1e-4). */
  risk?: number;
}

/** The options a stored dynamic threshold was fitted with. */
function dynamicOptionsOf(p: Threshold['params']): DynamicThresholdOptions {
  return { history: p.history as number, span: p.span as number, zGrid: String(p.zGrid), minDecrease: p.minDecrease as number };
}

/**
 * Hundman et al.'s dynamic thresholding (lib/eval/dynamic_threshold.ts) with the options given:
 * the rule is label-free and applied at detection time on the scores being judged, so the
 * calibration scores only give its fallback, the threshold for the first rows of a series
 * before a window of `history` smoothed scores exists: defaultThreshold (POT, as train fits)
 * on the smoothed calibration scores. `name` maps an option to what the user calls it in errors.
 * params also record how the rule does on these (normal) scores: the share of them it flags
 * and how many were judged by a full window rather than the fallback.
 */
export function fitDynamicThreshold(scores: ArrayLike<number>, opts: DynamicThresholdOptions, name?: (field: keyof DynamicThresholdRule) => string): Threshold {
  nonEmpty('dynamic threshold', scores);
  for (let i = 0; i < scores.length; i++)
    if (!(scores[i] >= 0)) throw new Error(`dynamic threshold: the scores must be errors (>= 0), score ${i} is ${scores[i]}`);
  const zGrid = typeof opts.zGrid === 'string' ? parseZGrid(opts.zGrid) : [...opts.zGrid].sort((a, b) => a - b);
  const rule: DynamicThresholdRule = { history: opts.history, span: opts.span, zGrid, minDecrease: opts.minDecrease, fallback: 0 };
  checkDynamicRule(rule, name);
  const risk = opts.risk ?? 1e-4;
  let fallback: Threshold;
  try {
    fallback = defaultThreshold(ewma(scores, rule.span), risk);
  } catch (e) {
    throw new Error(`dynamic threshold: the fallback for the first rows: ${(e as Error).message}`);
  }
  rule.fallback = fallback.value;
  let flagged = 0;
  for (const f of dynamicFlags(scores, rule)) flagged += f;
  const n = scores.length;
  return {
    value: fallback.value,
    method: 'dynamic',
    params: {
      history: rule.history, span: rule.span, zGrid: zGrid.join(','), minDecrease: rule.minDecrease,
      fallback: fallback.method, risk, n, flaggedFraction: flagged / n, judgedByWindow: Math.max(0, n - rule.history + 1),
    },
  };
}
