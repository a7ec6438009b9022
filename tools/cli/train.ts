// `vigil train`: fit a detector on normal data. The tail of the training data (in time order)
// is the validation set: early stopping, the per-channel error scale (each channel's mean
// validation error, lib/calibrate/error_scale.ts) and the default threshold (POT on the validation
// scores of the scaled errors) come from it; the scaler and the PCA baseline are fitted on the
// head only.
import { existsSync, readFileSync } from 'node:fs';

import { applyOutlierMask, fitOutlierMask, type OutlierMaskJSON } from '../../lib/data/outlier_mask';
import { Scaler, type ScalerKind } from '../../lib/data/scaler';
import { schemaOf } from '../../lib/data/schema';
import { timeSplit, Windows } from '../../lib/data/windows';
import { fitPca, pcaScores } from '../../lib/eval/baselines';
import { fitErrorScale, rescore } from '../../lib/calibrate/error_scale';
import { scoreWindows } from '../../lib/detect/score';
import { defaultThreshold } from '../../lib/calibrate/thresholds';
import { native } from '../../lib/binding';
import { Generator } from '../../lib/random';
import { fit } from '../../lib/train/fit';
import { fromWindows } from '../../lib/train/data';
import { pcaToJSON, saveDetector } from '../../lib/detect/detector_bundle';
import { modelKind, modelKinds } from '../../models';
import { helpText, parseFlags, UsageError } from './args';
import { DATA_FLAGS, loadSeries } from './data_args';
import { flagGiven, parseSettings, settingsOptions } from '../../models/dc_vae/settings';

const FLAGS = {
  model: { type: 'string', default: 'lstm-ae', help: `model kind: ${modelKinds().join('|')}` },
  ...DATA_FLAGS,
  config: { type: 'string', help: 'JSON file overriding the model config (sizes, window...), or a named config (dc-vae: head|may-2022)' },
  settings: { type: 'string', help: 'dc-vae: an upstream DC-VAE settings file (JSON or key = value lines); flags given override it' },
  clean: { type: 'number', default: 0, help: 'mask values beyond this many training stds and forward-fill them (0: off; upstream: 7)' },
  out: { type: 'string', help: 'where to write the trained model bundle (.vigil)' },
  window: { type: 'number', help: 'window length (default: the model config\'s)' },
  stride: { type: 'number', default: 1, help: 'rows between training windows' },
  validation: { type: 'number', default: 0.1, help: 'fraction of the data (its tail) held out for validation' },
  epochs: { type: 'number', default: 50, help: 'maximum epochs' },
  'batch-size': { type: 'number', default: 64, help: 'training batch size' },
  lr: { type: 'number', default: 1e-3, help: 'Adam learning rate' },
  patience: { type: 'number', default: 10, help: 'early stopping patience in epochs' },
  'min-delta': { type: 'number', default: 0, help: 'early stopping: the smallest validation-loss improvement that counts' },
  'clip-grad-norm': { type: 'number', default: 0, help: 'clip the global gradient norm to this before each step (0: off)' },
  scaler: { type: 'string', default: 'standard', help: 'standard|minmax|robust (fitted on training rows only)' },
  'error-scale': { type: 'string', default: 'validation', help: 'validation|none: score each channel\'s error over its mean validation error (stored in the bundle), or the raw errors' },
  seed: { type: 'number', default: 0, help: 'seed of weights and shuffling' },
  threads: { type: 'number', default: 0, help: 'native threads (0: one per core)' },
  checkpoint: { type: 'string', help: 'checkpoint file (written after each improving epoch)' },
  resume: { type: 'boolean', help: 'continue from --checkpoint after a crash' },
  log: { type: 'string', help: 'JSONL file of per-epoch losses' },
  help: { type: 'boolean', help: 'show this help' },
} as const;

export async function train(argv: string[]): Promise<void> {
  const f = parseFlags('train', argv, FLAGS);
  if (f.help) return console.log(helpText('train', 'train a detector on normal data', FLAGS));
  if (!f.out) throw new UsageError('--out is required (the model bundle to write)');
  if (!['standard', 'minmax', 'robust'].includes(f.scaler)) throw new UsageError(`--scaler must be standard, minmax or robust, got "${f.scaler}"`);
  if (!['validation', 'none'].includes(f['error-scale'])) throw new UsageError(`--error-scale must be validation or none, got "${f['error-scale']}"`);
  if (f.threads) native.setNumThreads(f.threads);
  // --settings (an upstream DC-VAE file) implies --model dc-vae and fills the flags not given.
  const kind = modelKind(f.settings && !flagGiven(argv, 'model') ? 'dc-vae' : f.model);
  if (f.settings && kind.kind !== 'dc-vae') throw new UsageError(`--settings is a DC-VAE settings file: it needs --model dc-vae, not ${kind.kind}`);

  const series = await loadSeries(f, 'train');
  const overrides = f.config ? readConfig(f.config, kind.namedConfigs ?? []) : {};
  if (f.settings) {
    const s = settingsOptions(parseSettings(readFileSync(f.settings, 'utf8'), f.settings), series.columns.length, f.settings);
    Object.assign(overrides, s.config);
    const fl = f as Record<string, unknown>;
    for (const [k, v] of Object.entries(s.flags)) if (!flagGiven(argv, k)) fl[k] = v;
    if (s.clean !== undefined && !flagGiven(argv, 'clean')) fl.clean = s.clean;
    for (const n of s.notes) console.log(`  note: ${f.settings}: ${n}`);
    if (s.rangeF1) console.log(`  note: ${f.settings}: custom_metrics = true: calibrate with --method alpha --alpha-metric range --range-bias front --range-cardinality reciprocal to match upstream`);
  }
  const { train: rawHead, validation: rawTail } = timeSplit(series, f.validation);
  // Optional cleaning: statistics of the training rows only, applied to training and validation rows.
  let cleaning: OutlierMaskJSON | undefined;
  let head = rawHead, tail = rawTail;
  if (f.clean) {
    cleaning = fitOutlierMask(rawHead, f.clean);
    const h = applyOutlierMask(rawHead, cleaning), t = applyOutlierMask(rawTail, cleaning);
    head = h.series;
    tail = t.series;
    console.log(`  cleaning: ${h.masked} training and ${t.masked} validation values beyond ${f.clean} training stds forward-filled`);
  }
  const scaler = new Scaler(f.scaler as ScalerKind).fit(head);
  const trainRows = scaler.transform(head);
  const valRows = scaler.transform(tail);

  if (f.window) overrides.window = f.window;
  const config = kind.defaultConfig(series.columns.length, overrides);
  const gen = new Generator(f.seed);
  const model = kind.create(config, gen);
  const length = model.window;
  const trainWin = new Windows(trainRows, { length, stride: f.stride });
  const valWin = new Windows(valRows, { length, stride: 1 });
  if (!trainWin.count || !valWin.count)
    throw new UsageError(`not enough rows for window ${length}: ${trainRows.rows} training and ${valRows.rows} validation rows`);
  console.log(`vigil train: ${kind.kind}, ${model.numParameters()} parameters; ${series.rows} rows x ${series.columns.length} channels from ${series.source ?? f.data}`);
  console.log(`  ${trainWin.count} training windows (length ${length}, stride ${f.stride}), ${valWin.count} validation windows (the last ${(100 * f.validation).toFixed(0)}% of rows)`);

  const result = await fit(model, fromWindows(trainWin, valWin), {
    epochs: f.epochs, batchSize: f['batch-size'], validationBatchSize: 256, lr: f.lr, patience: f.patience, minDelta: f['min-delta'],
    ...(f['clip-grad-norm'] > 0 ? { clipGradNorm: f['clip-grad-norm'] } : {}),
    generator: gen, checkpoint: f.checkpoint, resume: f.resume ? true : undefined, log: f.log,
  });

  // The error scale from the validation windows' raw channel errors, then the threshold on the
  // scores of the scaled errors (what detect computes with the bundle).
  const raw = scoreWindows(model, valWin);
  const errorScale = f['error-scale'] === 'validation' ? fitErrorScale(raw.channelErrors, valWin.channels) : undefined;
  const valScores = errorScale ? rescore(raw.channelErrors, valWin.channels, model.scoreReduction, errorScale).scores : raw.scores;
  const threshold = defaultThreshold(valScores);
  const pca = fitPca(trainRows);
  // The PCA baseline's threshold is fitted like the model's: on the validation rows' scores
  // (from the first full window on, the rows the model scores too).
  const pcaThreshold = defaultThreshold(pcaScores(pca, valRows).scores.subarray(length - 1));
  saveDetector(f.out, kind.kind, config, model, {
    schema: schemaOf(series), scaler: scaler.toJSON(), windows: { length, stride: 1 }, ...(errorScale ? { errorScale } : {}), threshold, pca: pcaToJSON(pca), pcaThreshold,
    ...(cleaning ? { cleaning } : {}),
    training: { source: series.source ?? f.data, preset: f.preset, rows: series.rows, validationFraction: f.validation, errorScale: f['error-scale'], seed: f.seed, epochs: result.history.length, bestEpoch: result.bestEpoch, bestLoss: result.bestLoss },
  });
  if (errorScale) console.log(`  error scale: each channel's mean validation error, ${Math.min(...errorScale).toPrecision(3)} to ${Math.max(...errorScale).toPrecision(3)} (scores are of error / scale)`);
  console.log(`saved ${f.out}: best validation loss ${result.bestLoss.toFixed(5)} (epoch ${result.bestEpoch}); threshold ${threshold.value.toPrecision(5)} (${threshold.method} on ${valScores.length} validation scores)`);
  model.dispose();
}

/** --config: a named config of the model kind, or a JSON file of overrides. */
function readConfig(value: string, names: string[]): Record<string, unknown> {
  if (names.includes(value) && !existsSync(value)) return { preset: value };
  if (!existsSync(value)) throw new UsageError(`--config ${value}: no such file${names.length ? ` (named configs: ${names.join(', ')})` : ''}`);
  return JSON.parse(readFileSync(value, 'utf8'));
}
