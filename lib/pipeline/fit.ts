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
// Nothing here sees test data or labels.
import { applyOutlierMask, fitOutlierMask, type OutlierMaskJSON } from '../data/outlier_mask';
import { contextRows, samplesOf, type Samples } from '../data/representation';
import { Scaler, type ScalerKind } from '../data/scaler';
import { schemaOf } from '../data/schema';
import type { Series } from '../data/series';
import type { TabularInput } from '../data/tabular_input';
import { timeSplit } from '../data/windows';
import { fitErrorScale, rescore } from '../calibrate/error_scale';
import { defaultThreshold, type Threshold } from '../calibrate/thresholds';
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

/** Trains a model of `kind` on scaled training rows, calibrated on scaled validation rows. */
export async function fitModel(kind: string | ModelKind, train: Series, validation: Series, opts: FitModelOptions = {}): Promise<FittedModel> {
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
      generator: gen, checkpoint: o.checkpoint, resume: o.resume ? true : undefined, log: o.log,
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
    const threshold = defaultThreshold(validationScores);
    const fitted: FittedModel = { kind: k, config, model, context, training, validation: valSamples, result, errorScale, threshold, validationScores };
    if (opts.baseline !== false) {
      fitted.pca = fitPca(train);
      // Fitted like the model's: on the validation rows' scores from the first full context on.
      fitted.pcaThreshold = defaultThreshold(pcaScores(fitted.pca, validation).scores.subarray(context - 1));
    }
    return fitted;
  } catch (e) {
    model.dispose();
    throw e;
  }
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
  /** Called with one line per step worth telling (split, cleaning, sizes). */
  onInfo?: (line: string) => void;
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
  const fitted = await fitModel(kind, scaler.transform(head), scaler.transform(tail), opts);
  const { model, context, result, errorScale, threshold } = fitted;
  const detectorInfo: DetectorInfo = {
    schema: schemaOf(series), scaler: scaler.toJSON(), windows: { length: context, stride: 1 }, ...(errorScale ? { errorScale } : {}), threshold,
    ...(fitted.pca ? { pca: pcaToJSON(fitted.pca), pcaThreshold: fitted.pcaThreshold } : {}),
    ...(cleaning ? { cleaning } : {}),
    ...(opts.tabular ? { tabular: opts.tabular } : {}),
    training: {
      source: opts.source ?? series.source, preset: opts.preset, rows: series.rows,
      ...(opts.validationData ? { validationRows: opts.validationData.rows } : { validationFraction }), errorScale: errorScale ? 'validation' : 'none',
      seed: opts.seed ?? TRAIN_DEFAULTS.seed, epochs: result.history.length, bestEpoch: result.bestEpoch, bestLoss: result.bestLoss,
    },
  };
  return { kind: kind.kind, config: fitted.config, model, info: detectorInfo, fitted };
}

/** Writes a fitted detector as one model bundle (lib/detect/detector_bundle.ts). */
export function saveFitted(path: string, d: LoadedDetector): void {
  saveDetector(path, d.kind, d.config, d.model, d.info);
}
