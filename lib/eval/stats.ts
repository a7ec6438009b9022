// Small statistics shared by thresholds, metrics and baselines: input checks, quantiles, and the
// descending sweep over distinct score values that every threshold-free metric is built on.

/** Throws when scores hold a NaN or labels have another length: both would corrupt a metric. */
export function checkScores(op: string, scores: ArrayLike<number>, labels?: ArrayLike<number>): void {
  if (labels && labels.length !== scores.length) {
    throw new Error(`${op}: scores have ${scores.length} steps but labels have ${labels.length}`);
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`${op}: score at step ${i} is NaN`);
  }
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : NaN;
}

/** Population standard deviation (divides by n), two-pass for accuracy. */
export function std(values: ArrayLike<number>, mu = mean(values)): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - mu) ** 2;
  return values.length ? Math.sqrt(s / values.length) : NaN;
}

/** Ascending float64 copy. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** The q-quantile with linear interpolation between order statistics (numpy's default). */
export function quantile(values: ArrayLike<number>, q: number): number {
  return quantileSorted(sortedCopy(values), q);
}

export function quantileSorted(s: Float64Array, q: number): number {
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** Step indices ordered by descending score (ties keep index order). */
export function descendingOrder(scores: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(scores.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => scores[b] - scores[a] || a - b);
}

/** The state after flagging every step whose score is >= the current distinct score value. */
export interface SweepPoint {
  /** The distinct score value just admitted. */
  value: number;
  /** The next lower distinct score value (-Infinity after the last). */
  next: number;
  tp: number;
  fp: number;
  /** Positive and negative steps in all. */
  pos: number;
  neg: number;
}

/**
 * Walks the distinct score values from the highest down; after each value, calls visit with the
 * true/false positives of the rule "flag score >= value". Ties enter together, so every curve
 * built on this is the exact curve over all thresholds. Returns the positive and negative counts.
 */
export function sweepDescending(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  visit: (p: SweepPoint) => void,
  order: Uint32Array = descendingOrder(scores),
): { pos: number; neg: number } {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) pos++;
  const n = order.length;
  let tp = 0, fp = 0;
  for (let i = 0; i < n; ) {
    const value = scores[order[i]];
    while (i < n && scores[order[i]] === value) {
      if (labels[order[i]]) tp++;
      else fp++;
      i++;
    }
    visit({ value, next: i < n ? scores[order[i]] : -Infinity, tp, fp, pos, neg: n - pos });
  }
  return { pos, neg: n - pos };
}
