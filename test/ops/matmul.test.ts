// matmul and linear: forward and every input gradient against PyTorch fixtures
// (tools/fixtures/matmul.py), f64 gradchecks of every transpose / batch layout, errors.
import { strict as assert } from 'node:assert';

import { backward } from '../../lib/autograd/engine';
import { gradcheck } from '../../lib/autograd/gradcheck';
import { noGrad } from '../../lib/autograd/grad_mode';
import { linear } from '../../lib/ops/linear';
import { matmul } from '../../lib/ops/matmul';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';

// f32: sums of at most ~20 products of values in [-1, 1], in another order than PyTorch's, so
// a few ulps of values of order 1-5. f64 agrees to rounding.
const TOL = {
  float32: { fwd: { rtol: 1e-5, atol: 1e-6 }, grad: { rtol: 1e-5, atol: 5e-6 } },
  float64: { fwd: { rtol: 1e-12, atol: 1e-13 }, grad: { rtol: 1e-12, atol: 1e-13 } },
};
const GRADCHECK = { eps: 1e-6, rtol: 1e-6, atol: 1e-8 };

const rand = (shape: number[], seed: number): Tensor => {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 * 2 - 1;
  });
  return Tensor.fromArray(data, shape, { dtype: 'float64', requiresGrad: true });
};

/** Runs f on the fixture's inputs, checks out.y and every grad.<input> the fixture holds. */
function checkFixture(name: string, inputNames: string[], f: (...xs: (Tensor | null)[]) => Tensor): void {
  tidy(() => {
    const fx = loadFixture(name);
    const inputs = inputNames.map((k) => (fx.has(k) ? fx.tensor(k, { requiresGrad: true }) : null));
    const tol = TOL[inputs[0]!.dtype];
    const y = f(...inputs);
    assertClose(y, fx.tensor('out.y'), tol.fwd, `${name} y`);
    backward(y, fx.tensor('gy.y'));
    let checked = 0;
    inputNames.forEach((k, i) => {
      if (!inputs[i]) return;
      assertClose(inputs[i]!.grad!, fx.tensor(`grad.${k}`), tol.grad, `${name} grad ${k}`);
      checked++;
    });
    assert.equal(checked, fx.keys().filter((k) => k.startsWith('grad.')).length);
  });
}

describe('matmul', () => {
  for (const name of ['matmul_2d', 'matmul_2d_tn', 'matmul_2d_nt', 'matmul_2d_tt', 'matmul_batched',
    'matmul_batched_tt', 'matmul_shared_b', 'matmul_shared_b_nt', 'matmul_shared_b_tn_f64']) {
    it(`matches torch.matmul forward and gradients (${name})`, () => {
      const { trans_a: transA, trans_b: transB } = loadFixture(name).meta;
      checkFixture(name, ['a', 'b'], (a, b) => matmul(a!, b!, { transA, transB }));
    });
  }

  it('passes an f64 gradcheck for every transpose, batched and shared b', () => {
    tidy(() => {
      let seed = 1;
      for (const [batch, shared] of [[[], false], [[2], false], [[2, 2], true]] as [number[], boolean][])
        for (const transA of [false, true])
          for (const transB of [false, true]) {
            const M = 3, K = 4, N = 2;
            const a = rand([...batch, ...(transA ? [K, M] : [M, K])], seed++);
            const b = rand([...(shared ? [] : batch), ...(transB ? [N, K] : [K, N])], seed++);
            const r = gradcheck((x, y) => matmul(x, y, { transA, transB }), [a, b], GRADCHECK);
            assert.ok(r.ok, `batch [${batch}] shared ${shared} transA ${transA} transB ${transB}: ` +
              JSON.stringify(r.failure));
          }
    });
  });

  it('records nothing under noGrad and gives the same values', () => {
    tidy(() => {
      const a = rand([2, 3, 4], 50), b = rand([4, 5], 51);
      const y1 = matmul(a, b);
      const y2 = noGrad(() => matmul(a, b));
      assert.equal(y2.gradFn, null);
      assertClose(y2, y1, { rtol: 0, atol: 0 }, 'noGrad y');
    });
  });

  it('rejects bad shapes with the op and shapes in the message', () => {
    tidy(() => {
      const a = Tensor.zeros([2, 3, 4]);
      assert.throws(() => matmul(a, Tensor.zeros([2, 5, 6])), /matmul: inner dims differ.*a \[2,3,4\], b \[2,5,6\]/);
      assert.throws(() => matmul(a, Tensor.zeros([3, 4, 6])), /matmul: b must have a's batch dims/);
      assert.throws(() => matmul(a, Tensor.zeros([4])), /matmul: a and b need at least 2 dims/);
      assert.throws(() => matmul(a, Tensor.zeros([4, 6]), { transA: true }), /matmul: inner dims differ/);
    });
  });
});

describe('linear', () => {
  for (const name of ['linear_2d', 'linear_2d_nobias', 'linear_3d', 'linear_3d_nobias_f64']) {
    it(`matches F.linear forward and gradients (${name})`, () => {
      checkFixture(name, ['x', 'w', 'bias'], (x, w, bias) => linear(x!, w!, bias));
    });
  }

  it('passes an f64 gradcheck on 1-D, 2-D and 3-D input, with and without bias', () => {
    tidy(() => {
      let seed = 100;
      for (const xs of [[4], [3, 4], [2, 3, 4]])
        for (const withBias of [true, false]) {
          const x = rand(xs, seed++), w = rand([5, 4], seed++), bias = rand([5], seed++);
          const inputs = withBias ? [x, w, bias] : [x, w];
          const r = gradcheck((...t) => linear(t[0], t[1], t[2] ?? null), inputs, GRADCHECK);
          assert.ok(r.ok, `x [${xs}] bias ${withBias}: ${JSON.stringify(r.failure)}`);
        }
    });
  });

  it('agrees with matmul against w^T plus the bias', () => {
    tidy(() => {
      const x = rand([2, 3, 4], 200), w = rand([5, 4], 201), bias = rand([5], 202);
      const y = linear(x, w, bias).toArray();
      const z = matmul(x, w, { transB: true }).toArray();
      const want = z.map((v, i) => v + bias.toArray()[i % 5]);
      assertClose(y, want, { rtol: 1e-14, atol: 1e-14 }, 'linear vs matmul');
    });
  });

  it('rejects bad shapes with the op and shapes in the message', () => {
    tidy(() => {
      const x = Tensor.zeros([2, 3, 4]);
      assert.throws(() => linear(x, Tensor.zeros([5, 3])), /linear: expected .* x \[2,3,4\], w \[5,3\]/);
      assert.throws(() => linear(x, Tensor.zeros([5, 4]), Tensor.zeros([4])), /linear: .*bias \[4\]/);
      assert.throws(() => linear(x, Tensor.zeros([4]), null), /linear: /);
    });
  });
});
