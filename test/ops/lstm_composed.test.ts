// The fused lstm op against an LSTM assembled from matmul, slice and activations over 100 steps:
// the same math written the long way, forward and gradients.
import { lstm } from '../../lib/ops/lstm';
import { add, mul, sigmoid, tanh } from '../../lib/ops/elementwise';
import { matmul } from '../../lib/ops/matmul';
import { concat, slice, unsqueeze } from '../../lib/ops/shape';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose } from '../helpers/fixtures';

function composedLstm(x: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor, bHh: Tensor, h0: Tensor, c0: Tensor): Tensor {
  const [, T] = x.shape;
  const H = wHh.shape[1];
  let h = h0;
  let c = c0;
  const ys: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const xt = slice(x, 1, t, t + 1).reshape([x.shape[0], x.shape[2]]);
    const z = add(add(matmul(xt, wIh, { transB: true }), bIh), add(matmul(h, wHh, { transB: true }), bHh));
    const i = sigmoid(slice(z, 1, 0, H));
    const f = sigmoid(slice(z, 1, H, 2 * H));
    const g = tanh(slice(z, 1, 2 * H, 3 * H));
    const o = sigmoid(slice(z, 1, 3 * H, 4 * H));
    c = add(mul(f, c), mul(i, g));
    h = mul(o, tanh(c));
    ys.push(unsqueeze(h, 1));
  }
  return concat(ys, 1);
}

describe('lstm vs an LSTM composed of primitive ops (T = 100)', () => {
  it('agrees in the outputs and in every gradient (float64, 1e-9 relative)', () => {
    const gen = new Generator(5);
    const [B, T, I, H] = [3, 100, 4, 6];
    const mk = (shape: number[]) => {
      const t = gen.uniform(shape, -0.5, 0.5, { dtype: 'float64' });
      t.requiresGrad = true;
      return t;
    };
    const inputs = [mk([B, T, I]), mk([4 * H, I]), mk([4 * H, H]), mk([4 * H]), mk([4 * H]), mk([B, H]), mk([B, H])];
    const upstream = gen.normal([B, T, H], 0, 1, { dtype: 'float64' });
    const run = (f: () => Tensor) =>
      tidy(() => {
        for (const t of inputs) t.grad?.dispose(), (t.grad = null);
        const y = f();
        y.backward(upstream);
        return [y.toArray(), ...inputs.map((t) => t.grad!.toArray())];
      });
    const [x, wIh, wHh, bIh, bHh, h0, c0] = inputs;
    const fused = run(() => lstm(x, wIh, wHh, bIh, bHh, h0, c0).y);
    const composed = run(() => composedLstm(x, wIh, wHh, bIh, bHh, h0, c0));
    const names = ['y', 'dx', 'dw_ih', 'dw_hh', 'db_ih', 'db_hh', 'dh0', 'dc0'];
    fused.forEach((a, k) => assertClose(a, composed[k], { rtol: 1e-9, atol: 1e-12 }, names[k]));
  });
});
