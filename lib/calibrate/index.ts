// Calibration: thresholds fitted on training or validation data only (POT/GPD, quantile,
// mean-std, budgets, labelled-validation rules), the per-channel error scale and per-channel
// alphas.
export * from './thresholds';
export { fitGpd, gpdTailQuantile, type GpdFit } from './gpd';
export { fitErrorScale, rescore, ERROR_SCALE_FLOOR } from './error_scale';
export { registerCalibrator, calibrator, calibratorNames, calibratorOptions, runCalibrator, type Calibrator, type CalibrationData, type CalibrationResult } from './calibrators';
export { alphasFromJSON, alphasToJSON, type Alphas, type AlphasJSON, type GaussianRows } from './alpha';
