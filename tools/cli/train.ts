// `vigil train`: fit a detector on normal data. The tail of the training data (in time order)
// is the validation set: early stopping and the default threshold (POT on validation scores)
// come from it; the scaler and the PCA baseline are fitted on the head only.
import { readFileSync } from 'node:fs';

import { Scaler, type ScalerKind } from '../../lib/data/scaler';
import { schemaOf } from '../../lib/data/schema';
import { timeSplit, Windows } from '../../lib/data/windows';
import { fitPca, pcaScores } from '../../lib/detect/baselines';
import { scoreWindows } from '../../lib/detect/score';
import { defaultThreshold } from '../../lib/detect/thresholds';
import { native } from '../../lib/binding';
import { Generator } from '../../lib/random';
import { fit } from '../../lib/train/fit';
import { fromWindows } from '../../lib/train/data';
import { pcaToJSON, saveDetector } from '../../models/detector_bundle';
import { MODEL_KINDS, modelKind } from '../../models';
import { helpText, parseFlags, UsageError } from './args';
import { DATA_FLAGS, loadSeries } from './data_args';

const FLAGS = {
  model: { type: 'string', default: 'lstm-ae', help: `model kind: ${Object.keys(MODEL_KINDS).join('|')}` },
  ...DATA_FLAGS,
  config: { type: 'string', help: 'JSON file overriding the model config (sizes, window...)' },
  out: { type: 'string', help: 'where to write the trained model bundle (.vigil)' },
  window: { type: 'number', help: 'window length (default: the model config\'s)' },
  stride: { type: 'number', default: 1, help: 'rows between training windows' },
  validation: { type: 'number', default: 0.1, help: 'fraction of the data (its tail) held out for validation' },
  epochs: { type: 'number', default: 50, help: 'maximum epochs' },
  'batch-size': { type: 'number', default: 64, help: 'training batch size' },
  lr: { type: 'number', default: 1e-3, help: 'Adam learning rate' },
  patience: { type: 'number', default: 10, help: 'early stopping patience in epochs' },
  scaler: { type: 'string', default: 'standard', help: 'standard|minmax|robust (fitted on training rows only)' },
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
  if (f.threads) native.setNumThreads(f.threads);
  const kind = modelKind(f.model);

  const series = await loadSeries(f, 'train');
  const { train: head, validation: tail } = timeSplit(series, f.validation);
  const scaler = new Scaler(f.scaler as ScalerKind).fit(head);
  const trainRows = scaler.transform(head);
  const valRows = scaler.transform(tail);

  const overrides = f.config ? JSON.parse(readFileSync(f.config, 'utf8')) : {};
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
    epochs: f.epochs, batchSize: f['batch-size'], validationBatchSize: 256, lr: f.lr, patience: f.patience,
    generator: gen, checkpoint: f.checkpoint, resume: f.resume ? true : undefined, log: f.log,
  });

  const valScores = scoreWindows(model, valWin).scores;
  const threshold = defaultThreshold(valScores);
  const pca = fitPca(trainRows);
  // The PCA baseline's threshold is fitted like the model's: on the validation rows' scores
  // (from the first full window on, the rows the model scores too).
  const pcaThreshold = defaultThreshold(pcaScores(pca, valRows).scores.subarray(length - 1));
  saveDetector(f.out, kind.kind, config, model, {
    schema: schemaOf(series), scaler: scaler.toJSON(), windows: { length, stride: 1 }, threshold, pca: pcaToJSON(pca), pcaThreshold,
    training: { source: series.source ?? f.data, preset: f.preset, rows: series.rows, validationFraction: f.validation, seed: f.seed, epochs: result.history.length, bestEpoch: result.bestEpoch, bestLoss: result.bestLoss },
  });
  console.log(`saved ${f.out}: best validation loss ${result.bestLoss.toFixed(5)} (epoch ${result.bestEpoch}); threshold ${threshold.value.toPrecision(5)} (${threshold.method} on ${valScores.length} validation scores)`);
  model.dispose();
}
