// The knn model's config: what its fields mean (kind.ts checks them, model.ts and onnx.ts read them).
export type KnnScore = 'kth' | 'mean' | 'lof';
export const KNN_SCORES: readonly KnnScore[] = ['kth', 'mean', 'lof'];

export interface KnnConfig {
  /** Channels per row. */
  inputs: number;
  /** Rows per sample, flattened to one vector of window * inputs values. */
  window: number;
  /** Neighbours a score looks at. */
  k: number;
  /** kth: distance to the k-th nearest; mean: mean distance to the k nearest; lof: local outlier factor. */
  score: KnnScore;
  /** Most training windows kept as the reference (a time-stratified, seeded subsample beyond it). */
  reference: number;
}
