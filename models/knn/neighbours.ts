// Nearest reference windows on plain arrays plus the engine's matmul: the reference subsample,
// the k nearest per query (float32 matmul estimates of ||q||^2 + ||r||^2 - 2 q.r screen the
// reference, the few candidates left get exact float64 distances), and the local densities LOF
// compares. A query row's result depends only on that row and the reference (the CPU gemm
// computes each output row by the same chain of operations whatever the batch:
// native/cpu/gemm.h), so a window scores the same bits alone or in a batch, which the Detector's
// stream = batch relies on.
import { matmul } from '../../lib/ops/matmul';
import type { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';

/** Queries per matmul: a [512, reference] block is 4 MB at the default 2000 references. */
const QUERY_BATCH = 512;

/**
 * Indices of at most `size` of `count` samples, stratified in time: the samples split into
 * `size` consecutive strata of (nearly) equal length and one drawn uniformly from each, so the
 * reference spans the whole training period. All of them, in order, when count <= size.
 */
export function stratifiedSample(count: number, size: number, gen: Generator): Int32Array {
  if (count <= size) return Int32Array.from({ length: count }, (_, i) => i);
  const u = gen.uniform([size], 0, 1, { dtype: 'float64' });
  const r = u.toArray();
  u.dispose();
  const out = new Int32Array(size);
  for (let s = 0; s < size; s++) {
    const from = Math.floor((s * count) / size), to = Math.floor(((s + 1) * count) / size);
    out[s] = Math.min(to - 1, from + Math.floor(r[s] * (to - from)));
  }
  return out;
}

/** The rows of `x` ([count, dim]) that are not exact copies of an earlier row, in order. */
export function distinctRows(x: Float32Array, count: number, dim: number): Int32Array {
  const seen = new Set<string>();
  const keep: number[] = [];
  const bytes = Buffer.from(x.buffer, x.byteOffset, count * dim * 4);
  for (let i = 0; i < count; i++) {
    const key = bytes.toString('latin1', i * dim * 4, (i + 1) * dim * 4);
    if (!seen.has(key)) {
      seen.add(key);
      keep.push(i);
    }
  }
  return Int32Array.from(keep);
}

/** The k nearest reference rows of each query: their indices and distances, nearest first. */
export interface Neighbours {
  k: number;
  /** [queries * k] reference indices. */
  index: Int32Array;
  /** [queries * k] Euclidean distances. */
  distance: Float64Array;
}

/**
 * The k nearest of the `refCount` rows of `ref` ([refCount, dim]) to each of the `count` rows
 * of `q` ([count, dim]), exactly as a float64 search over every reference row would find them,
 * at the cost of a float32 one. The engine's float32 matmul gives every estimate
 * ||q||^2 + ||r||^2 - 2 q.r (norms in float64); the rounding of a float32 dot product of dim
 * terms is at most gamma = dim u / (1 - dim u) times ||q|| ||r|| (u = 2^-24, any summation
 * order), so each squared distance lies within e = 2 gamma ||q|| ||r|| of its estimate. The k-th
 * smallest upper bound (estimate + e) bounds the k-th true squared distance; only rows whose
 * lower bound (estimate - e) is within it can be among the k nearest, and only those get their
 * squared distance summed exactly in float64 from the values. Equal distances keep the lower
 * reference index first. `skipSelf`: query i is reference row i and does not count as its own
 * neighbour (LOF's reference densities).
 */
export function nearest(q: Float32Array, count: number, ref: Float32Array, refCount: number, dim: number, k: number, skipSelf = false): Neighbours {
  const available = skipSelf ? refCount - 1 : refCount;
  if (k > available) throw new Error(`knn: k ${k} needs at least ${skipSelf ? k + 1 : k} reference windows, there are ${refCount}`);
  const u = 2 ** -24;
  // Doubled, and 1e-12 of the norms on top, for the float64 rounding of the estimate itself.
  const gamma = dim * u < 0.5 ? (2.02 * dim * u) / (1 - dim * u) : Infinity;
  const refNorm = rowNorms(ref, refCount, dim);
  const refLength = refNorm.map(Math.sqrt);
  const index = new Int32Array(count * k);
  const distance = new Float64Array(count * k);
  const upper = new KSmallest(k), exact = new KSmallest(k);
  const estimate = new Float64Array(refCount), margin = new Float64Array(refCount);
  tidy(() => {
    const r = Tensor.fromArray(ref.subarray(0, refCount * dim), [refCount, dim]);
    for (let b = 0; b < count; b += QUERY_BATCH) {
      const n = Math.min(QUERY_BATCH, count - b);
      const rows = q.subarray(b * dim, (b + n) * dim);
      const qNorm = rowNorms(rows, n, dim);
      const dot = tidy(() => matmul(Tensor.fromArray(rows, [n, dim]), r, { transB: true }).toArray());
      for (let i = 0; i < n; i++) {
        const self = skipSelf ? b + i : -1;
        const qn = qNorm[i], ql = Math.sqrt(qn), row = i * refCount;
        // Pass 1: estimates and their margins; the k-th smallest upper bound.
        upper.clear();
        for (let j = 0; j < refCount; j++) {
          const e = qn + refNorm[j] - 2 * dot[row + j];
          const m = gamma * ql * refLength[j] + 1e-12 * (qn + refNorm[j]);
          estimate[j] = e;
          margin[j] = m;
          if (j !== self) upper.offer(e + m, j);
        }
        const bound = upper.value[k - 1];
        // Pass 2: exact squared distances of the rows that can still be among the k nearest.
        exact.clear();
        for (let j = 0; j < refCount; j++) {
          if (j === self || estimate[j] - margin[j] > bound) continue;
          let d = 0;
          for (let c = 0, a = i * dim, o = j * dim; c < dim; c++) d += (rows[a + c] - ref[o + c]) ** 2;
          exact.offer(d, j);
        }
        const at = (b + i) * k;
        for (let m = 0; m < k; m++) {
          index[at + m] = exact.index[m];
          distance[at + m] = Math.sqrt(exact.value[m]);
        }
      }
    }
  });
  return { k, index, distance };
}

/** The k smallest values offered, ascending, with their indices; a tie keeps the earlier offer first. */
class KSmallest {
  readonly value: Float64Array;
  readonly index: Int32Array;
  private filled = 0;
  constructor(readonly k: number) {
    this.value = new Float64Array(k);
    this.index = new Int32Array(k);
  }
  clear(): void {
    this.filled = 0;
  }
  offer(v: number, i: number): void {
    const k = this.k;
    if (this.filled === k && v >= this.value[k - 1]) return;
    let p = this.filled < k ? this.filled++ : k - 1;
    while (p > 0 && v < this.value[p - 1]) {
      this.value[p] = this.value[p - 1];
      this.index[p] = this.index[p - 1];
      p--;
    }
    this.value[p] = v;
    this.index[p] = i;
  }
}

/** Squared Euclidean norm of each row, in float64. */
function rowNorms(x: Float32Array, count: number, dim: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) s += x[j] * x[j];
    out[i] = s;
  }
  return out;
}

/** What LOF needs of each reference window: its k-distance and its local reachability density. */
export interface Densities {
  kDistance: Float64Array;
  lrd: Float64Array;
}

/**
 * Each reference row's k-distance (to its k-th nearest other reference row) and its local
 * reachability density 1 / mean over those k neighbours o of max(k-distance(o), d(row, o)).
 * Throws when a density is infinite (k or more rows coincide with one: the reference the fit
 * builds for LOF holds no exact duplicates, so only a hand-made one can).
 */
export function referenceDensities(ref: Float32Array, refCount: number, dim: number, k: number): Densities {
  const nb = nearest(ref, refCount, ref, refCount, dim, k, true);
  const kDistance = new Float64Array(refCount);
  for (let i = 0; i < refCount; i++) kDistance[i] = nb.distance[i * k + k - 1];
  const lrd = new Float64Array(refCount);
  for (let i = 0; i < refCount; i++) {
    const reach = meanReach(nb, i, kDistance);
    if (!(reach > 0)) throw new Error(`knn: reference window ${i} has ${k} neighbours at distance 0: LOF's density is infinite there (the reference must not repeat a window)`);
    lrd[i] = 1 / reach;
  }
  return { kDistance, lrd };
}

/** Mean reachability distance of query `i` to its neighbours: max(k-distance(o), d(i, o)). */
export function meanReach(nb: Neighbours, i: number, kDistance: Float64Array): number {
  let s = 0;
  for (let m = i * nb.k; m < (i + 1) * nb.k; m++) s += Math.max(kDistance[nb.index[m]], nb.distance[m]);
  return s / nb.k;
}
