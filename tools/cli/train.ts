// `vigil train`: fit a detector on normal data (lib/pipeline fitDetector) and save its bundle.
// The tail of the training data (in time order) is the validation set: early stopping, the
// per-channel error scale and the default threshold (POT on the validation scores of the scaled
// errors) come from it; the scaler and the PCA baseline are fitted on the head only.
// Tabular presets (kddcup99, arrhythmia, tabular) split by a one-class protocol instead: the
// honest protocol's normal-only validation part is the validation set, and the bundle keeps the
// one-hot vocabulary, the unseen-category policy and the split (lib/data/tabular_input.ts).
// --lr and --batch-size go to lib/train's fit (default 1e-3, 64); a kind whose config has its own
// (alad: 1e-5, 50) keeps them unless the flags are given, which then go into its config.
import { existsSync, readFileSync } from 'node:fs';

import { native } from '../../lib/binding';
import { modelKind, modelKinds, type ModelKind } from '../../lib/model';
import { fitDetector, ThresholdFitError, type FittedDetector } from '../../lib/pipeline/fit';
import type { FitResult } from '../../lib/train/fit';
import { MODEL_KINDS } from '../../models';
import { flagArgs, flagGiven, flagsOf, helpText, parseFlags, RANGE, UsageError, type FlagSpec } from './args';
import { loadTrainingData } from '../../lib/data/load';
import { DATA_FLAGS, dataSource, unseenNote } from './data_args';
import { ESTIMATE_AFTER_SECONDS, estimateLines, estimateRun, estimatingSink, type RunEstimate } from './estimate';
import { JSON_FLAG, Output } from './output';
import { flagsToRemember } from './remember';

/** The flags every model kind adds (e.g. --settings), once each. */
function kindFlags(): FlagSpec {
  const out: FlagSpec = {};
  for (const k of MODEL_KINDS) Object.assign(out, k.trainFlags ?? {});
  return out;
}

const namedConfigs = MODEL_KINDS.filter((k) => k.namedConfigs?.length).map((k) => `${k.kind}: ${k.namedConfigs!.join('|')}`).join('; ');

/** train's flags; the training queue's submit takes the same ones (tools/cli/train_queue_submit.ts). */
export const TRAIN_FLAGS = {
  model: { type: 'string', default: MODEL_KINDS[0].kind, help: `model kind: ${modelKinds().join('|')}` },
  ...DATA_FLAGS,
  config: { type: 'string', help: `JSON file (or inline JSON object) overriding the model config (sizes, window...), or a named config${namedConfigs ? ` (${namedConfigs})` : ''}` },
  ...kindFlags(),
  clean: { type: 'number', default: 0, help: 'mask values beyond this many training stds and forward-fill them (0: off; upstream: 7)', range: RANGE.nonNegative },
  out: { type: 'string', help: 'where to write the trained model bundle (.vigil)' },
  window: { type: 'number', help: 'window length (default: the model config\'s)', range: RANGE.count },
  stride: { type: 'number', default: 1, help: 'rows between training windows', range: RANGE.count },
  validation: { type: 'number', default: 0.1, help: 'fraction of the data (its tail) held out for validation', range: RANGE.fraction },
  epochs: { type: 'number', default: 50, help: 'maximum epochs', range: RANGE.count },
  'batch-size': { type: 'number', help: 'training batch size (default 64; a kind whose config sets batchSize keeps its own unless given)', range: RANGE.count },
  lr: { type: 'number', help: 'Adam learning rate (default 1e-3; a kind whose config sets lr keeps its own unless given)', range: RANGE.positive },
  vocabulary: { type: 'string', help: 'tabular: the one-hot vocabulary from the training rows (training, default) or from every row (all, as the ALAD code)' },
  patience: { type: 'number', default: 10, help: 'early stopping patience in epochs', range: RANGE.whole },
  'min-delta': { type: 'number', default: 0, help: 'early stopping: the smallest validation-loss improvement that counts', range: RANGE.nonNegative },
  'clip-grad-norm': { type: 'number', default: 0, help: 'clip the global gradient norm to this before each step (0: off)', range: RANGE.nonNegative },
  scaler: { type: 'string', default: 'standard', help: 'standard|minmax|robust (fitted on training rows only)' },
  'error-scale': { type: 'string', default: 'validation', help: 'validation|none: score each channel\'s error over its mean validation error (stored in the bundle), or the raw errors' },
  seed: { type: 'number', default: 0, help: 'seed of weights and shuffling', range: RANGE.whole },
  threads: { type: 'number', default: 0, help: 'native threads (0: one per core)', range: RANGE.whole },
  checkpoint: { type: 'string', help: 'checkpoint file (written after each improving epoch)' },
  resume: { type: 'boolean', help: 'continue from --checkpoint after a crash' },
  log: { type: 'string', help: 'JSONL file of per-epoch losses' },
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

/** The flags as parsed, with those the kinds add (--settings). */
export type TrainFlags = ReturnType<typeof parseFlags<typeof TRAIN_FLAGS>> & { settings?: string };

/** The kind to train: --model, or with --settings and no --model the one kind that reads settings. */
function kindOf(argv: string[], f: { model: string; settings?: string }): ModelKind {
  if (!f.settings || flagGiven(argv, 'model')) {
    const kind = modelKind(f.model);
    const readers = MODEL_KINDS.filter((k) => k.readSettings).map((k) => k.kind).join('|');
    if (f.settings && !kind.readSettings) throw new UsageError(`--settings is a ${readers} settings file: it needs --model ${readers}, not ${kind.kind}`);
    return kind;
  }
  const readers = MODEL_KINDS.filter((k) => k.readSettings);
  if (readers.length !== 1) throw new UsageError(`--settings: name the model with --model (${readers.map((k) => k.kind).join(', ')})`);
  return readers[0];
}

export async function train(argv: string[]): Promise<void> {
  const f = parseFlags('train', argv, TRAIN_FLAGS) as TrainFlags;
  if (f.help) return console.log(helpText('train', 'train a detector on normal data', TRAIN_FLAGS));
  const out = new Output(!!f.json);
  out.result(await trainWith(argv, f, out, process.stderr));
}

/**
 * One training run from parsed flags (argv: the command line they came from, for what was given
 * explicitly): the bundle goes to --out, the report lines to `out`, fit's progress to `progressTo`.
 * Returns what `vigil train --json` prints.
 */
export async function trainWith(argv: string[], f: TrainFlags, out: Output, progressTo: { write(s: string): unknown; isTTY?: boolean }): Promise<object> {
  if (!f.out) throw new UsageError('--out is required (the model bundle to write)');
  if (!['validation', 'none'].includes(f['error-scale'])) throw new UsageError(`--error-scale must be validation or none, got "${f['error-scale']}"`);
  if (f.threads) native.setNumThreads(f.threads);
  const kind = kindOf(argv, f);

  if (f.vocabulary !== undefined && f.vocabulary !== 'training' && f.vocabulary !== 'all') throw new UsageError(`--vocabulary must be training or all, got "${f.vocabulary}"`);
  const src = dataSource(f);
  src.tabular = { ...src.tabular, validationFraction: f.validation, ...(f.vocabulary ? { vocabulary: f.vocabulary as 'all' } : {}) };
  const { train: series, validation: validationData, tabular, unseen } = await loadTrainingData(src);
  if (unseen?.length) out.say(`  ${unseenNote(unseen, series.source ?? f.data!)}`);
  const overrides = f.config ? readConfig(f.config, kind.namedConfigs ?? []) : {};
  if (f.settings) {
    // The settings file fills the flags not given on the command line.
    const s = kind.readSettings!(readFileSync(f.settings, 'utf8'), f.settings, series.columns.length);
    Object.assign(overrides, s.config);
    const fl = f as Record<string, unknown>;
    for (const [k, v] of Object.entries(s.options)) if (!flagGiven(argv, k)) fl[k] = v;
    for (const n of s.notes) out.say(`  note: ${f.settings}: ${n}`);
  }
  if (f.window) overrides.window = f.window;
  for (const k of MODEL_KINDS)
    for (const [flag, field] of Object.entries(k.configFlags ?? {})) {
      if (!flagGiven(argv, flag)) continue;
      if (k !== kind) throw new UsageError(`--${flag} is a ${k.kind} option; the model is ${kind.kind}`);
      overrides[field] = (f as Record<string, unknown>)[flag];
    }

  // The run-time estimate: from the first training batches (enough of them to last
  // ESTIMATE_AFTER_SECONDS, so one slow batch on a busy machine does not decide it), or failing
  // that within the first epoch, from the first epoch.
  let estimate: RunEstimate | null = null;
  let samples = { training: 0, validation: 0 };
  const tell = (e: RunEstimate) => {
    estimate = e;
    for (const line of estimateLines(e, { stride: f.stride, epochs: f.epochs })) out.note(`  ${line}`);
  };
  const progress = estimatingSink(progressTo, (batches, seconds, steps) => {
    if (!estimate && batches >= 5 && seconds >= ESTIMATE_AFTER_SECONDS && batches < steps)
      tell(estimateRun(seconds / batches, { steps, batchSize: samples.training / steps, validationSamples: samples.validation, epochs: f.epochs }));
  });
  let fitted: FittedDetector;
  try {
    fitted = await fitDetector(series, {
      kind: kind.kind, config: overrides, validation: f.validation, validationData, tabular, clean: f.clean, scaler: f.scaler as 'standard',
      errorScale: f['error-scale'] === 'validation', epochs: f.epochs, batchSize: f['batch-size'], lr: f.lr, patience: f.patience,
      minDelta: f['min-delta'], clipGradNorm: f['clip-grad-norm'], seed: f.seed, stride: f.stride, checkpoint: f.checkpoint,
      resume: f.resume, log: f.log, source: series.source ?? f.data, preset: f.preset, out: f.out, progress,
      dataFlags: tabular ? undefined : flagsToRemember(f, argv),
      onInfo: (line) => out.say(`  ${line}`),
      onEpoch: (record) => {
        if (!estimate) tell({ seconds: record.seconds * f.epochs, epochSeconds: record.seconds, epochs: f.epochs });
      },
      onStart: ({ model, training, validation, context }) => {
        samples = { training: training.count, validation: validation.count };
        out.say(`vigil train: ${kind.kind}, ${model.numParameters()} parameters; ${series.rows} rows x ${series.columns.length} channels from ${series.source ?? f.data}`);
        if (tabular) out.say(`  tabular: ${tabular.encoder.columns.length} columns -> ${series.columns.length} inputs (one-hot vocabulary of the ${tabular.vocabulary === 'all' ? 'whole table' : 'training rows'}), protocol ${tabular.protocol}${tabular.protocol === 'none' ? '' : ` (split seed ${tabular.seed})`}, unseen categories: ${tabular.unseen}`);
        const held = validationData ? `the ${tabular!.protocol} protocol's normal-only validation part` : `the last ${(100 * f.validation).toFixed(0)}% of rows`;
        out.say(`  ${training.count} training windows (length ${context}, stride ${f.stride}), ${validation.count} validation windows (${held})`);
      },
    });
  } catch (e) {
    if (e instanceof ThresholdFitError && e.saved) {
      throw new Error(`${e.message}. Fit a threshold with another method, e.g.\n    vigil calibrate --model ${e.saved}${dataArgs(argv)} --method quantile --q 0.99\n  (vigil calibrate --help lists the methods and their options)`);
    }
    throw e;
  }
  try {
    const { errorScale, threshold, validationScores, result } = fitted.fitted;
    if (errorScale) out.say(`  error scale: each channel's mean validation error, ${Math.min(...errorScale).toPrecision(3)} to ${Math.max(...errorScale).toPrecision(3)} (scores are of error / scale)`);
    out.say(`saved ${f.out}: ${watched(result)}; threshold ${threshold.value.toPrecision(5)} (${threshold.method} on ${validationScores.length} validation scores)`);
    return {
      model: kind.kind, out: f.out, parameters: fitted.model.numParameters(), rows: series.rows, channels: series.columns.length, source: series.source ?? f.data,
      window: fitted.fitted.context, stride: f.stride, trainingWindows: samples.training, validationWindows: samples.validation,
      epochs: result.history.length, bestEpoch: result.bestEpoch, bestLoss: result.bestLoss, kept: watched(result),
      errorScale: errorScale ? { min: Math.min(...errorScale), max: Math.max(...errorScale) } : null, threshold, validationScores: validationScores.length,
      seconds: result.seconds, estimate,
    };
  } finally {
    fitted.model.dispose();
  }
}

/** The data flags of a command line, to repeat them in another command (values with spaces quoted). */
function dataArgs(argv: string[]): string {
  const out = flagArgs(flagsOf(argv, DATA_FLAGS)).map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a));
  return out.length ? ` ${out.join(' ')}` : '';
}

/**
 * What decided the kept epoch: what the training loop watched (r.watched: lib/train's fit, the
 * validation loss; fitAdversarial, the caller's validation score), or nothing (every epoch
 * counts as improving: the last is kept).
 */
function watched(r: FitResult): string {
  const best = r.history.find((h) => h.epoch === r.bestEpoch);
  if (best?.validationLoss == null)
    return `no validation criterion watched (no early stopping): the last epoch (${r.bestEpoch}) is kept, its training losses summing to ${r.bestLoss.toFixed(5)}`;
  return `best ${r.watched} ${r.bestLoss.toFixed(5)} (epoch ${r.bestEpoch})`;
}

/** --config: a named config of the model kind, a JSON file of overrides, or the JSON itself. */
function readConfig(value: string, names: string[]): Record<string, unknown> {
  if (names.includes(value) && !existsSync(value)) return { preset: value };
  // Inline JSON (`--config '{"window": 30}'`): a file name never starts with a brace here.
  if (value.trimStart().startsWith('{')) return parseConfig(value, '--config (inline JSON)');
  if (!existsSync(value)) throw new UsageError(`--config ${value}: no such file${names.length ? ` (named configs: ${names.join(', ')})` : ''}`);
  return parseConfig(readFileSync(value, 'utf8'), `--config ${value}`);
}

function parseConfig(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what}: not JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`${what}: a JSON object of config fields is expected`);
  return v as Record<string, unknown>;
}
