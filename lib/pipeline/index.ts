// The detection pipeline: fit a detector on normal data, calibrate it, score a series, evaluate
// it honestly. What the CLI, the demo, the examples and users call.
export { fitDetector, fitModel, saveFitted, ThresholdFitError, type FitDetectorOptions, type FitModelOptions, type FittedDetector, type FittedModel, type TrainOptions } from './fit';
export { scoreSeries, checkScorable } from './score';
export { calibrateDetector, saveCalibration, type CalibrateOptions, type DetectorCalibration } from './calibrate';
export { evaluateDetector, evaluateScored, type DetectorEvaluation, type EvaluateDetectorOptions, type Scored } from './evaluate';
export { gaussianRowsOf, alphaRuleScorer } from './gaussian_scores';
export { gaussianModel, lastStepGaussians, type GaussianPredictor } from './gaussians';
export { evaluateRowsDetector, type EvaluateRowsOptions, type RowsEvaluation, type RowsProtocol } from './evaluate_rows';
