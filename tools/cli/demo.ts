// `vigil demo`: the main job on built-in data. Trains a small LSTM autoencoder on a normal
// period of a synthetic 8-channel process, fits the threshold on a normal validation tail
// (never on test labels), scores a later period with three injected faults, and prints what it
// found. Runs in well under a minute on two cores.
import { Series } from '../../lib/data/series';
import { syntheticSeries } from '../../lib/data/synthetic';
import { Windows } from '../../lib/data/windows';
import { aucRoc, pointMetrics, quantile } from '../../lib/detect/metrics';
import { noGrad } from '../../lib/autograd/grad_mode';
import { mean, square } from '../../lib/ops';
import { sub } from '../../lib/ops/elementwise';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { fromWindows } from '../../lib/train/data';
import { fit } from '../../lib/train/fit';
import { LstmAe } from '../../models/lstm_ae';
import { helpText, parseFlags } from './args';

const FLAGS = {
  epochs: { type: 'number', default: 25, help: 'training epochs' },
  seed: { type: 'number', default: 7, help: 'seed of data, weights and shuffling' },
  'train-rows': { type: 'number', default: 4000, help: 'rows of the normal period' },
  'test-rows': { type: 'number', default: 2000, help: 'rows of the period with faults' },
  help: { type: 'boolean', help: 'show this help' },
} as const;

const WINDOW = 32;
const CHANNELS = 8;

/** Mean squared reconstruction error of each window. */
function windowScores(model: LstmAe, w: Windows): Float32Array {
  const scores = new Float32Array(w.count);
  model.eval();
  noGrad(() => {
    for (let b = 0; b < w.count; b += 256)
      tidy(() => {
        const idx = Int32Array.from({ length: Math.min(256, w.count - b) }, (_, i) => b + i);
        const x = Tensor.fromArray(w.batch(idx), [idx.length, w.length, w.channels]);
        const err = mean(square(sub(model.forward(x), x)), [1, 2]);
        scores.set(err.toArray(), b);
      });
  });
  return scores;
}

const asSeries = (s: { data: Float32Array; rows: number }): Series =>
  ({ columns: Array.from({ length: CHANNELS }, (_, c) => `ch${c}`), data: s.data, rows: s.rows });

function standardise(data: Float32Array, channels: number, meanV: Float64Array, stdV: Float64Array): void {
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - meanV[i % channels]) / stdV[i % channels];
}

export async function demo(argv: string[]): Promise<void> {
  const f = parseFlags('demo', argv, FLAGS);
  if (f.help) return console.log(helpText('demo', 'train and run a detector on built-in data', FLAGS));
  const t0 = Date.now();
  const train = syntheticSeries(f['train-rows'], CHANNELS, { plantSeed: f.seed, noiseSeed: f.seed + 1 });
  const test = syntheticSeries(f['test-rows'], CHANNELS, { plantSeed: f.seed, noiseSeed: f.seed + 2, start: f['train-rows'], faults: true });

  // Scaler from the training period only.
  const mu = new Float64Array(CHANNELS), sd = new Float64Array(CHANNELS);
  for (let i = 0; i < train.data.length; i++) mu[i % CHANNELS] += train.data[i] / train.rows;
  for (let i = 0; i < train.data.length; i++) sd[i % CHANNELS] += (train.data[i] - mu[i % CHANNELS]) ** 2 / train.rows;
  sd.forEach((v, c) => (sd[c] = Math.sqrt(v) || 1));
  standardise(train.data, CHANNELS, mu, sd);
  standardise(test.data, CHANNELS, mu, sd);

  // Windows inside the first 85% train; the tail is the validation set for the threshold.
  const split = Math.floor(train.rows * 0.85);
  const trainWindows = new Windows(asSeries(train), { length: WINDOW, segments: [[0, split]] });
  const valWindows = new Windows(asSeries(train), { length: WINDOW, segments: [[split, train.rows]] });

  const gen = new Generator(f.seed);
  const model = new LstmAe({ inputs: CHANNELS, window: WINDOW, encoder: [32, 16], latent: 8, decoderDense: 16, decoder: [16, 32], bnMomentum: 0.01, bnEps: 1e-3 }, gen);
  console.log(`vigil demo: ${CHANNELS}-channel synthetic process, ${train.rows} normal rows to train on, ${test.rows} rows with ${test.faults.length} injected faults to score`);
  console.log(`model: LSTM autoencoder, ${model.numParameters()} parameters, window ${WINDOW}`);

  // Shuffling draws from the generator that initialised the weights; the weights of the epoch
  // with the best validation loss are kept.
  await fit(model, fromWindows(trainWindows, valWindows), {
    epochs: f.epochs, batchSize: 64, validationBatchSize: 256, lr: 2e-3, generator: gen,
  });

  // Threshold: the 99.5% quantile of validation scores (normal data only).
  const threshold = quantile(windowScores(model, valWindows), 0.995);
  const windowScore = windowScores(model, new Windows(asSeries(test), { length: WINDOW }));
  // A step's score is that of the window ending at it; the first WINDOW-1 steps have none.
  const labels = test.labels.subarray(WINDOW - 1);
  const flags = windowScore.map((s) => (s > threshold ? 1 : 0));
  const m = pointMetrics(flags, labels);
  console.log(`\nthreshold ${threshold.toFixed(4)} (99.5% of validation scores, fitted without test labels)`);
  console.log(`AUC-ROC ${aucRoc(windowScore, labels).toFixed(3)}   precision ${m.precision.toFixed(3)}   recall ${m.recall.toFixed(3)}   F1 ${m.f1.toFixed(3)}   false alarms ${m.fp} steps`);
  console.log('\nfault                 channel  start  length  detected  delay (steps)');
  let found = 0;
  for (const fault of test.faults) {
    let delay = -1;
    for (let t = fault.start; t < fault.start + fault.length; t++) {
      const k = t - (WINDOW - 1);
      if (k >= 0 && flags[k]) {
        delay = t - fault.start;
        break;
      }
    }
    if (delay >= 0) found++;
    console.log(`${fault.kind.padEnd(22)}${String(fault.channel).padStart(7)}${String(fault.start).padStart(7)}${String(fault.length).padStart(8)}${(delay >= 0 ? 'yes' : 'no').padStart(10)}${(delay >= 0 ? String(delay) : '-').padStart(15)}`);
  }
  console.log(`\n${found}/${test.faults.length} faults detected in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  model.dispose();
}
