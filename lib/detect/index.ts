// Detection: thresholds, metrics, baselines, attribution and the evaluation report.
export * from './metrics';
export * from './thresholds';
export * from './baselines';
export * from './attribution';
export * from './report';
export { fitGpd, gpdTailQuantile, type GpdFit } from './gpd';
export { symmetricEigen, type SymmetricEigen } from './eigen';
export { mean, std, median } from './stats';
export { scoreWindows, pointScores, type WindowSource, type WindowScores, type WindowScoreOptions, type Scorer } from './score';
export { fitErrorScale, rescore, ERROR_SCALE_FLOOR } from './error_scale';
export { registerModelKind, modelKind, modelKinds, type AnomalyModel, type ModelKind } from './model';
export { saveDetector, loadDetector, pcaToJSON, pcaFromJSON, type DetectorInfo, type LoadedDetector } from './detector_bundle';
export * from './detector';
