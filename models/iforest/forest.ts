// Isolation Forest (Liu, Ting and Zhou, ICDM 2008), on plain arrays: trees grown on random
// subsamples by random axis-parallel splits up to a height limit, a point's path length the
// depth it reaches plus c(size) of the leaf it ends in, the anomaly score 2^(-E[h] / c(psi)).
// A tree is stored as a complete binary tree in heap order (node i's children are 2i+1 and
// 2i+2), so a forest is three flat arrays whose size follows from the subsample alone.

/** Euler-Mascheroni constant, for the harmonic number H(i) ~ ln(i) + gamma. */
const EULER_GAMMA = 0.5772156649015329;

/** Node kinds in `feature`: a split's feature index is >= 0. */
export const LEAF = -1;
export const UNUSED = -2;

/**
 * c(n): the average path length of an unsuccessful search in a binary search tree of n points,
 * 2 H(n-1) - 2 (n-1) / n with H(i) ~ ln(i) + gamma; c(2) = 1 and c(n <= 1) = 0 exactly
 * (the 2012 journal version's definition: the approximation is poor below 3).
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** The height limit ceil(log2 psi): the average tree height, past which isolation is not needed. */
export function heightLimit(psi: number): number {
  return Math.max(0, Math.ceil(Math.log2(psi)));
}

/** Nodes of a complete tree of height limit(psi). */
export function nodesPerTree(psi: number): number {
  return 2 ** (heightLimit(psi) + 1) - 1;
}

/** A forest's arrays, trees * nodes each, heap order per tree. */
export interface Forest {
  trees: number;
  nodes: number;
  /** Split feature, or LEAF / UNUSED. */
  feature: Float64Array;
  /** Split value: a point goes left when its feature is < it. */
  threshold: Float64Array;
  /** Training points that reached the node (a leaf's size feeds c()). */
  size: Float64Array;
  /** The subsample size the trees were grown on: c(psi) normalises the score. */
  psi: number;
}

/**
 * Grows tree `t` of `forest` on the points `sample` (indices into `x`, `dim` features each)
 * with uniform random numbers from `u` (2 per node at most, consumed in order). A node splits
 * on a feature drawn uniformly among those not constant on its points (a constant one cannot
 * isolate anything), at a value uniform in (min, max); it is a leaf at the height limit, with
 * one point, or when every feature is constant there.
 */
export function growTree(forest: Forest, t: number, x: ArrayLike<number>, dim: number, sample: Int32Array, u: ArrayLike<number>): void {
  const { nodes } = forest;
  const limit = heightLimit(forest.psi);
  const base = t * nodes;
  forest.feature.fill(UNUSED, base, base + nodes);
  forest.threshold.fill(0, base, base + nodes);
  forest.size.fill(0, base, base + nodes);
  let next = 0;
  const lo = new Float64Array(dim), hi = new Float64Array(dim);
  const open = new Int32Array(dim);
  // Depth-first with explicit ranges over one index array, partitioned in place per split.
  const idx = Int32Array.from(sample);
  const stack: [node: number, from: number, to: number, depth: number][] = [[0, 0, idx.length, 0]];
  while (stack.length) {
    const [node, from, to, depth] = stack.pop()!;
    const n = to - from;
    forest.size[base + node] = n;
    forest.feature[base + node] = LEAF;
    if (depth >= limit || n <= 1) continue;
    lo.fill(Infinity);
    hi.fill(-Infinity);
    for (let i = from; i < to; i++) {
      const row = idx[i] * dim;
      for (let j = 0; j < dim; j++) {
        const v = x[row + j];
        if (v < lo[j]) lo[j] = v;
        if (v > hi[j]) hi[j] = v;
      }
    }
    let candidates = 0;
    for (let j = 0; j < dim; j++) if (hi[j] > lo[j]) open[candidates++] = j;
    if (!candidates) continue;
    if (next + 2 > u.length) throw new Error(`iforest: tree ${t} needs more than the ${u.length} random numbers given`);
    const f = open[Math.min(candidates - 1, Math.floor(u[next++] * candidates))];
    let cut = lo[f] + u[next++] * (hi[f] - lo[f]);
    if (!(cut > lo[f])) cut = hi[f]; // u = 0: still a split with both sides non-empty
    forest.feature[base + node] = f;
    forest.threshold[base + node] = cut;
    let mid = from;
    for (let i = from; i < to; i++) {
      if (x[idx[i] * dim + f] < cut) {
        const s = idx[mid];
        idx[mid++] = idx[i];
        idx[i] = s;
      }
    }
    stack.push([2 * node + 2, mid, to, depth + 1], [2 * node + 1, from, mid, depth + 1]);
  }
}

/** h(x) in tree t: edges to the leaf x reaches plus c(that leaf's size). */
export function pathLength(forest: Forest, t: number, x: ArrayLike<number>, at: number): number {
  const base = t * forest.nodes;
  let node = 0, depth = 0;
  for (;;) {
    const f = forest.feature[base + node];
    if (f < 0) break;
    node = x[at + f] < forest.threshold[base + node] ? 2 * node + 1 : 2 * node + 2;
    depth++;
  }
  return depth + averagePathLength(forest.size[base + node]);
}

/** The anomaly score 2^(-E[h(x)] / c(psi)) in (0, 1]: near 1 isolates easily, below 0.5 is normal. */
export function anomalyScore(forest: Forest, x: ArrayLike<number>, at: number): number {
  let sum = 0;
  for (let t = 0; t < forest.trees; t++) sum += pathLength(forest, t, x, at);
  const c = averagePathLength(forest.psi);
  return c > 0 ? 2 ** (-(sum / forest.trees) / c) : 1;
}
