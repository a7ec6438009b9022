// unary ops against PyTorch fixtures (tools/fixtures/unary.py), f64 gradchecks, defaults.
import * as ew from '../../lib/ops/elementwise';
import { sum } from '../../lib/ops/reduce';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { assertGradcheck, checkFixture, leaf } from './op_checks';

const UNARY: Record<string, (x: Tensor, params: number[]) => Tensor> = {
  tanh: (x) => ew.tanh(x),
  sigmoid: (x) => ew.sigmoid(x),
  relu: (x) => ew.relu(x),
  leakyRelu: (x, p) => ew.leakyRelu(x, p[0]),
  elu: (x, p) => ew.elu(x, p[0]),
  selu: (x) => ew.selu(x),
  softplus: (x) => ew.softplus(x),
  exp: (x) => ew.exp(x),
  log: (x) => ew.log(x),
  sqrt: (x) => ew.sqrt(x),
  neg: (x) => ew.neg(x),
  abs: (x) => ew.abs(x),
  square: (x) => ew.square(x),
  pows: (x, p) => ew.pow(x, p[0]),
  affine: (x, p) => ew.affine(x, p[0], p[1]),
};
const UNARY_FIXTURES = ['tanh', 'sigmoid', 'relu', 'leaky_relu_001', 'leaky_relu_02', 'elu', 'selu', 'softplus',
  'exp', 'log', 'sqrt', 'neg', 'abs', 'square', 'pows3', 'affine'];
const POSITIVE = new Set(['log', 'sqrt', 'pows']);

describe('unary ops', () => {
  for (const name of UNARY_FIXTURES) {
    it(`${name}: forward and gradient match PyTorch`, () => {
      tidy(() => {
        const fx = loadFixture(`unary_${name}`);
        const x = fx.tensor('x', { requiresGrad: true });
        checkFixture(fx, UNARY[fx.meta.op](x, fx.meta.params), { x });
      });
    });
  }
  for (const [op, fn] of Object.entries(UNARY)) {
    it(`${op}: f64 gradcheck`, () => {
      tidy(() => {
        const x = POSITIVE.has(op) ? leaf([3, 5], 5, 0.3, 2) : leaf([3, 5], 5, -2, 2, 0.05);
        assertGradcheck((t) => fn(t, op === 'elu' ? [0.7] : [1.7, -0.3]), [x], op);
      });
    });
  }

  // PyTorch's hardsigmoid has slope 1/6, not Keras' 0.2: checked against the formula instead,
  // on both clipped sides and the linear part, kept 0.05 from the kinks at -2.5 and 2.5
  it('hardSigmoid: clip(0.2x + 0.5, 0, 1) by default, gradient 0.2 inside and 0 where clipped', () => {
    tidy(() => {
      const xs = [-4, -2.55, -2.4, -1, 0, 0.3, 2.45, 2.6, 7];
      const x = Tensor.fromArray(xs, [xs.length], { requiresGrad: true });
      const y = ew.hardSigmoid(x);
      assertClose(y, xs.map((v) => Math.min(1, Math.max(0, 0.2 * v + 0.5))), { rtol: 1e-6, atol: 1e-7 }, 'forward');
      sum(y).backward();
      assertClose(x.grad!, xs.map((v) => (Math.abs(v) < 2.5 ? 0.2 : 0)), { rtol: 1e-6, atol: 0 }, 'gradient');
      assertClose(ew.hardSigmoid(Tensor.fromArray([-1, 0.5], [2]), 0.5, 0.25), [0, 0.5], { rtol: 1e-6, atol: 0 }, 'slope, shift');
      const z = leaf([3, 5], 5, -2, 2, 0.05);
      assertGradcheck((t) => ew.hardSigmoid(t, 0.4, 0), [z], 'hardSigmoid'); // kinks at 0 and 2.5
    });
  });

  it('defaults: leakyRelu slope 0.01, elu alpha 1', () => {
    tidy(() => {
      const x = Tensor.fromArray([-2, 3], [2]);
      assertClose(ew.leakyRelu(x), [-0.02, 3], { rtol: 1e-6, atol: 0 }, 'leakyRelu');
      assertClose(ew.elu(x), [Math.expm1(-2), 3], { rtol: 1e-6, atol: 0 }, 'elu');
    });
  });
});
