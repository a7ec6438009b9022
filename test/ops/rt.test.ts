// dropout, reparamSample, batchNorm and the losses against PyTorch fixtures (tools/fixtures/rt.py),
// f64 gradchecks, generator bookkeeping and argument errors.
import { strict as assert } from 'node:assert';

import { gradcheck } from '../../lib/autograd/gradcheck';
import { noGrad } from '../../lib/autograd/grad_mode';
import { batchNorm } from '../../lib/ops/batch_norm';
import { dropout } from '../../lib/ops/dropout';
import { bceWithLogits, gaussianNll, klNormal, mseLoss } from '../../lib/ops/losses';
import { reparamSample } from '../../lib/ops/reparam_sample';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, Fixture, loadFixture } from '../helpers/fixtures';

/** f32 forward of these ops against PyTorch: a few ulps of the result. */
const FWD = { rtol: 1e-5, atol: 1e-6 };
/** f32 gradients: reductions over the batch add rounding. */
const GRAD = { rtol: 1e-4, atol: 1e-5 };

/** f64 leaf with uniform values in [lo, hi), from a seeded generator. */
function leaf(gen: Generator, shape: number[], lo = -1, hi = 1, requiresGrad = true): Tensor {
  const t = gen.uniform(shape, lo, hi, { dtype: 'float64' });
  t.requiresGrad = requiresGrad;
  return t;
}

/** A generator whose offset is `offset` (advanced by whole blocks). */
function generatorAt(seed: number, offset: number): Generator {
  const g = new Generator(seed);
  g.take('normal', offset);
  return g;
}

/** Backpropagates gy.<out> and checks grad.<k> for each input that has one in the fixture. */
function checkGrads(fx: Fixture, out: Tensor, outName: string, inputs: Record<string, Tensor>, tol = GRAD): void {
  out.backward(fx.tensor(`gy.${outName}`));
  for (const [k, t] of Object.entries(inputs)) {
    if (!fx.has(`grad.${k}`)) continue;
    assert.ok(t.grad, `${k} got no gradient`);
    assertClose(t.grad!, fx.tensor(`grad.${k}`), tol, `grad.${k}`);
  }
}

describe('dropout', () => {
  it('matches the fixture (Philox stream written in Python): y, mask and dx = dy*mask', () => {
    tidy(() => {
      const fx = loadFixture('dropout');
      const x = fx.tensor('x', { requiresGrad: true });
      const gen = generatorAt(fx.meta.seed, fx.meta.offset);
      const y = dropout(x, fx.meta.p, true, gen);
      assertClose(y, fx.tensor('out.y'), { rtol: 1e-6, atol: 0 }, 'y');
      // the generator moved on by ceil(n/4) blocks
      assert.equal(gen.offset, fx.meta.offset + Math.ceil(x.size / 4));
      y.backward(fx.tensor('gy.y'));
      const mask = fx.tensor('out.mask').toArray();
      const gy = fx.tensor('gy.y').toArray();
      assertClose(x.grad!, Float64Array.from(gy, (g, i) => g * mask[i]), { rtol: 1e-6, atol: 0 }, 'dx');
    });
  });

  it('is the identity in eval mode and with p = 0, and draws nothing then', () => {
    tidy(() => {
      const x = Tensor.ones([3, 4]);
      const gen = new Generator(1);
      assert.equal(dropout(x, 0.5, false, gen), x);
      assert.equal(dropout(x, 0, true, gen), x);
      assert.equal(gen.offset, 0);
    });
  });

  it('passes an f64 gradcheck with the mask held fixed', () => {
    tidy(() => {
      const x = leaf(new Generator(3), [4, 5]);
      const r = gradcheck((a) => dropout(a, 0.4, true, new Generator(9)), [x]);
      assert.ok(r.ok, JSON.stringify(r.failure));
    });
  });

  it('rejects p outside [0, 1)', () => {
    const x = Tensor.ones([2]);
    assert.throws(() => dropout(x, 1, true), /dropout: p must be in \[0, 1\)/);
    assert.throws(() => dropout(x, -0.1, true), /dropout/);
    x.dispose();
  });
});

describe('reparamSample', () => {
  it('matches the fixture: z from the Philox normals, dmu and dlogvar', () => {
    tidy(() => {
      const fx = loadFixture('reparam_sample');
      const mu = fx.tensor('mu', { requiresGrad: true });
      const logvar = fx.tensor('logvar', { requiresGrad: true });
      const gen = generatorAt(fx.meta.seed, fx.meta.offset);
      const z = reparamSample(mu, logvar, gen);
      // Box-Muller in double rounded once to f32 on both sides
      assertClose(z, fx.tensor('out.z'), FWD, 'z');
      assert.equal(gen.offset, fx.meta.offset + mu.size, 'one block per element');
      checkGrads(fx, z, 'z', { mu, logvar }, FWD);
    });
  });

  it('passes an f64 gradcheck with eps held fixed', () => {
    tidy(() => {
      const g = new Generator(4);
      const mu = leaf(g, [3, 4]);
      const logvar = leaf(g, [3, 4], -2, 1);
      const r = gradcheck((m, l) => reparamSample(m, l, new Generator(77)), [mu, logvar]);
      assert.ok(r.ok, JSON.stringify(r.failure));
    });
  });

  it('rejects mu and logvar of different shapes', () => {
    tidy(() => {
      assert.throws(() => reparamSample(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])),
        /reparamSample: .*mu \[2,3\].*logvar \[3,2\]/);
    });
  });
});

describe('batchNorm', () => {
  const cases = ['batch_norm_train_2d', 'batch_norm_train_3d', 'batch_norm_train_4d_noaffine',
    'batch_norm_train_channel_last', 'batch_norm_eval_3d', 'batch_norm_eval_channel_last'];
  for (const name of cases)
    it(`matches ${name}: y, running stats after the update, dx, dgamma, dbeta`, () => {
      tidy(() => {
        const fx = loadFixture(name);
        const x = fx.tensor('x', { requiresGrad: true });
        const gamma = fx.has('gamma') ? fx.tensor('gamma', { requiresGrad: true }) : null;
        const beta = fx.has('beta') ? fx.tensor('beta', { requiresGrad: true }) : null;
        const runningMean = fx.tensor('running_mean');
        const runningVar = fx.tensor('running_var');
        const y = batchNorm(x, {
          axis: fx.meta.axis, gamma, beta, runningMean, runningVar, training: fx.meta.training,
          momentum: fx.meta.momentum, eps: fx.meta.eps,
        });
        assertClose(y, fx.tensor('out.y'), FWD, 'y');
        assertClose(runningMean, fx.tensor('out.running_mean'), FWD, 'running_mean');
        assertClose(runningVar, fx.tensor('out.running_var'), FWD, 'running_var');
        checkGrads(fx, y, 'y', { x, gamma: gamma!, beta: beta! });
      });
    });

  const shapes: [number[], number][] = [[[5, 3], 1], [[4, 3, 5], 1], [[2, 3, 4, 3], 1], [[3, 4, 5], -1]];
  for (const training of [true, false])
    for (const [shape, axis] of shapes)
      it(`passes an f64 gradcheck (${training ? 'training' : 'eval'}, [${shape}], axis ${axis})`, () => {
        tidy(() => {
          const g = new Generator(11);
          const C = shape[axis < 0 ? axis + shape.length : axis];
          const x = leaf(g, shape, -2, 3);
          const gamma = leaf(g, [C], 0.5, 1.5);
          const beta = leaf(g, [C]);
          const runningMean = leaf(g, [C], -0.5, 0.5, false);
          const runningVar = leaf(g, [C], 0.5, 2, false);
          const r = gradcheck((a, gm, b) => batchNorm(a, {
            axis, gamma: gm, beta: b, runningMean, runningVar, training, momentum: 0.1, eps: 1e-3,
          }), [x, gamma, beta], { atol: 1e-6, rtol: 1e-5 });
          assert.ok(r.ok, JSON.stringify(r.failure));
        });
      });

  it('needs no gradient buffers at inference and leaves y identical', () => {
    tidy(() => {
      const g = new Generator(2);
      const x = g.normal([6, 4]);
      const rm = Tensor.zeros([4]);
      const rv = Tensor.ones([4]);
      const a = noGrad(() => batchNorm(x, { runningMean: rm, runningVar: rv, training: false }));
      const b = batchNorm(x, { runningMean: rm, runningVar: rv, training: false });
      assert.deepEqual(a.toArray(), b.toArray());
    });
  });

  it('names the op and the shapes in its errors', () => {
    tidy(() => {
      const x = Tensor.zeros([4, 3]);
      assert.throws(() => batchNorm(x, { gamma: Tensor.ones([4]) }), /batchNorm: gamma \[4\] must be \[3\].*x \[4,3\]/);
      assert.throws(() => batchNorm(x, { axis: 2 }), /batchNorm: axis 2 out of range for x \[4,3\]/);
      assert.throws(() => batchNorm(x, { training: false }), /batchNorm: eval mode needs runningMean/);
      assert.throws(() => batchNorm(Tensor.zeros([1, 3]), {}), /more than one value per channel/);
    });
  });
});

describe('losses', () => {
  const fns: Record<string, { inputs: string[]; fn: (xs: Tensor[], reduction: 'mean' | 'sum') => Tensor }> = {
    mse: { inputs: ['pred', 'target'], fn: ([p, t], reduction) => mseLoss(p, t, { reduction }) },
    gaussian_nll: { inputs: ['x', 'mu', 'logvar'], fn: ([x, m, l], reduction) => gaussianNll(x, m, l, { reduction }) },
    kl_normal: { inputs: ['mu', 'logvar'], fn: ([m, l], reduction) => klNormal(m, l, { reduction }) },
    bce_with_logits: { inputs: ['logits', 'target'], fn: ([l, t], reduction) => bceWithLogits(l, t, { reduction }) },
  };
  for (const [name, { inputs, fn }] of Object.entries(fns))
    for (const reduction of ['mean', 'sum'] as const) {
      it(`${name} (${reduction}) matches PyTorch: value and every input gradient`, () => {
        tidy(() => {
          const fx = loadFixture(`loss_${name}_${reduction}`);
          const xs = inputs.map((k) => fx.tensor(k, { requiresGrad: fx.has(`grad.${k}`) }));
          const y = fn(xs, reduction);
          assert.deepEqual([...y.shape], []);
          assertClose(y, fx.tensor('out.y'), FWD, 'loss');
          checkGrads(fx, y, 'y', Object.fromEntries(inputs.map((k, i) => [k, xs[i]])), FWD);
        });
      });
      it(`${name} (${reduction}) passes an f64 gradcheck`, () => {
        tidy(() => {
          const g = new Generator(21);
          const xs = inputs.map((k) => (k === 'target' && name === 'bce_with_logits' ? leaf(g, [3, 5], 0, 1) : leaf(g, [3, 5], -2, 2)));
          const r = gradcheck((...a) => fn(a, reduction), xs);
          assert.ok(r.ok, JSON.stringify(r.failure));
        });
      });
    }

  it('mseLoss defaults to the mean, and errors name the op and shapes', () => {
    tidy(() => {
      const a = Tensor.fromArray([1, 2, 3, 4], [2, 2]);
      const b = Tensor.zeros([2, 2]);
      assert.equal(mseLoss(a, b).item(), 7.5);
      assert.equal(mseLoss(a, b, { reduction: 'sum' }).item(), 30);
      assert.throws(() => mseLoss(a, Tensor.zeros([4])), /mseLoss: .*pred \[2,2\].*target \[4\]/);
      assert.throws(() => klNormal(a, b, { reduction: 'none' as 'mean' }), /klNormal: reduction must be/);
    });
  });
});
