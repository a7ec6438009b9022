// Calibrating a trained detector on validation data: score it (or read its Gaussians), hand the
// rows that end a sample to a calibrator of lib/calibrate's registry, and return the bundle
// section it fitted. Label-free calibrators need only normal data; labelled ones need labelled
// VALIDATION data (never the test set, whose labels judge the result).
// A threshold method also refits the PCA baseline's threshold (the bundle's pcaThreshold) on the
// same rows, so that the baseline beside the model in every report is thresholded the same way.
import { calibrator, runCalibrator, type CalibrationData, type CalibrationResult } from '../calibrate/calibrators';
import type { Threshold } from '../calibrate/thresholds';
import { Scaler } from '../data/scaler';
import type { Series } from '../data/series';
import { pcaFromJSON, type LoadedDetector } from '../detect/detector_bundle';
import { pcaScores } from '../eval/baselines';
import { loadBundle, saveBundle } from '../io/bundle';
import { modelKind, modelKinds } from '../model';
import { UsageError } from '../options';
import { gaussianRowsOf } from './gaussian_scores';
import { keptRows, windowRows } from './kept_rows';
import { scoreSeries } from './score';

export interface CalibrateOptions {
  /** 0/1 labels of the series' rows (labelled validation data). */
  labels?: Uint8Array;
  /** Per-channel 0/1 labels [rows, channels] of the series' rows. */
  channelLabels?: Uint8Array;
  /** The calibrator's options by name (its defaults for the others). */
  options?: Record<string, unknown>;
}

export interface DetectorCalibration extends CalibrationResult {
  /**
   * A threshold method on a bundle with the PCA baseline: the baseline's threshold by the same
   * method, options and rows (saved as pcaThreshold), or why it could not be fitted (the bundle's
   * old one is then kept, and reports name its method).
   */
  pca?: { threshold: Threshold } | { error: string };
}

/** Fits calibrator `method` for the detector on `series` (which it scores); a threshold method refits PCA's too. */
export function calibrateDetector(det: LoadedDetector, series: Series, method: string, opts: CalibrateOptions = {}): DetectorCalibration {
  const c = calibrator(method);
  const offers = (kind: string) => (modelKind(kind).calibrators ?? []).includes(method);
  if (c.declared && !offers(det.kind))
    throw new UsageError(`--method ${method} needs ${c.requires ?? 'what this model lacks'} (${modelKinds().filter(offers).join(', ')}); this bundle holds ${det.kind}`);
  if (opts.labels && opts.labels.length !== series.rows) throw new UsageError(`--labels has ${opts.labels.length} rows, the data ${series.rows}`);
  // The rows whose window ends no sample (the first window - 1 of each run) are left out.
  const take = keptRows(windowRows(series, det.info.windows.length), series.rows);
  const C = series.columns.length;
  let scores: Float32Array | undefined;
  const data: CalibrationData = {
    get scores() {
      return (scores ??= take.rows(scoreSeries(det, series).scores));
    },
    labels: opts.labels && take.rows(opts.labels),
    channelLabels: opts.channelLabels && take.rows(opts.channelLabels, C),
    gaussians: () => gaussianRowsOf(det, series)?.rows ?? null,
  };
  const result: DetectorCalibration = runCalibrator(method, data, opts.options);
  if (result.section !== 'threshold' || !det.info.pca) return result;
  const scaled = Scaler.fromJSON(det.info.scaler).transform(series);
  const pca: CalibrationData = { ...data, scores: take.rows(pcaScores(pcaFromJSON(det.info.pca), scaled).scores), gaussians: () => null };
  try {
    const threshold = runCalibrator(method, pca, opts.options).value as Threshold;
    result.pca = { threshold };
    result.details = [...(result.details ?? []), `PCA baseline: threshold ${threshold.value.toPrecision(5)} (${threshold.method} on the same ${pca.scores.length} rows)`];
  } catch (e) {
    result.pca = { error: (e as Error).message };
    const kept = det.info.pcaThreshold ? `keeps its threshold (${det.info.pcaThreshold.method})` : 'has no threshold';
    result.details = [...(result.details ?? []), `PCA baseline: ${(e as Error).message}; it ${kept}`];
  }
  return result;
}

/** Writes the calibrated section (and PCA's threshold, when refitted) into the bundle at `path` (or `out`), keeping everything else. */
export function saveCalibration(path: string, result: DetectorCalibration, out = path): void {
  const b = loadBundle(path);
  const pca = result.pca && 'threshold' in result.pca ? { pcaThreshold: result.pca.threshold } : {};
  saveBundle(out, { kind: b.kind, config: b.config, tensors: b.tensors, sections: { ...b.sections, [result.section]: result.value, ...pca } });
}
