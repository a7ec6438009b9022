// The seed's threshold rule as a calibrator ('max-scale', offered by staead): tau = c * tau0,
// tau0 the largest score of NORMAL calibration rows (Anomaly Detection/S_Define_Th_Distance_ProyTS.py:
// the maximum over the normal validation set V2). It is registered in lib/calibrate's registry
// on import; `vigil calibrate --method max-scale` runs it on calibration data, never the test set.
//   --c C > 0     tau0 over every normal row of the calibration data (label 0, or all rows
//                 without labels), tau = C tau0 (MSCRED's alpha = 1.5 is --c 1.5).
//   --c 0 (auto)  c is chosen on data tau0 did not see: tau0 from the normal rows of the first
//                 --max-scale-split of the rows (in time order), c on the rest:
//                 with labels there (some anomalous), the seed's search: c over 1, 1.001, ...,
//                 1.999 for the best point F1 (the first best, so the smallest c); the seed's E1
//                 was a labelled set apart from V2, so this part plays E1 and must not be test data;
//                 without labels, the smallest c on that 0.001 grid (c >= 1, unbounded above)
//                 whose threshold flags at most --fraction of those rows (a false-alarm budget).
//   --cumulative  the seed's bug, for reproduction: `tauaux = tauaux * epsVec[eps]` multiplies the
//                 candidates cumulatively, so it searched tau0 * prod_{j<=k} (1 + j/1000) rather than
//                 tau0 (1 + k/1000); labelled search only.
// The threshold is stored as method 'fixed' (a value the runtime compares with), its params naming
// the rule, c, tau0 and how c was chosen; the PCA baseline gets its own by the same rule and rows.
import { registerCalibrator, type CalibrationResult } from '../../lib/calibrate/calibrators';
import { falseAlarmBudget, type Threshold } from '../../lib/calibrate/thresholds';
import { UsageError } from '../../lib/options';

/** The seed's candidate multipliers: 1, 1.001, ..., 1.999 (np.arange(1, 2, 0.001)). */
export const SEED_C_GRID: readonly number[] = Array.from({ length: 1000 }, (_, k) => 1 + k / 1000);

export interface MaxScaleOptions {
  /** The multiplier; 0 chooses it on the rows after the split. */
  c: number;
  /** Label-free choice: the largest flagged fraction of the rows after the split. */
  fraction: number;
  /** Leading fraction of the rows whose normal maximum is tau0 when c is chosen. */
  split: number;
  /** The seed's cumulative candidates (labelled search only). */
  cumulative: boolean;
}

/** The largest score among rows whose label is 0 (every row without labels); null when none. */
function normalMax(scores: ArrayLike<number>, labels: ArrayLike<number> | undefined, from: number, to: number): number | null {
  let m = -Infinity;
  for (let i = from; i < to; i++) if (!labels || !labels[i]) m = Math.max(m, scores[i]);
  return m === -Infinity ? null : m;
}

/** Point F1 of flagging scores > tau against labels over rows [from, to). */
function f1At(scores: ArrayLike<number>, labels: ArrayLike<number>, from: number, to: number, tau: number): number {
  let tp = 0, fp = 0, fn = 0;
  for (let i = from; i < to; i++) {
    const flag = scores[i] > tau, pos = labels[i] === 1;
    if (flag && pos) tp++;
    else if (flag) fp++;
    else if (pos) fn++;
  }
  return tp ? (2 * tp) / (2 * tp + fp + fn) : 0;
}

/** The seed's labelled search: the first candidate of best F1; candidates tau0 c_k or, cumulative, tau0 prod c_j. */
export function seedSearch(scores: ArrayLike<number>, labels: ArrayLike<number>, tau0: number, cumulative: boolean, from = 0, to = scores.length): { c: number; tau: number; f1: number } {
  let best = { c: 1, tau: tau0, f1: -1 };
  let product = 1;
  for (const ck of SEED_C_GRID) {
    product *= ck;
    const c = cumulative ? product : ck;
    const tau = tau0 * c;
    const f1 = f1At(scores, labels, from, to, tau);
    if (f1 > best.f1) best = { c, tau, f1 };
  }
  return best;
}

/** The max-scale threshold on calibration scores (and their labels, when given). */
export function maxScaleThreshold(scores: ArrayLike<number>, labels: ArrayLike<number> | undefined, o: MaxScaleOptions): { threshold: Threshold; how: string } {
  const n = scores.length;
  if (!n) throw new UsageError('max-scale: no scores to fit on');
  if (!(o.c >= 0 && Number.isFinite(o.c))) throw new UsageError(`--c must be >= 0 (0: chosen on the calibration data), got ${o.c}`);
  if (labels && labels.length !== n) throw new Error(`max-scale: ${labels.length} labels for ${n} scores`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(scores[i])) throw new Error(`max-scale: score ${i} is ${scores[i]}`);
  const normals = labels ? 'normal (label 0) rows' : 'rows';
  if (o.c > 0) {
    const tau0 = normalMax(scores, labels, 0, n);
    if (tau0 === null) throw new UsageError('max-scale: the calibration data has no normal (label 0) row to take the maximum of');
    return {
      threshold: { value: o.c * tau0, method: 'fixed', params: { rule: 'max-scale', c: o.c, tau0, chosenBy: 'given', n } },
      how: `${o.c} x ${tau0.toPrecision(5)}, the largest score of the ${normals}`,
    };
  }
  if (!(o.split > 0 && o.split < 1)) throw new UsageError(`--max-scale-split must be in (0, 1), got ${o.split}`);
  const cut = Math.floor(n * o.split);
  if (cut < 1 || cut >= n) throw new UsageError(`max-scale: ${n} rows are too few to split at ${o.split} (tau0 from the head, c from the tail)`);
  const tau0 = normalMax(scores, labels, 0, cut);
  if (tau0 === null) throw new UsageError(`max-scale: the first ${cut} rows (--max-scale-split ${o.split}) hold no normal row to take the maximum of`);
  const head = `tau0 ${tau0.toPrecision(5)}, the largest score of the ${normals} among the first ${cut}`;
  let positives = 0;
  if (labels) for (let i = cut; i < n; i++) positives += labels[i] === 1 ? 1 : 0;
  if (labels && positives) {
    const b = seedSearch(scores, labels, tau0, o.cumulative, cut, n);
    return {
      threshold: { value: b.tau, method: 'fixed', params: { rule: 'max-scale', c: b.c, tau0, chosenBy: 'best-f1', f1: b.f1, cumulative: o.cumulative, split: o.split, n } },
      how: `c ${+b.c.toPrecision(6)} x ${head}; c of best F1 (${b.f1.toFixed(4)}) on the other ${n - cut} labelled rows${o.cumulative ? ' over the seed\'s cumulative candidates' : ''}`,
    };
  }
  const tail = Array.prototype.slice.call(scores, cut) as number[];
  const q = falseAlarmBudget(tail, { fraction: o.fraction }).value;
  // The smallest c on the 0.001 grid (c >= 1) with c tau0 >= q: at most the budget flagged.
  let c = tau0 > 0 ? Math.max(1, Math.ceil((q / tau0) * 1000 - 1e-9) / 1000) : 1;
  if (tau0 > 0) while (c * tau0 < q) c += 0.001;
  let flagged = 0;
  for (const v of tail) flagged += v > c * tau0 ? 1 : 0;
  const range = c >= 2 ? ' (beyond the seed\'s [1, 2))' : '';
  return {
    threshold: { value: c * tau0, method: 'fixed', params: { rule: 'max-scale', c, tau0, chosenBy: 'false-alarm-budget', fraction: o.fraction, flaggedFraction: flagged / tail.length, split: o.split, n } },
    how: `c ${+c.toFixed(3)}${range} x ${head}; label-free: the smallest c flagging at most ${o.fraction} of the other ${tail.length} rows (flags ${(flagged / tail.length).toFixed(5)})`,
  };
}

registerCalibrator({
  name: 'max-scale',
  summary: "the seed's rule: c x the largest normal score (c given, or chosen on held-out rows)",
  declared: true,
  requires: 'a model thresholded by the max-scale rule',
  options: {
    c: { type: 'number', default: 0, help: 'max-scale: tau = c x the largest normal score (0: choose c: best F1 with labels, else the false-alarm budget, on the rows after --max-scale-split)' },
    fraction: { type: 'number', default: 0.001, help: 'budget (and alpha without labels): largest flagged fraction of validation steps' },
    'max-scale-split': { type: 'number', default: 0.5, help: 'max-scale with c 0: the leading fraction of rows tau0 comes from (c is chosen on the rest)' },
    cumulative: { type: 'boolean', default: false, help: "max-scale: the seed's cumulative candidates tau0 x prod c_k (its bug; labelled search only)" },
  },
  fit(d, o): CalibrationResult {
    const { threshold, how } = maxScaleThreshold(d.scores, d.labels, { c: o.c, fraction: o.fraction, split: o['max-scale-split'], cumulative: o.cumulative });
    return {
      section: 'threshold', value: threshold,
      describe: (src) => `threshold ${threshold.value.toPrecision(5)} (max-scale: ${how}; ${d.scores.length} scores of ${src})`,
    };
  },
});
