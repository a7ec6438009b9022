// `vigil demo`: the main job on built-in data. Trains a small LSTM autoencoder on a normal
// period of a synthetic 8-channel process, fits the threshold on a normal validation tail
// (never on test labels), scores a later period with three injected faults, and prints what it
// found. Runs in well under a minute on two cores.
import { syntheticSeries } from '../../lib/data/synthetic';
import { aucRoc, pointMetrics, quantile } from '../../lib/detect/metrics';
import { noGrad } from '../../lib/autograd/grad_mode';
import { mseLoss } from '../../lib/ops/losses';
import { mean, square } from '../../lib/ops';
import { sub } from '../../lib/ops/elementwise';
import { Adam } from '../../lib/optim';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { Progress } from '../../lib/train/progress';
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

/** Copies windows [start, start+T) of a row-major series into one [n, T, F] tensor. */
function windowBatch(data: Float32Array, starts: ArrayLike<number>, channels: number): Tensor {
  const out = new Float32Array(starts.length * WINDOW * channels);
  for (let i = 0; i < starts.length; i++)
    out.set(data.subarray(starts[i] * channels, (starts[i] + WINDOW) * channels), i * WINDOW * channels);
  return Tensor.fromArray(out, [starts.length, WINDOW, channels]);
}

/** Mean squared reconstruction error of each window. */
function windowScores(model: LstmAe, data: Float32Array, starts: number[], channels: number): Float32Array {
  const scores = new Float32Array(starts.length);
  model.eval();
  noGrad(() => {
    for (let b = 0; b < starts.length; b += 256)
      tidy(() => {
        const x = windowBatch(data, starts.slice(b, b + 256), channels);
        const err = mean(square(sub(model.forward(x), x)), [1, 2]);
        scores.set(err.toArray(), b);
      });
  });
  return scores;
}

function standardise(data: Float32Array, channels: number, meanV: Float64Array, stdV: Float64Array): void {
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - meanV[i % channels]) / stdV[i % channels];
}

export function demo(argv: string[]): void {
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

  // Windows ending in the first 85% train; the tail is the validation set for the threshold.
  const split = Math.floor(train.rows * 0.85);
  const trainStarts = Array.from({ length: split - WINDOW + 1 }, (_, i) => i);
  const valStarts = Array.from({ length: train.rows - split - WINDOW + 1 }, (_, i) => split + i);

  const gen = new Generator(f.seed);
  const model = new LstmAe({ inputs: CHANNELS, window: WINDOW, encoder: [32, 16], latent: 8, decoderDense: 16, decoder: [16, 32], bnMomentum: 0.01, bnEps: 1e-3 }, gen);
  const opt = new Adam(model.parameters(), { lr: 2e-3 });
  console.log(`vigil demo: ${CHANNELS}-channel synthetic process, ${train.rows} normal rows to train on, ${test.rows} rows with ${test.faults.length} injected faults to score`);
  console.log(`model: LSTM autoencoder, ${model.numParameters()} parameters, window ${WINDOW}`);

  const batch = 64;
  const steps = Math.ceil(trainStarts.length / batch);
  const progress = new Progress('train', steps);
  for (let epoch = 1; epoch <= f.epochs; epoch++) {
    model.train();
    const order = gen.permutation(trainStarts.length);
    let total = 0;
    for (let s = 0; s < steps; s++) {
      const idx = Array.from(order.subarray(s * batch, (s + 1) * batch), (i) => trainStarts[i]);
      total += tidy(() => {
        const x = windowBatch(train.data, idx, CHANNELS);
        opt.zeroGrad();
        const loss = mseLoss(model.forward(x), x);
        loss.backward();
        opt.step();
        return loss.item();
      });
      progress.tick(s + 1, `epoch ${epoch}/${f.epochs}`);
    }
    const val = windowScores(model, train.data, valStarts, CHANNELS);
    progress.line(`epoch ${epoch}/${f.epochs}: train loss ${(total / steps).toFixed(4)}, validation loss ${(val.reduce((a, b) => a + b, 0) / val.length).toFixed(4)}`);
  }

  // Threshold: the 99.5% quantile of validation scores (normal data only).
  const threshold = quantile(windowScores(model, train.data, valStarts, CHANNELS), 0.995);
  const testStarts = Array.from({ length: test.rows - WINDOW + 1 }, (_, i) => i);
  const windowScore = windowScores(model, test.data, testStarts, CHANNELS);
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
  opt.dispose();
}
