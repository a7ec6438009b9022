// Calibration: thresholds fitted on training or validation data only (POT/GPD, quantile,
// mean-std, budgets, labelled-validation rules, Hundman et al.'s dynamic threshold), the
// per-channel error scale and per-channel alphas.
export * from './thresholds';
export { fitGpd, gpdTailQuantile, type GpdFit } from './gpd';
export { fitErrorScale, rescore, ERROR_SCALE_FLOOR } from './error_scale';
export { registerCalibrator, calibrator, calibratorNames, calibratorOptions, runCalibrator, type Calibrator, type CalibrationData, type CalibrationResult } from './calibrators';
export { alphasFromJSON, alphasToJSON, type Alphas, type AlphasJSON, type GaussianRows } from './alpha';
export {
  anomalousSequences, DynamicThresholdState, dynamicFlags, dynamicRuleOf, ewma, judgeWindow, pruneSequences, windowThreshold,
  type DynamicThresholdRule, type DynamicThresholdStateJSON,
} from '../eval/dynamic_threshold';
