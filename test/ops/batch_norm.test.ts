// batchNorm against PyTorch fixtures (tools/fixtures/batch_norm.py), training and eval, and errors.
import { strict as assert } from 'node:assert';

import { noGrad } from '../../lib/autograd/grad_mode';
import { gradcheck } from '../../lib/autograd/gradcheck';
import { native } from '../../lib/binding';
import { mul, sum } from '../../lib/ops';
import { batchNorm } from '../../lib/ops/batch_norm';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { checkGrads, FWD, uniformLeaf } from './op_checks';

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
          const x = uniformLeaf(g, shape, -2, 3);
          const gamma = uniformLeaf(g, [C], 0.5, 1.5);
          const beta = uniformLeaf(g, [C]);
          const runningMean = uniformLeaf(g, [C], -0.5, 0.5, false);
          const runningVar = uniformLeaf(g, [C], 0.5, 2, false);
          const r = gradcheck((a, gm, b) => batchNorm(a, {
            axis, gamma: gm, beta: b, runningMean, runningVar, training, momentum: 0.1, eps: 1e-3,
          }), [x, gamma, beta], { atol: 1e-6, rtol: 1e-5 });
          assert.ok(r.ok, JSON.stringify(r.failure));
        });
      });

  it('channels last over several row chunks: the float64 statistics, the same for 1 and 2 threads', () => {
    // [12000, 3] with the channel last: three chunks of rows (kWork / C rows each) in the
    // channels-last path; y against mean/var computed here in float64, and every output and
    // gradient bit-identical between thread counts.
    const threads = native.getNumThreads();
    const run = (n: number) => tidy(() => {
      native.setNumThreads(n);
      const g = new Generator(11);
      const x = uniformLeaf(g, [12000, 3], -2, 3);
      const gamma = uniformLeaf(g, [3], 0.5, 1.5);
      const beta = uniformLeaf(g, [3], -1, 1);
      const y = batchNorm(x, { axis: -1, gamma, beta });
      tidy(() => sum(mul(y, g.normal([12000, 3], 0, 1, { dtype: 'float64' }))).backward());
      return [y, x.grad!, gamma.grad!, beta.grad!].map((t) => t.toArray());
    });
    try {
      const one = run(1), two = run(2);
      one.forEach((a, k) => assert.deepEqual(a, two[k], `output ${k} differs between 1 and 2 threads`));
      const g = new Generator(11);
      const [x, gamma, beta] = tidy(() => [g.uniform([12000, 3], -2, 3, { dtype: 'float64' }).toArray(),
        g.uniform([3], 0.5, 1.5, { dtype: 'float64' }).toArray(), g.uniform([3], -1, 1, { dtype: 'float64' }).toArray()]);
      for (let c = 0; c < 3; c++) {
        let m = 0, v = 0;
        for (let i = c; i < x.length; i += 3) m += x[i];
        m /= 12000;
        for (let i = c; i < x.length; i += 3) v += (x[i] - m) ** 2;
        v /= 12000;
        for (const i of [c, 6000 * 3 + c, 11999 * 3 + c]) {
          const want = ((x[i] - m) / Math.sqrt(v + 1e-5)) * gamma[c] + beta[c];
          assert.ok(Math.abs(one[0][i] - want) < 1e-5, `y[${i}] ${one[0][i]} vs ${want}`);
        }
      }
    } finally {
      native.setNumThreads(threads);
    }
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
