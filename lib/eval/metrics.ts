// Detection metrics over per-step scores and 0/1 labels. This file holds the two threshold-free
// areas (ROC, PR); point-wise counts live in point.ts, event-wise metrics in events.ts and VUS in
// vus.ts, re-exported here so callers import every metric from one place.
import { checkScores, sweepDescending } from './stats';

export { quantile } from './stats';
export * from './point';
export * from './events';
export * from './vus';

/**
 * Area under the ROC curve: the trapezoids of (FPR, TPR) over every distinct threshold, from
 * (0,0) to (1,1). Equals P(score of a random anomaly > score of a random normal step), ties
 * counting half. NaN when the labels hold only one class.
 */
export function aucRoc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkScores('aucRoc', scores, labels);
  let area = 0, prevTp = 0, prevFp = 0;
  const { pos, neg } = sweepDescending(scores, labels, ({ tp, fp }) => {
    area += (fp - prevFp) * (tp + prevTp); // twice the trapezoid, in count units
    prevTp = tp;
    prevFp = fp;
  });
  return pos && neg ? area / (2 * pos * neg) : NaN;
}

/**
 * Area under the precision-recall curve as AVERAGE PRECISION (scikit-learn's
 * average_precision_score): AP = sum_k (R_k - R_{k-1}) * P_k over the distinct thresholds in
 * descending order, R_0 = 0, a step function with no interpolation (the trapezoidal rule would
 * be optimistic). NaN when there is no anomaly.
 */
export function aucPr(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkScores('aucPr', scores, labels);
  let ap = 0, prevTp = 0;
  const { pos } = sweepDescending(scores, labels, ({ tp, fp }) => {
    ap += (tp - prevTp) * (tp / (tp + fp));
    prevTp = tp;
  });
  return pos ? ap / pos : NaN;
}
