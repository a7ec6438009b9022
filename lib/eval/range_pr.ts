// Range-based precision and recall (Tatbul et al., "Precision and Recall for Time Series",
// NeurIPS 2018). Real ranges R_1..R_Nr are the runs of labelled steps, predicted ranges
// P_1..P_Np the runs of flagged steps.
//   Recall(R_i)    = alpha * Existence(R_i) + (1 - alpha) * Cardinality(R_i) * sum_j w(R_i, R_i ∩ P_j)
//   Precision(P_j) =                           Cardinality(P_j) * sum_i w(P_j, P_j ∩ R_i)
//   Recall = mean_i Recall(R_i),  Precision = mean_j Precision(P_j)
// Existence(R_i) = 1 when any step of R_i is flagged. w(A, A ∩ B) = sum over the overlap's
// positions of the positional bias delta(pos, |A|) / the same sum over all of A (positions 1..|A|):
//   flat delta = 1 (w = |overlap| / |A|), front delta = |A| - pos + 1, back delta = pos,
//   middle delta = pos <= |A|/2 ? pos : |A| - pos + 1.
// Cardinality = 1 when A overlaps at most one range of the other side, else gamma: 'one'
// (gamma = 1) or 'reciprocal' (1 / the number of ranges it overlaps).
// Defaults: alpha 0, flat bias, cardinality 'one' (the common setting; Tatbul et al.'s flat
// defaults). DC-VAE upstream used alpha 0, front bias, reciprocal cardinality.
// Without any real range recall is 0; without any predicted range precision is 0.
import { segments, type Segment } from './events';
import { f1Of } from './point';

export type RangeBias = 'flat' | 'front' | 'back' | 'middle';
export type RangeCardinality = 'one' | 'reciprocal';
export const RANGE_BIASES: RangeBias[] = ['flat', 'front', 'back', 'middle'];
export const RANGE_CARDINALITIES: RangeCardinality[] = ['one', 'reciprocal'];

export interface RangeOptions {
  /** Weight of the existence reward in recall (0..1); default 0. */
  alpha?: number;
  bias?: RangeBias;
  cardinality?: RangeCardinality;
}

export interface RangeMetrics {
  precision: number;
  recall: number;
  f1: number;
}

function delta(bias: RangeBias, pos: number, len: number): number {
  switch (bias) {
    case 'flat': return 1;
    case 'front': return len - pos + 1;
    case 'back': return pos;
    case 'middle': return pos <= len / 2 ? pos : len - pos + 1;
  }
}

/** w(A, A ∩ [from, to)): the biased share of A that the overlap covers. */
function overlapWeight(a: Segment, from: number, to: number, bias: RangeBias): number {
  const len = a.end - a.start;
  if (bias === 'flat') return (to - from) / len;
  let part = 0, all = 0;
  for (let p = 1; p <= len; p++) {
    const d = delta(bias, p, len);
    all += d;
    const step = a.start + p - 1;
    if (step >= from && step < to) part += d;
  }
  return part / all;
}

/**
 * Mean over the ranges `a` of cardinality * sum of overlap weights against the ranges `b`
 * (plus the existence reward when alpha > 0). Both lists are ascending and disjoint, so one
 * forward pointer visits every overlap.
 */
function meanReward(a: Segment[], b: Segment[], alpha: number, bias: RangeBias, cardinality: RangeCardinality): number {
  if (!a.length) return 0;
  let total = 0;
  let j0 = 0;
  for (const r of a) {
    while (j0 < b.length && b[j0].end <= r.start) j0++;
    let overlap = 0, hits = 0;
    for (let j = j0; j < b.length && b[j].start < r.end; j++) {
      const from = Math.max(r.start, b[j].start), to = Math.min(r.end, b[j].end);
      if (to > from) {
        overlap += overlapWeight(r, from, to, bias);
        hits++;
      }
    }
    const card = hits <= 1 ? 1 : cardinality === 'one' ? 1 : 1 / hits;
    total += alpha * (hits > 0 ? 1 : 0) + (1 - alpha) * card * overlap;
  }
  return total / a.length;
}

function checked(op: string, labels: ArrayLike<number>, flags: ArrayLike<number>, opts: RangeOptions): Required<RangeOptions> {
  if (labels.length !== flags.length) throw new Error(`${op}: labels have ${labels.length} steps, flags ${flags.length}`);
  const o = { alpha: opts.alpha ?? 0, bias: opts.bias ?? 'flat', cardinality: opts.cardinality ?? 'one' };
  if (!(o.alpha >= 0 && o.alpha <= 1)) throw new Error(`${op}: alpha must be in [0, 1], got ${o.alpha}`);
  if (!RANGE_BIASES.includes(o.bias)) throw new Error(`${op}: bias must be one of ${RANGE_BIASES.join(', ')}, got ${o.bias}`);
  if (!RANGE_CARDINALITIES.includes(o.cardinality)) throw new Error(`${op}: cardinality must be one of ${RANGE_CARDINALITIES.join(', ')}, got ${o.cardinality}`);
  return o;
}

export function rangeRecall(labels: ArrayLike<number>, flags: ArrayLike<number>, opts: RangeOptions = {}): number {
  const o = checked('rangeRecall', labels, flags, opts);
  return meanReward(segments(labels), segments(flags), o.alpha, o.bias, o.cardinality);
}

/** Range precision (no existence term, as in the paper). */
export function rangePrecision(labels: ArrayLike<number>, flags: ArrayLike<number>, opts: RangeOptions = {}): number {
  const o = checked('rangePrecision', labels, flags, opts);
  return meanReward(segments(flags), segments(labels), 0, o.bias, o.cardinality);
}

/** Range-based precision, recall and their F1 (0 where undefined). */
export function rangeMetrics(labels: ArrayLike<number>, flags: ArrayLike<number>, opts: RangeOptions = {}): RangeMetrics {
  const o = checked('rangeMetrics', labels, flags, opts);
  const real = segments(labels), pred = segments(flags);
  const precision = meanReward(pred, real, 0, o.bias, o.cardinality);
  const recall = meanReward(real, pred, o.alpha, o.bias, o.cardinality);
  return { precision, recall, f1: f1Of(precision, recall) };
}
