// Fitting a detector on normal data: what `vigil train`, the demo and a service call.
//   fitDetector(series, options): split in time order (the tail is validation) unless the
//   caller gives validation rows (a tabular protocol's normal-only split), optional cleaning and
//   the scaler on the training rows only, then fitModel.
//   lr and batchSize: lib/train's fit gets the caller's or 1e-3 and 64; a kind whose config
//   carries its own `lr` / `batchSize` (a training loop of its own, e.g. ALAD's) keeps its
//   config's unless the caller gives them, which then go into the config (and the bundle).
//   fitModel(kind, train, validation, options): on already scaled rows, build the model's input
//   samples, train (the kind's own loop or lib/train's fit), fit the per-channel error scale on
//   the validation samples' raw errors, the threshold (POT) on the validation scores of the
//   scaled errors, and the PCA baseline with its threshold on the same rows.
// Training's result is never lost to a threshold: fitDetector with `out` writes the bundle as
// soon as the model is trained (its threshold provisional: the largest validation score, marked
// so), then fits the default threshold and rewrites it. When that fit fails (POT with too few
// exceedances over tied scores, say) the bundle stays on disk with the provisional threshold and
// a ThresholdFitError names the method, why, and how to fit another (`vigil calibrate`).
// Nothing here sees test data or labels.
import { applyOutlierMask, fitOutlierMask, type OutlierMaskJSON } from '../data/outlier_mask';
import { contextRows, samplesOf, type Samples } from '../data/representation';
import { Scaler, type ScalerKind } from '../data/scaler';
import { schemaOf } from '../data/schema';
import type { Series } from '../data/series';
import type { TabularInput } from '../data/tabular_input';
import { timeSplit } from '../data/windows';
import { fitErrorScale, rescore } from '../calibrate/error_scale';
import { defaultThreshold, quantileThreshold, type Threshold } from '../calibrate/thresholds';
import { pcaToJSON, saveDetector, type DetectorInfo, type LoadedDetector } from '../detect/detector_bundle';
import { scoreWindows } from '../detect/score';
import { fitPca, pcaScores, type PcaModel } from '../eval/baselines';
import { checkScores, inputOf, modelKind, type AnomalyModel, type ModelKind } from '../model';
import { UsageError } from '../options';
import { Generator } from '../random';
import { fromSources } from '../train/data';
import { fit, type FitOptions, type FitResult } from '../train/fit';

/** How the model is trained (lib/train/fit's options of the same names). */
export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  patience?: number;
  minDelta?: number;
  clipGradNorm?: number;
  /** Seeds the weights and the shuffling (default 0). */
  seed?: number;
  /** Rows between training samples (default 1). */
  stride?: number;
  checkpoint?: string;
  resume?: boolean;
  /** JSONL file of per-epoch losses. */
  log?: string;
  /** fit's progress bar (default: on a terminal). */
  progress?: FitOptions['progress'];
  onEpoch?: FitOptions['onEpoch'];
  /** Aborts training between batches. */
  signal?: AbortSignal;
  /** Called once the model and its samples exist, before training starts. */
  onStart?: (what: { model: AnomalyModel; training: Samples; validation: Samples; context: number }) => void;
}

export interface FitModelOptions extends TrainOptions {
  /** Overrides of the kind's default config (may name a config: { preset }). */
  config?: Record<string, unknown>;
  /** Fit the per-channel error scale on the validation samples (default true). */
  errorScale?: boolean;
  /** Fit the PCA baseline and its threshold (default true). */
  baseline?: boolean;
}

export interface FittedModel {
  kind: ModelKind;
  config: unknown;
  model: AnomalyModel;
  /** Rows one sample spans. */
  context: number;
  training: Samples;
  validation: Samples;
  result: FitResult;
  errorScale?: number[];
  threshold: Threshold;
  /** Validation scores the threshold was fitted on (of the scaled errors). */
  validationScores: Float32Array;
  pca?: PcaModel;
  pcaThreshold?: Threshold;
}

const TRAIN_DEFAULTS = { epochs: 50, batchSize: 64, lr: 1e-3, patience: 10, minDelta: 0, seed: 0, stride: 1 };

/**
 * The default threshold could not be fitted on the validation scores. `method` is the
 * calibrator that failed (e.g. pot), `reason` its own words (with the numbers), `scores` how many
 * validation scores it had; `saved` is the bundle written before the fit (fitDetector's `out`),
 * whose threshold is the provisional one.
 */
export class ThresholdFitError extends Error {
  constructor(readonly method: string, readonly reason: string, readonly scores: number, readonly saved?: string) {
    super(`the default threshold (${method}) could not be fitted on the ${scores} validation scores: ${reason}` + (saved
      ? `; the trained model is saved in ${saved}, with a provisional threshold (the largest validation score)`
      : '; fit the threshold with another method (lib/pipeline calibrateDetector, vigil calibrate)'));
    this.name = 'ThresholdFitError';
  }
}

/** A trained model before its thresholds: what fitModel has once training and the error scale are done. */
type TrainedModel = Omit<FittedModel, 'threshold' | 'pcaThreshold'>;

/** Trains a model of `kind` on scaled training rows, calibrated on scaled validation rows. */
export async function fitModel(kind: string | ModelKind, train: Series, validation: Series, opts: FitModelOptions = {}): Promise<FittedModel> {
  const trained = await trainModel(kind, train, validation, opts);
  try {
    return fitThresholds(trained, validation);
  } catch (e) {
    trained.model.dispose();
    throw e;
  }
}

/** fitModel up to its thresholds: the model trained, its validation scores and error scale, the PCA baseline fitted. */
async function trainModel(kind: string | ModelKind, train: Series, validation: Series, opts: FitModelOptions): Promise<TrainedModel> {
  const k = typeof kind === 'string' ? modelKind(kind) : kind;
  const o = { ...TRAIN_DEFAULTS, ...given(opts) };
  const config = configWithTraining(k, train.columns.length, opts);
  const gen = new Generator(o.seed);
  const model = k.create(config, gen);
  try {
    checkScores(k.kind, model);
    const input = inputOf(model);
    const context = contextRows(input);
    const training = samplesOf(input, train, o.stride);
    const valSamples = samplesOf(input, validation, 1);
    if (!training.count || !valSamples.count)
      throw new UsageError(`not enough rows for window ${context}: ${train.rows} training and ${validation.rows} validation rows`);
    const data = fromSources(training.sampleShape, training, valSamples);
    opts.onStart?.({ model, training, validation: valSamples, context });
    const fitOptions: FitOptions<AnomalyModel> = {
      epochs: o.epochs, batchSize: o.batchSize, validationBatchSize: 256, lr: o.lr, patience: o.patience, minDelta: o.minDelta,
      ...(o.clipGradNorm && o.clipGradNorm > 0 ? { clipGradNorm: o.clipGradNorm } : {}),
      generator: gen, checkpoint: o.checkpoint, resume: o.resume ? 'if-exists' : undefined, log: o.log,
      ...(o.progress !== undefined ? { progress: o.progress } : {}),
      ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    };
    const result = k.fit ? await k.fit(model, data, fitOptions) : await fit(model, data, fitOptions);

    // The error scale from the validation samples' raw channel errors, then the threshold on the
    // scores of the scaled errors (what scoring computes with the bundle).
    const raw = scoreWindows(model, valSamples);
    // A model's own score (model.scores) is used as it is: there is no per-channel error to scale.
    const errorScale = opts.errorScale === false || model.scores ? undefined : fitErrorScale(raw.channelErrors, valSamples.channels);
    const validationScores = errorScale ? rescore(raw.channelErrors, valSamples.channels, model.scoreReduction, errorScale).scores : raw.scores;
    const trained: TrainedModel = { kind: k, config, model, context, training, validation: valSamples, result, errorScale, validationScores };
    if (opts.baseline !== false) trained.pca = fitPca(train);
    return trained;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * The default threshold (lib/calibrate defaultThreshold: POT) on the validation scores, and the
 * PCA baseline's on its own; a failure of the model's is a ThresholdFitError (`saved`: where the
 * bundle already is).
 */
function fitThresholds(t: TrainedModel, validation: Series, info?: (line: string) => void): FittedModel {
  const pcaThreshold = pcaThresholdOf(t, validation, info);
  return { ...t, threshold: defaultOrError(t.validationScores), ...(pcaThreshold ? { pcaThreshold } : {}) };
}

/** The PCA baseline's default threshold; a failure leaves it a provisional one (said through `info`), never failing the detector. */
function pcaThresholdOf(t: TrainedModel, validation: Series, info: (line: string) => void = () => {}): Threshold | undefined {
  if (!t.pca) return undefined;
  // Fitted like the model's: on the validation rows' scores from the first full context on.
  const scores = pcaScores(t.pca, validation).scores.subarray(t.context - 1);
  try {
    return defaultThreshold(scores);
  } catch (e) {
    info(`PCA baseline: ${(e as Error).message}; its threshold is provisional (the largest validation score) until calibrate fits one`);
    return provisionalThreshold(scores, (e as Error).message);
  }
}

function defaultOrError(scores: Float32Array, saved?: string): Threshold {
  try {
    return defaultThreshold(scores);
  } catch (e) {
    const message = (e as Error).message;
    const method = /^([\w-]+): /.exec(message)?.[1] ?? 'default';
    const distinct = new Set(scores).size;
    const ties = distinct < scores.length ? ` (the ${scores.length} scores hold ${distinct} distinct values: ties)` : '';
    throw new ThresholdFitError(method, message.replace(/^[\w-]+: /, '') + ties, scores.length, saved);
  }
}

/**
 * The threshold a bundle holds until its own is fitted: the largest validation score (the 1.0
 * quantile: flags nothing validation saw), marked provisional, with the failure that left it.
 */
function provisionalThreshold(scores: Float32Array, reason: string): Threshold {
  const t = quantileThreshold(scores, 1);
  return { ...t, params: { ...t.params, provisional: true, reason } };
}

/** The options that are set (an explicit undefined does not hide a default). */
function given<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The kind's config; the caller's lr / batchSize go into it when it has fields of those names. */
function configWithTraining(k: ModelKind, inputs: number, opts: FitModelOptions): unknown {
  const base = k.defaultConfig(inputs, opts.config ?? {}) as Record<string, unknown>;
  const own = given({ lr: opts.lr, batchSize: opts.batchSize });
  const into = Object.fromEntries(Object.entries(own).filter(([name]) => typeof base?.[name] === 'number'));
  return Object.keys(into).length ? k.defaultConfig(inputs, { ...(opts.config ?? {}), ...into }) : base;
}

export interface FitDetectorOptions extends FitModelOptions {
  /** Model kind (registered by models/). */
  kind: string;
  /** Fraction of the rows (their tail) held out for validation (default 0.1); unused with validationData. */
  validation?: number;
  /** Held-out normal rows to validate on (a tabular protocol's validation part) instead of the tail of `series`. */
  validationData?: Series;
  /** Tabular rows: how they were read and encoded (kept in the bundle, reapplied at scoring). */
  tabular?: TabularInput;
  /** Mask values beyond this many training stds and forward-fill them (0 or absent: off). */
  clean?: number;
  scaler?: ScalerKind;
  /** Recorded in the bundle's training section. */
  source?: string;
  preset?: string;
  /**
   * Recorded in the training section too: how the rows were read, as the CLI's data flags
   * (timestamp, label, ...), which calibrate, detect and evaluate reapply to later data.
   */
  dataFlags?: Record<string, string | boolean>;
  /** Called with one line per step worth telling (split, cleaning, sizes). */
  onInfo?: (line: string) => void;
  /**
   * Where to write the bundle (atomically). It is written as soon as the model is trained, with
   * a provisional threshold, and again once the thresholds are fitted; a threshold failure then
   * leaves the trained model on disk (ThresholdFitError.saved).
   */
  out?: string;
}

export interface FittedDetector extends LoadedDetector {
  fitted: FittedModel;
}

/** Fits a whole detector on normal rows: scaler, model, error scale, thresholds, PCA baseline. */
export async function fitDetector(series: Series, opts: FitDetectorOptions): Promise<FittedDetector> {
  const info = opts.onInfo ?? (() => {});
  const validationFraction = opts.validation ?? 0.1;
  const scalerKind = opts.scaler ?? 'standard';
  if (!['standard', 'minmax', 'robust'].includes(scalerKind)) throw new UsageError(`--scaler must be standard, minmax or robust, got "${scalerKind}"`);
  const kind = modelKind(opts.kind);
  const { train: rawHead, validation: rawTail } = opts.validationData ? { train: series, validation: opts.validationData } : timeSplit(series, validationFraction);
  // Optional cleaning: statistics of the training rows only, applied to training and validation rows.
  let cleaning: OutlierMaskJSON | undefined;
  let head = rawHead, tail = rawTail;
  if (opts.clean) {
    cleaning = fitOutlierMask(rawHead, opts.clean);
    const h = applyOutlierMask(rawHead, cleaning), t = applyOutlierMask(rawTail, cleaning);
    head = h.series;
    tail = t.series;
    info(`cleaning: ${h.masked} training and ${t.masked} validation values beyond ${opts.clean} training stds forward-filled`);
  }
  const scaler = new Scaler(scalerKind).fit(head);
  const validation = scaler.transform(tail);
  const trained = await trainModel(kind, scaler.transform(head), validation, opts);
  const { model, context, result, errorScale } = trained;
  const infoOf = (threshold: Threshold, pcaThreshold?: Threshold): DetectorInfo => ({
    schema: schemaOf(series), scaler: scaler.toJSON(), windows: { length: context, stride: 1 }, ...(errorScale ? { errorScale } : {}), threshold,
    ...(trained.pca ? { pca: pcaToJSON(trained.pca), ...(pcaThreshold ? { pcaThreshold } : {}) } : {}),
    ...(cleaning ? { cleaning } : {}),
    ...(opts.tabular ? { tabular: opts.tabular } : {}),
    training: {
      source: opts.source ?? series.source, preset: opts.preset, rows: series.rows,
      ...(opts.validationData ? { validationRows: opts.validationData.rows } : { validationFraction }), errorScale: errorScale ? 'validation' : 'none',
      seed: opts.seed ?? TRAIN_DEFAULTS.seed, epochs: result.history.length, bestEpoch: result.bestEpoch, bestLoss: result.bestLoss,
      ...(opts.dataFlags && Object.keys(opts.dataFlags).length ? { dataFlags: opts.dataFlags } : {}),
    },
  });
  const save = (i: DetectorInfo) => opts.out && saveDetector(opts.out, kind.kind, trained.config, model, i);
  let threshold: Threshold, pcaThreshold: Threshold | undefined;
  try {
    // Saved before any threshold is fitted, so that no threshold failure loses the training.
    save(infoOf(provisionalThreshold(trained.validationScores, 'written before the threshold fit')));
    pcaThreshold = pcaThresholdOf(trained, validation, info);
    try {
      threshold = defaultOrError(trained.validationScores, opts.out);
    } catch (e) {
      if (e instanceof ThresholdFitError) save(infoOf(provisionalThreshold(trained.validationScores, `${e.method}: ${e.reason}`), pcaThreshold));
      throw e;
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  const fitted: FittedModel = { ...trained, threshold, ...(pcaThreshold ? { pcaThreshold } : {}) };
  const detectorInfo = infoOf(threshold, pcaThreshold);
  save(detectorInfo);
  return { kind: kind.kind, config: fitted.config, model, info: detectorInfo, fitted };
}

/** Writes a fitted detector as one model bundle (lib/detect/detector_bundle.ts). */
export function saveFitted(path: string, d: LoadedDetector): void {
  saveDetector(path, d.kind, d.config, d.model, d.info);
}
