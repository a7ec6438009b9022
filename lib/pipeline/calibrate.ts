// Calibrating a trained detector on validation data: score it (or read its Gaussians), hand the
// rows that end a sample to a calibrator of lib/calibrate's registry, and return the bundle
// section it fitted. Label-free calibrators need only normal data; labelled ones need labelled
// VALIDATION data (never the test set, whose labels judge the result).
import { calibrator, runCalibrator, type CalibrationData, type CalibrationResult } from '../calibrate/calibrators';
import type { Series } from '../data/series';
import type { LoadedDetector } from '../detect/detector_bundle';
import { loadBundle, saveBundle } from '../io/bundle';
import { modelKind, modelKinds } from '../model';
import { UsageError } from '../options';
import { gaussianRowsOf } from './gaussian_scores';
import { scoreSeries } from './score';

export interface CalibrateOptions {
  /** 0/1 labels of the series' rows (labelled validation data). */
  labels?: Uint8Array;
  /** Per-channel 0/1 labels [rows, channels] of the series' rows. */
  channelLabels?: Uint8Array;
  /** The calibrator's options by name (its defaults for the others). */
  options?: Record<string, unknown>;
}

/** Fits calibrator `method` for the detector on `series` (which it scores). */
export function calibrateDetector(det: LoadedDetector, series: Series, method: string, opts: CalibrateOptions = {}): CalibrationResult {
  const c = calibrator(method);
  const offers = (kind: string) => (modelKind(kind).calibrators ?? []).includes(method);
  if (c.declared && !offers(det.kind))
    throw new UsageError(`--method ${method} needs ${c.requires ?? 'what this model lacks'} (${modelKinds().filter(offers).join(', ')}); this bundle holds ${det.kind}`);
  if (opts.labels && opts.labels.length !== series.rows) throw new UsageError(`--labels has ${opts.labels.length} rows, the data ${series.rows}`);
  const first = det.info.windows.length - 1; // rows before it end no sample
  const C = series.columns.length;
  let scores: Float32Array | undefined;
  const data: CalibrationData = {
    get scores() {
      return (scores ??= scoreSeries(det, series).scores.subarray(first));
    },
    labels: opts.labels?.subarray(first),
    channelLabels: opts.channelLabels?.subarray(first * C),
    gaussians: () => gaussianRowsOf(det, series)?.rows ?? null,
  };
  return runCalibrator(method, data, opts.options);
}

/** Writes the calibrated section into the bundle at `path` (or `out`), keeping everything else. */
export function saveCalibration(path: string, result: CalibrationResult, out = path): void {
  const b = loadBundle(path);
  saveBundle(out, { kind: b.kind, config: b.config, tensors: b.tensors, sections: { ...b.sections, [result.section]: result.value } });
}
