// Optimisers against 10 steps of torch.optim on a fixed quadratic (tools/fixtures/optim.py: the
// gradients of each step are fed as saved, so every step is compared on its own), gradient
// clipping, zeroGrad, parameter groups and state ownership.
import { strict as assert } from 'node:assert';

import { native } from '../lib/binding';
import { Adam, AdamW, clipGradNorm, Optimizer, SGD } from '../lib/optim';
import { Tensor, tidy } from '../lib/tensor';
import { assertClose } from './helpers/fixtures';
import { replayFixture } from './optim/replay';

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
    it(`${name}: parameters after each of 10 steps`, () => replayFixture(name, makeOptimizer));
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

describe('optimiser state dict', () => {
  /** Steps `opt` over p with the gradients grads[from..to). */
  const steps = (opt: Optimizer<{ lr: number }>, p: Tensor, grads: number[][], from: number, to: number) => {
    for (let s = from; s < to; s++)
      tidy(() => {
        opt.zeroGrad();
        p.grad!.assign(grads[s]);
        opt.step();
      });
  };
  const grads = Array.from({ length: 8 }, (_, s) => [Math.sin(s), Math.cos(3 * s), 0.5 - s / 8]);
  const make: Record<string, (ps: Tensor[]) => Optimizer<{ lr: number }>> = {
    Adam: (ps) => new Adam(ps, { lr: 0.1, weightDecay: 0.01 }),
    AdamW: (ps) => new AdamW(ps, { lr: 0.1 }),
    SGD: (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true }),
  };

  for (const [kind, build] of Object.entries(make))
    it(`${kind}: stopping after 4 steps, saving through JSON and restoring into a new optimiser continues bit for bit`, () => {
      const fresh = () => {
        const p = Tensor.fromArray([1, -2, 3], [3], { requiresGrad: true });
        p.grad = Tensor.zeros([3]);
        return p;
      };
      const p1 = fresh(), p2 = fresh();
      const o1 = build([p1]);
      steps(o1, p1, grads, 0, 8);

      const o2a = build([p2]);
      steps(o2a, p2, grads, 0, 4);
      const sd = o2a.stateDict();
      // as a checkpoint stores it: JSON for the numbers, raw arrays for the buffers
      const saved = JSON.parse(JSON.stringify({ ...sd, state: sd.state.map((e) => ({ ...e, buffers: {} })) }));
      saved.state.forEach((e: { buffers: object }, i: number) => (e.buffers = sd.state[i].buffers));
      o2a.dispose();
      const o2b = build([p2]);
      o2b.loadStateDict(saved);
      steps(o2b, p2, grads, 4, 8);
      assert.deepEqual(Array.from(p2.toArray()), Array.from(p1.toArray()));
      assert.deepEqual(o2b.stateDict(), o1.stateDict());
      // the dict is a copy: stepping on does not change one taken earlier
      assert.equal(sd.state[0].step, 4);
      for (const o of [o1, o2b]) o.dispose();
      for (const p of [p1, p2]) p.grad!.dispose(), p.dispose();
    });

  it('carries hyper-parameters and refuses mismatched groups and shapes without changing anything', () => {
    tidy(() => {
      const p = Tensor.zeros([2], { requiresGrad: true });
      const q = Tensor.zeros([3], { requiresGrad: true });
      p.grad = Tensor.ones([2]);
      q.grad = Tensor.ones([3]);
      const a = new Adam([{ params: [p] }, { params: [q], lr: 0.5 }], { lr: 0.1 });
      a.step();
      const sd = a.stateDict();
      assert.deepEqual(sd.groups.map((g) => [g.lr, g.params]), [[0.1, [0]], [0.5, [1]]]);
      assert.deepEqual(sd.state.map((e) => [e.param, e.step, Object.keys(e.buffers)]), [[0, 1, ['exp_avg', 'exp_avg_sq']], [1, 1, ['exp_avg', 'exp_avg_sq']]]);
      const b = new Adam([{ params: [p] }, { params: [q] }], { lr: 0.3 });
      b.loadStateDict(sd);
      assert.deepEqual(b.paramGroups.map((g) => g.lr), [0.1, 0.5]);
      const before = native.memory().cpuBuffers;
      const c = new Adam([p, q]);
      assert.throws(() => c.loadStateDict(sd), /Adam.loadStateDict: 2 parameter groups, this optimiser has 1/);
      const d = new Adam([{ params: [q] }, { params: [p] }]);
      assert.throws(() => d.loadStateDict(sd), /parameter 0 buffer "exp_avg" is \[2\] \(2 values\), the parameter is \[3\]/);
      assert.throws(() => b.loadStateDict({ ...sd, groups: [{ ...sd.groups[0], lr: -1 }, sd.groups[1]] }), /Adam: lr must be/);
      assert.equal(b.paramGroups[0].lr, 0.1, 'unchanged after a refused load');
      assert.equal(native.memory().cpuBuffers, before, 'refused loads allocate nothing');
      for (const o of [a, b, c, d]) o.dispose();
    });
  });
});
