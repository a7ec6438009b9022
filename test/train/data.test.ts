// fit's data side over lib/data's Windows (time-ordered validation tail), and the default loss:
// a model's own loss(x) (the AnomalyModel contract) before plain reconstruction.
import { strict as assert } from 'node:assert';

import { Series } from '../../lib/data/series';
import { timeSplit, Windows } from '../../lib/data/windows';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor';
import { fromSources, fromWindows } from '../../lib/train/data';
import { fit } from '../../lib/train/fit';
import { LstmAe } from '../../models/lstm_ae/model';
import { ConstNet } from './models';

function series(rows: number, channels: number): Series {
  const data = Float32Array.from({ length: rows * channels }, (_, i) => Math.sin(0.2 * Math.floor(i / channels) + (i % channels)));
  return { columns: Array.from({ length: channels }, (_, c) => `c${c}`), data, rows };
}

describe('fit data', () => {
  it('fromWindows batches the windows asked for, [n, T, F], training and validation apart', () => {
    const { train, validation } = timeSplit(series(100, 3), 0.2);
    const tw = new Windows(train, { length: 8 }), vw = new Windows(validation, { length: 8 });
    const d = fromWindows(tw, vw);
    assert.equal(d.trainCount, 73);
    assert.equal(d.validationCount, 13);
    const x = d.batch('train', [5, 0]);
    assert.deepEqual(x.shape, [2, 8, 3]);
    assert.deepEqual(Array.from(x.toArray()), Array.from(tw.batch([5, 0])));
    const v = d.batch('validation', [12]);
    assert.deepEqual(Array.from(v.toArray()), Array.from(validation.data.subarray(12 * 3, 20 * 3)), 'the tail of the series');
    x.dispose();
    v.dispose();
    assert.throws(() => fromWindows(tw, new Windows(validation, { length: 4 })), /validation windows \[4, 3\] differ/);
    assert.throws(() => fromSources([8, 3], tw).batch('validation', [0]), /no validation split/);
  });

  it('trains a small LstmAe on windows; its own loss(x) is the default', async function () {
    this.timeout(30000);
    const { train, validation } = timeSplit(series(300, 4), 0.2);
    const gen = new Generator(1);
    const model = new LstmAe({ inputs: 4, window: 12, encoder: [16], latent: 4, decoderDense: 8, decoder: [16], bnMomentum: 0.01, bnEps: 1e-3 }, gen);
    let calls = 0;
    const own = model.loss.bind(model);
    model.loss = (x: Tensor) => (calls++, own(x));
    const d = fromWindows(new Windows(train, { length: 12 }), new Windows(validation, { length: 12 }));
    const r = await fit(model, d, { epochs: 6, batchSize: 32, lr: 5e-3, generator: gen, progress: false });
    assert.equal(calls, 6 * (Math.ceil(d.trainCount / 32) + Math.ceil(d.validationCount / 32)), 'every training and validation batch');
    assert.ok(r.history[5].trainLoss < 0.6 * r.history[0].trainLoss, `train loss ${r.history[0].trainLoss} -> ${r.history[5].trainLoss}`);
    model.dispose();
  });

  it('asks for a loss when the model has neither loss(x) nor forward(x)', async () => {
    const bare = new ConstNet(2) as ConstNet & { forward?: unknown };
    Object.defineProperty(bare, 'forward', { value: undefined });
    await assert.rejects(fit(bare as never, { trainCount: 1, validationCount: 0, batch: () => Tensor.zeros([1, 1, 2]) }, { epochs: 1, progress: false }),
      /ConstNet has neither loss\(x\) nor forward\(x\)/);
    bare.dispose();
  });
});
