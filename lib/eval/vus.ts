// VUS-PR and VUS-ROC: range-based PR and ROC areas with a soft label buffer around each labelled
// event, averaged over buffer lengths 0..L (Paparrizos et al., "Volume Under the Surface",
// PVLDB 15(11) 2022; the definition as used by TSB-AD, Liu & Paparrizos, NeurIPS 2024).
//
// For one buffer length l (h = floor(l/2) steps on each side of each event):
//   soft label  w(t) = 1 inside an event; sqrt(1 - d/l) at distance d = 1..h before its first or
//               after its last step (contributions of nearby events add, then clip at 1); else 0.
//   ranges      each event widened by h on both sides; ranges that overlap merge.
//   at a threshold (flag score >= v), with A the flagged event steps and B the soft mass of the
//   flagged buffer steps (w summed over flagged steps outside events):
//     TP = A + B,   P_l = P + B/2 (P = event steps; the buffer counts as half positive, and only
//                  where flagged, so a perfect score still reaches 1),
//     recall = min(TP / P_l, 1),  existence = flagged ranges / ranges,
//     TPR = recall * existence,   FPR = (flagged - TP) / (n - P_l),   precision = TP / flagged.
//   range-PR  = sum_k (TPR_k - TPR_{k-1}) * precision_k  (step rule, TPR_0 = 0),
//   range-ROC = trapezoids of (FPR, TPR) from (0,0) through every threshold to (1,1).
// VUS = mean of the range areas over l = 0..L. At l = 0 there is no buffer: with a single
// event range-PR is the average precision and range-ROC the AUC-ROC; with several events the
// existence factor makes them stricter.
//
// Thresholds: every distinct score value by default (the exact curve, O(n) per buffer length
// after one sort); `thresholds: 250` instead samples the descending sorted scores at positions
// trunc(linspace(0, n-1, 250)) like the reference code, for comparison with published numbers.
// Our L is the largest buffer length l. TSB-AD's get_metrics(score, labels, slidingWindow = s)
// hands s itself to RangeAUC_volume_opt as that largest length (l = 0..s), so L = s; only its first
// release (June 2024) passed 2s. Its leaderboard's s is the series' period (find_length_rank,
// from the first channel's autocorrelation), not a fixed 100.
import { descendingOrder, checkScores } from './stats';
import { segments, type Segment } from './events';

export interface VusOptions {
  /** The largest buffer length L (>= 0); every report states it. */
  window: number;
  /** 'all' distinct score values (exact, default) or a sampled count >= 2 (TSB-AD uses 250). */
  thresholds?: 'all' | number;
}

export interface RangeAreas {
  pr: number;
  roc: number;
}

export interface VusResult {
  vusPr: number;
  vusRoc: number;
  window: number;
  thresholds: 'all' | number;
}

/** Evaluates the range areas for l = 0..L and averages them. NaN without labelled steps. */
export function vus(scores: ArrayLike<number>, labels: ArrayLike<number>, opts: VusOptions): VusResult {
  const { window, thresholds = 'all' } = opts;
  checkWindow('vus', window);
  const curves = new RangeCurves(scores, labels, thresholds);
  let pr = 0, roc = 0;
  for (let l = 0; l <= window; l++) {
    const a = curves.areas(l);
    pr += a.pr;
    roc += a.roc;
  }
  return { vusPr: pr / (window + 1), vusRoc: roc / (window + 1), window, thresholds };
}

export function vusPr(scores: ArrayLike<number>, labels: ArrayLike<number>, window: number): number {
  return vus(scores, labels, { window }).vusPr;
}

export function vusRoc(scores: ArrayLike<number>, labels: ArrayLike<number>, window: number): number {
  return vus(scores, labels, { window }).vusRoc;
}

/** Range-PR and range-ROC for one buffer length l. */
export function rangeAuc(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bufferLength: number,
  thresholds: 'all' | number = 'all',
): RangeAreas {
  checkWindow('rangeAuc', bufferLength);
  return new RangeCurves(scores, labels, thresholds).areas(bufferLength);
}

function checkWindow(op: string, l: number): void {
  if (!Number.isInteger(l) || l < 0) throw new Error(`${op}: the buffer window must be an integer >= 0, got ${l}`);
}

/** What stays fixed across buffer lengths: the sort, the threshold groups, the events. */
class RangeCurves {
  private readonly n: number;
  private readonly order: Uint32Array;
  /** Exclusive end (in `order`) of each evaluated threshold group, descending. */
  private readonly cuts: Uint32Array;
  private readonly events: Segment[];
  private readonly positives: number;
  private readonly isEvent: Uint8Array;

  constructor(scores: ArrayLike<number>, labels: ArrayLike<number>, thresholds: 'all' | number) {
    checkScores('vus', scores, labels);
    this.n = scores.length;
    this.order = descendingOrder(scores);
    this.cuts = thresholdCuts(scores, this.order, thresholds);
    this.events = segments(labels);
    this.isEvent = Uint8Array.from(labels, (v) => (v ? 1 : 0));
    this.positives = this.isEvent.reduce((s, v) => s + v, 0);
  }

  areas(l: number): RangeAreas {
    const { n, order, cuts, events, positives: P, isEvent } = this;
    if (!P) return { pr: NaN, roc: NaN };
    const { w, range, ranges } = softLabels(n, events, l);
    const hitRange = new Uint8Array(ranges);
    let tp = 0, eventSteps = 0, exist = 0, i = 0;
    let pr = 0, roc = 0, prevTpr = 0, prevFpr = 0;
    for (let c = 0; c < cuts.length; c++) {
      for (const end = cuts[c]; i < end; i++) {
        const t = order[i];
        tp += w[t];
        eventSteps += isEvent[t];
        const r = range[t];
        if (r >= 0 && !hitRange[r]) (hitRange[r] = 1), exist++;
      }
      const pl = P + (tp - eventSteps) / 2;
      const tpr = Math.min(tp / pl, 1) * (exist / ranges);
      const fpr = (i - tp) / (n - pl);
      pr += (tpr - prevTpr) * (tp / i);
      roc += ((fpr - prevFpr) * (tpr + prevTpr)) / 2;
      prevTpr = tpr;
      prevFpr = fpr;
    }
    roc += ((1 - prevFpr) * (1 + prevTpr)) / 2;
    return { pr, roc };
  }
}

/** Soft labels w and the merged range index of every step (-1 outside every range) for l. */
function softLabels(n: number, events: Segment[], l: number): { w: Float64Array; range: Int32Array; ranges: number } {
  const h = Math.floor(l / 2);
  const w = new Float64Array(n);
  const range = new Int32Array(n).fill(-1);
  let ranges = 0;
  let prevEnd = -1; // last step (inclusive) of the previous widened range
  for (const { start, end } of events) {
    w.fill(1, start, end);
    for (let d = 1; d <= h; d++) {
      const v = Math.sqrt(1 - d / l);
      if (end - 1 + d < n) w[end - 1 + d] += v;
      if (start - d >= 0) w[start - d] += v;
    }
    const lo = Math.max(0, start - h);
    const hi = Math.min(n - 1, end - 1 + h);
    if (lo > prevEnd) ranges++; // no overlap with the previous widened range: a new range
    range.fill(ranges - 1, Math.max(lo, prevEnd + 1), hi + 1);
    prevEnd = Math.max(prevEnd, hi);
  }
  for (let t = 0; t < n; t++) if (w[t] > 1) w[t] = 1;
  return { w, range, ranges };
}

/** Ends (exclusive, in the descending order) of the threshold groups where the curve is sampled. */
function thresholdCuts(scores: ArrayLike<number>, order: Uint32Array, thresholds: 'all' | number): Uint32Array {
  const n = order.length;
  // groupEnd[i]: exclusive end of the tie group holding order position i.
  const groupEnd = new Uint32Array(n);
  for (let i = n - 1; i >= 0; i--) {
    groupEnd[i] = i + 1 < n && scores[order[i + 1]] === scores[order[i]] ? groupEnd[i + 1] : i + 1;
  }
  const cuts: number[] = [];
  if (thresholds === 'all') {
    for (let i = 0; i < n; i = groupEnd[i]) cuts.push(groupEnd[i]);
  } else {
    if (!Number.isInteger(thresholds) || thresholds < 2) {
      throw new Error(`vus: thresholds must be 'all' or an integer >= 2, got ${thresholds}`);
    }
    // numpy: linspace(0, n-1, T) = k * ((n-1)/(T-1)), last exactly n-1, then truncated.
    const step = (n - 1) / (thresholds - 1);
    for (let k = 0; k < thresholds; k++) {
      const pos = k === thresholds - 1 ? n - 1 : Math.trunc(k * step);
      const end = groupEnd[pos];
      if (!cuts.length || cuts[cuts.length - 1] !== end) cuts.push(end);
    }
  }
  return Uint32Array.from(cuts);
}
