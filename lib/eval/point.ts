// Point-wise (per-step) detection counts: the confusion matrix and precision/recall/F1, with no
// adjustment of any kind.

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface PointMetrics extends Confusion {
  precision: number;
  recall: number;
  f1: number;
}

/** Counts of flagged/unflagged steps against labelled/unlabelled steps. */
export function confusionMatrix(flags: ArrayLike<number>, labels: ArrayLike<number>): Confusion {
  if (flags.length !== labels.length) {
    throw new Error(`confusionMatrix: flags have ${flags.length} steps but labels have ${labels.length}`);
  }
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] && labels[i]) tp++;
    else if (flags[i]) fp++;
    else if (labels[i]) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

/** precision = tp/(tp+fp), recall = tp/(tp+fn), F1 their harmonic mean; 0 where undefined. */
export function scoresFromConfusion(c: Confusion): PointMetrics {
  const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
  return { ...c, precision, recall, f1: f1Of(precision, recall) };
}

export function f1Of(precision: number, recall: number): number {
  return precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
}

/** Point-wise precision/recall/F1 (no adjustment of any kind) with the confusion matrix. */
export function pointMetrics(flags: ArrayLike<number>, labels: ArrayLike<number>): PointMetrics {
  return scoresFromConfusion(confusionMatrix(flags, labels));
}
