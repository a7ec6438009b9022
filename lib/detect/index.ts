// Detection at run time: the Detector (batch and streams, native or onnxruntime backends),
// scoring windows, and the trained detector's bundle.
export { scoreWindows, pointScores, type WindowSource, type WindowScores, type WindowScoreOptions, type Scorer } from './score';
export { saveDetector, loadDetector, pcaToJSON, pcaFromJSON, type DetectorInfo, type LoadedDetector } from './detector_bundle';
export * from './detector';
