// A toy model of the single-row kind (tabular data, as ALAD reads), added through the public API
// only: a linear autoencoder over one row at a time whose score is its own (`scores`: the summed
// squared reconstruction error), with no per-channel errors, as a GAN's feature-distance score.
// It trains with a loop of its own (ModelKind.fit), the hook a multi-optimiser model uses: here
// plain SGD steps, counted so the test sees the hook ran.
import { nn, ops, optim, tidy, train, type AnomalyModel, type Generator, type ModelKind, type Tensor } from '../../..';

export interface ToyRowsConfig {
  inputs: number;
  hidden: number;
}

export class ToyRowAe extends nn.Module implements AnomalyModel {
  readonly input = { kind: 'rows' } as const;
  readonly window = 1;
  private readonly enc: nn.Linear;
  private readonly dec: nn.Linear;

  constructor(readonly config: ToyRowsConfig, gen?: Generator) {
    super();
    this.enc = this.registerModule('enc', new nn.Linear(config.inputs, config.hidden, { generator: gen }));
    this.dec = this.registerModule('dec', new nn.Linear(config.hidden, config.inputs, { generator: gen }));
  }

  private errors(x: Tensor): Tensor {
    return ops.square(ops.sub(this.dec.forward(ops.tanh(this.enc.forward(x))), x));
  }

  loss(x: Tensor): Tensor {
    return ops.mean(this.errors(x));
  }

  scores(x: Tensor): Tensor {
    return ops.sum(this.errors(x), 1);
  }
}

/** Steps the toy's own loop took (the test checks the pipeline used it). */
export const ownLoop = { steps: 0 };

export const toyRowsKind: ModelKind<ToyRowsConfig, ToyRowAe> = {
  kind: 'toy-rows',
  summary: 'test-only linear autoencoder over single rows, with its own training loop',
  inputKind: 'rows',
  defaultConfig: (inputs, overrides = {}) => ({ hidden: 2, ...overrides, inputs }),
  create: (config, gen) => new ToyRowAe(config, gen),
  async fit(model, data, options) {
    const opt = new optim.SGD(model.parameters(), { lr: options.lr ?? 0.05 });
    const history: train.EpochRecord[] = [];
    const batch = options.batchSize ?? 32;
    let best = Infinity;
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      let total = 0;
      for (let b = 0; b < data.trainCount; b += batch) {
        const idx = Array.from({ length: Math.min(batch, data.trainCount - b) }, (_, i) => b + i);
        total += tidy(() => {
          opt.zeroGrad();
          const l = model.loss(data.batch('train', idx));
          l.backward();
          opt.step();
          ownLoop.steps++;
          return l.item() * idx.length;
        });
      }
      const trainLoss = total / data.trainCount;
      best = Math.min(best, trainLoss);
      history.push({ epoch, trainLoss, validationLoss: null, lr: options.lr ?? 0.05, seconds: 0, improved: trainLoss <= best });
    }
    opt.dispose();
    return { history, bestEpoch: history.length, bestLoss: best, stoppedEarly: false, resumedFrom: null, seconds: 0 };
  },
};

