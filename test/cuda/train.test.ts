// Training on the GPU end to end: Module.to('cuda') moves parameters, buffers and gradients in
// place; fit({ device: 'cuda' }) trains the test LSTM model, the LSTM autoencoder and DC-VAE
// with their optimiser state on the device, and gives the CPU run's losses (same seeds: the
// Philox streams of dropout and the VAE's draw are the same numbers on both devices) within
// the stated tolerance. Skips with the reason when no CUDA device is usable (the CPU-side
// checks of the same API are test/train/device.test.ts).
import { strict as assert } from 'node:assert';

import { native } from '../../lib/binding';
import type { AnomalyModel } from '../../lib/model';
import { Linear } from '../../lib/nn';
import { Adam } from '../../lib/optim';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { evaluate, fit } from '../../lib/train/fit';
import { dcVaeKind } from '../../models/dc_vae';
import { lstmAeKind } from '../../models/lstm_ae';
import { SeqNet, sineData, weightsOf } from '../train/models';

const info = native.buildInfo();

/** |a - b| <= atol + rtol |b| element-wise, with the worst element in the message. */
function near(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++)
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i])))
      assert.fail(`${what}: element ${i}: cuda ${a[i]}, cpu ${b[i]} (rtol ${rtol}, atol ${atol})`);
}

describe('cuda: training on the device', function () {
  before(function () {
    if (info.cudaDevices === 0) {
      console.log(`      (skipped: no usable CUDA device: ${info.cudaInfo})`);
      this.skip();
    }
  });

  it('Module.to moves parameters, buffers and gradients in place and back, values unchanged', () => {
    const m = new SeqNet(3, 5, new Generator(1), new Generator(2));
    const tensors = m.stateDict();
    const w = weightsOf(m);
    tidy(() => m.forward(Tensor.fromArray(new Float32Array(2 * 4 * 3).fill(0.5), [2, 4, 3])).backward(Tensor.ones([2, 4, 3])));
    const grads = m.parameters().map((p) => Array.from(p.grad!.toArray()));
    assert.equal(m.to('cuda'), m);
    assert.equal(m.device, 'cuda');
    for (const [k, t] of m.stateDict()) {
      assert.equal(t, tensors.get(k), `${k} is the same object`);
      assert.equal(t.device, 'cuda', `${k} on cuda`);
    }
    m.parameters().forEach((p, i) => {
      assert.equal(p.grad!.device, 'cuda', 'the gradient moved along');
      assert.deepEqual(Array.from(p.grad!.toArray()), grads[i]);
    });
    assert.deepEqual(weightsOf(m), w, 'values survive the round trip');
    m.to('cpu');
    assert.equal(m.device, 'cpu');
    assert.deepEqual(weightsOf(m), w);
    m.dispose();
  });

  it('an optimiser made before the move fails its next step with a device error', () => {
    const lin = new Linear(2, 2, { generator: new Generator(3) });
    const opt = new Adam(lin.parameters(), { lr: 1e-2 });
    const step = () => {
      tidy(() => lin.forward(Tensor.fromArray([1, 2, 3, 4], [2, 2]).to(lin.device)).backward(Tensor.ones([2, 2], { device: lin.device })));
      opt.step();
    };
    step();
    lin.to('cuda');
    assert.throws(step, /device/);
    opt.dispose();
    lin.dispose();
  });

  // Three epochs of Adam on f32 through LSTM, BatchNorm and dropout: the devices differ by GEMM
  // summation order and the CPU's ~2-ulp sigmoid/tanh. Losses agree to rtol 2e-3. Adam's
  // normalised steps (each ~lr = 1e-2 whatever the gradient's size) can turn a rounding-level
  // gradient difference into a different step, so weights (which move ~0.2 in these 24 steps)
  // are compared to 1e-2 absolute + 1e-2 relative: it still catches a parameter not trained.
  it("fit({ device: 'cuda' }) trains the LSTM test model as the CPU does, state on the device", async () => {
    const data = sineData(120, 3, 8, 30, 1, 0.3);
    const run = async (device: 'cpu' | 'cuda') => {
      const m = new SeqNet(3, 8, new Generator(3), new Generator(9));
      const r = await fit(m, data, { epochs: 3, batchSize: 16, lr: 1e-2, progress: false, device });
      assert.equal(m.device, device, 'the model stays on the device');
      const val = await evaluate(m, data, 'validation', 64);
      const w = weightsOf(m);
      m.dispose();
      return { r, val, w };
    };
    const cpu = await run('cpu'), gpu = await run('cuda');
    near(gpu.r.history.map((e) => e.trainLoss), cpu.r.history.map((e) => e.trainLoss), 2e-3, 0, 'train losses');
    near(gpu.r.history.map((e) => e.validationLoss!), cpu.r.history.map((e) => e.validationLoss!), 2e-3, 0, 'validation losses');
    near([gpu.val.loss], [cpu.val.loss], 2e-3, 0, 'evaluate on the device');
    for (const k of Object.keys(cpu.w)) near(gpu.w[k], cpu.w[k], 1e-2, 1e-2, `weight ${k}`);
  });

  it('the LSTM autoencoder and DC-VAE train on the device with the CPU losses (rtol 2e-3)', async () => {
    const data = sineData(96, 4, 16, 24, 2, 0.2);
    const models: Record<string, () => AnomalyModel> = {
      'lstm-ae': () => lstmAeKind.create(lstmAeKind.defaultConfig(4, { window: 16, encoder: [12, 6], latent: 4, decoderDense: 6, decoder: [6, 12] }), new Generator(5)),
      'dc-vae': () => dcVaeKind.create(dcVaeKind.defaultConfig(4, { window: 16 }), new Generator(5)),
    };
    for (const [name, make] of Object.entries(models)) {
      const losses = async (device: 'cpu' | 'cuda') => {
        const m = make();
        const r = await fit(m, data, { epochs: 2, batchSize: 16, lr: 1e-3, progress: false, device, seed: 4 });
        m.dispose();
        return r.history.flatMap((e) => [e.trainLoss, e.validationLoss!]);
      };
      near(await losses('cuda'), await losses('cpu'), 2e-3, 1e-4, `${name} losses`);
    }
  });
});
