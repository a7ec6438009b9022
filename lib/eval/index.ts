// Evaluation: threshold-free and thresholded metrics (VUS, AUC, point, range P/R, events),
// attribution (top channels, HitRate), the honest report, and the random and PCA baselines.
export * from './metrics';
export * from './baselines';
export * from './attribution';
export * from './report';
export { symmetricEigen, type SymmetricEigen } from './eigen';
export { mean, std, median } from './stats';
export * from './rows_report';
