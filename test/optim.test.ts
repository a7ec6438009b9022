// Optimisers against 10 steps of torch.optim on a fixed quadratic (tools/fixtures/rt.py: the
// gradients of each step are fed as saved, so every step is compared on its own), gradient
// clipping, zeroGrad, parameter groups and state ownership.
import { strict as assert } from 'node:assert';

import { native } from '../lib/binding';
import { Adam, AdamW, clipGradNorm, Optimizer, SGD } from '../lib/optim';
import { Tensor, tidy } from '../lib/tensor';
import { assertClose, loadFixture } from './helpers/fixtures';

/** f32 parameters after up to 10 steps vs PyTorch's f32 run: rounding only (rounding (1 - beta2)
 * in f32 instead of once from double already moves Adam by 1.6e-6 and fails this). */
const STEP_TOL = { rtol: 2e-6, atol: 2e-7 };

function rowOf(t: Tensor, i: number, shape: readonly number[]): Float32Array | Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return t.toArray().slice(i * n, (i + 1) * n);
}

function makeOptimizer(meta: Record<string, any>, params: Tensor[]): Optimizer<{ lr: number }> {
  switch (meta.kind) {
    case 'adam':
      return new Adam(params, { lr: meta.lr, weightDecay: meta.weightDecay ?? 0 });
    case 'adamw':
      return new AdamW(params, { lr: meta.lr, weightDecay: meta.weightDecay });
    case 'sgd':
      return new SGD(params, { lr: meta.lr, momentum: meta.momentum, weightDecay: meta.weightDecay, nesterov: meta.nesterov });
    default:
      throw new Error(`unknown optimiser ${meta.kind}`);
  }
}

describe('optimisers against torch.optim', () => {
  for (const name of ['optim_adam', 'optim_adam_l2', 'optim_adamw', 'optim_sgd_momentum', 'optim_sgd_nesterov'])
    it(`${name}: parameters after each of 10 steps`, () => {
      const fx = loadFixture(name);
      const w = fx.tensor('w', { requiresGrad: true });
      const b = fx.tensor('b', { requiresGrad: true });
      const opt = makeOptimizer(fx.meta, [w, b]);
      w.grad = Tensor.zeros(w.shape); // as the engine leaves them: outside any scope
      b.grad = Tensor.zeros(b.shape);
      const gw = fx.tensor('grad.w'), gb = fx.tensor('grad.b'), ow = fx.tensor('out.w'), ob = fx.tensor('out.b');
      for (let s = 0; s < fx.meta.steps; s++) {
        // each step inside its own scope, as a training loop does: the state must survive it
        tidy(() => {
          opt.zeroGrad();
          for (const [p, g] of [[w, gw], [b, gb]] as const) p.grad!.assign(rowOf(g, s, p.shape));
          opt.step();
        });
        assertClose(w.toArray(), rowOf(ow, s, w.shape), STEP_TOL, `${name} w after step ${s + 1}`);
        assertClose(b.toArray(), rowOf(ob, s, b.shape), STEP_TOL, `${name} b after step ${s + 1}`);
      }
      opt.dispose();
      for (const t of [w, b, gw, gb, ow, ob]) t.grad?.dispose(), t.dispose();
    });
});

describe('optimiser bookkeeping', () => {
  it('zeroGrad zeroes in place; parameters without grad are skipped by step', () => {
    tidy(() => {
      const p = Tensor.fromArray([1, 2], [2], { requiresGrad: true });
      const q = Tensor.fromArray([3], [1], { requiresGrad: true });
      const opt = new SGD([p, q], { lr: 0.5 });
      p.grad = Tensor.fromArray([2, 4], [2]);
      const buf = p.grad;
      opt.step();
      assert.deepEqual([...p.toArray()], [0, 0]);
      assert.deepEqual([...q.toArray()], [3]);
      opt.zeroGrad();
      assert.equal(p.grad, buf, 'same buffer');
      assert.deepEqual([...p.grad.toArray()], [0, 0]);
    });
  });

  it('parameter groups carry their own hyper-parameters (lr changed in place applies)', () => {
    tidy(() => {
      const p = Tensor.fromArray([1], [1], { requiresGrad: true });
      const q = Tensor.fromArray([1], [1], { requiresGrad: true });
      const opt = new SGD([{ params: [p] }, { params: [q], lr: 0 }], { lr: 0.1 });
      p.grad = Tensor.ones([1]);
      q.grad = Tensor.ones([1]);
      opt.step();
      assert.ok(Math.abs(p.item() - 0.9) < 1e-7);
      assert.equal(q.item(), 1);
      opt.paramGroups[1].lr = 1;
      opt.step();
      assert.ok(Math.abs(q.item() - 0) < 1e-7);
    });
  });

  it('frees its state on dispose (native buffers return to the count before)', () => {
    tidy(() => {
      const p = Tensor.zeros([10], { requiresGrad: true });
      p.grad = Tensor.ones([10]);
      const before = native.memory().cpuBuffers;
      const opt = new Adam([p]);
      opt.step();
      assert.equal(native.memory().cpuBuffers, before + 2, 'm and v');
      opt.dispose();
      assert.equal(native.memory().cpuBuffers, before);
    });
  });

  it('rejects bad hyper-parameters and repeated parameters', () => {
    tidy(() => {
      const p = Tensor.zeros([2], { requiresGrad: true });
      assert.throws(() => new Adam([p], { lr: -1 }), /Adam: lr must be/);
      assert.throws(() => new AdamW([p], { betas: [1, 0.999] }), /AdamW: betas\[0\] must be in \[0, 1\)/);
      assert.throws(() => new SGD([p], { lr: 0.1, nesterov: true }), /SGD: nesterov needs momentum/);
      assert.throws(() => new SGD([p, p], { lr: 0.1 }), /appears twice/);
    });
  });
});

describe('clipGradNorm', () => {
  it('returns the global norm and scales every grad by maxNorm / (norm + 1e-6) when above', () => {
    tidy(() => {
      const a = Tensor.zeros([2], { requiresGrad: true });
      const b = Tensor.zeros([1], { requiresGrad: true });
      const c = Tensor.zeros([1], { requiresGrad: true }); // no grad: skipped
      a.grad = Tensor.fromArray([3, 0], [2]);
      b.grad = Tensor.fromArray([4], [1]);
      const norm = clipGradNorm([a, b, c], 1);
      assert.ok(Math.abs(norm - 5) < 1e-12);
      const k = 1 / (5 + 1e-6);
      assertClose(a.grad.toArray(), [3 * k, 0], { rtol: 1e-6, atol: 0 }, 'a.grad');
      assertClose(b.grad.toArray(), [4 * k], { rtol: 1e-6, atol: 0 }, 'b.grad');
      // below the limit nothing changes
      const again = clipGradNorm([a, b], 10);
      assert.ok(Math.abs(again - 1) < 1e-5);
      assertClose(b.grad.toArray(), [4 * k], { rtol: 1e-7, atol: 0 }, 'b.grad unchanged');
      assert.throws(() => clipGradNorm([a], 0), /clipGradNorm: maxNorm must be > 0/);
    });
  });
});
