// conv2d: forward and every input gradient against PyTorch fixtures (tools/fixtures/conv2d.py:
// F.conv2d, with 'same' and asymmetric pads applied by F.pad), an f64 gradcheck, the 'same'
// size rule, depthwise = per-channel convs, and errors naming the op.
import { strict as assert } from 'node:assert';

import { gradcheck } from '../../lib/autograd/gradcheck';
import { conv2d, samePads, type Conv2dOptions } from '../../lib/ops/conv2d';
import { slice } from '../../lib/ops/shape';
import { Tensor, tidy } from '../../lib/tensor';
import { checkConvFixture, GRADCHECK, rand } from './op_checks';

/**
 * f32 against PyTorch: outputs sum up to 16*9 = 144 products and weight gradients up to
 * 2*13*13 = 338, in another order than PyTorch's (blocked GEMM over im2col), so the error grows
 * with the values (|dw| reaches ~45 in conv2d_staead). Measured |ours - torch| / (1 + |torch|):
 * at most 2.2e-6 forward and 7.8e-6 for gradients (conv2d_staead); the bounds below are
 * atol = rtol, i.e. |d| <= tol * (1 + |torch|), with ~4x margin. f64 fixtures: TOL.float64.
 */
const CONV_TOL = { fwd: { rtol: 1e-5, atol: 1e-5 }, grad: { rtol: 3e-5, atol: 3e-5 } };

const FIXTURES = ['conv2d_s1_pad1', 'conv2d_same_s1', 'conv2d_same_s2_13x13', 'conv2d_same_s2_6x8',
  'conv2d_dilation2', 'conv2d_groups2', 'conv2d_depthwise', 'conv2d_asymmetric', 'conv2d_valid_5x5',
  'conv2d_staead', 'conv2d_same_s2_f64'];

describe('conv2d', () => {
  for (const name of FIXTURES) {
    it(`matches F.conv2d, forward and every gradient (${name})`, () => {
      checkConvFixture(name, CONV_TOL, (x, w, bias, meta) => conv2d(x, w, bias, { stride: meta.stride, dilation: meta.dilation, padding: meta.padding, groups: meta.groups }));
    });
  }

  it('passes an f64 gradcheck for x, w and bias (stride 2 "same", dilation, groups)', () => {
    tidy(() => {
      const cases: [number[], number[], Conv2dOptions][] = [
        [[2, 4, 6, 5], [4, 2, 3, 3], { stride: 2, padding: 'same', groups: 2 }],
        [[1, 3, 6, 6], [3, 3, 2, 3], { dilation: [2, 1], padding: [1, 0, 2, 1] }],
      ];
      for (const [xs, ws, opts] of cases) {
        const inputs = [rand(xs, 11), rand(ws, 12, 0.5), rand([ws[0]], 13)];
        const r = gradcheck((x, w, b) => conv2d(x, w, b, opts), inputs, GRADCHECK);
        assert.ok(r.ok, `${JSON.stringify(opts)}: ${JSON.stringify(r.failure)}`);
      }
    });
  });

  it("keeps the spatial size with 'same' at stride 1 and gives ceil(size / 2) at stride 2", () => {
    tidy(() => {
      for (const [H, W] of [[13, 13], [5, 5], [6, 7]])
        for (const k of [1, 2, 3, 5])
          for (const dilation of [1, 2]) {
            const x = Tensor.zeros([1, 2, H, W]), w = Tensor.zeros([3, 2, k, k]);
            assert.deepEqual(conv2d(x, w, null, { padding: 'same', dilation }).shape, [1, 3, H, W]);
            assert.deepEqual(conv2d(x, w, null, { padding: 'same', dilation, stride: 2 }).shape,
              [1, 3, Math.ceil(H / 2), Math.ceil(W / 2)]);
          }
      // TF's rule: stride 2 over an even size pads only the end
      assert.deepEqual(samePads(6, 3, 2, 1), [0, 1]);
      assert.deepEqual(samePads(13, 3, 2, 1), [1, 1]);
    });
  });

  it('depthwise (groups = channels) equals one conv per channel', () => {
    tidy(() => {
      const C = 3, x = rand([2, C, 6, 5], 21), w = rand([2 * C, 1, 3, 3], 22), b = rand([2 * C], 23);
      const y = conv2d(x, w, b, { padding: 'same', groups: C }).toArray();
      for (let c = 0; c < C; c++) {
        const yc = conv2d(slice(x, 1, c, c + 1), slice(w, 0, 2 * c, 2 * c + 2), slice(b, 0, 2 * c, 2 * c + 2),
          { padding: 'same' }).toArray();
        for (let n = 0; n < 2; n++)
          for (let i = 0; i < 2 * 30; i++)
            assert.ok(Math.abs(y[(n * 2 * C + 2 * c) * 30 + i] - yc[n * 60 + i]) < 1e-14, `channel ${c} sample ${n}`);
      }
    });
  });

  it('rejects bad shapes and options naming the op', () => {
    tidy(() => {
      const x = Tensor.zeros([2, 4, 7, 7]);
      assert.throws(() => conv2d(x, Tensor.zeros([6, 3, 3, 3])), /conv2d: w must be \[Cout,Cin\/groups,KH,KW\]/);
      assert.throws(() => conv2d(x, Tensor.zeros([6, 2, 3, 3]), null, { groups: 4 }), /conv2d: w must be/);
      assert.throws(() => conv2d(x, Tensor.zeros([6, 4, 3, 3]), Tensor.zeros([5])), /conv2d: .*bias \[6\]/);
      assert.throws(() => conv2d(x, Tensor.zeros([6, 4, 9, 9])), /conv2d: the dilated kernel/);
      assert.throws(() => conv2d(x, Tensor.zeros([6, 4, 3, 3]), null, { stride: 0 }), /conv2d: stride/);
      assert.throws(() => conv2d(x, Tensor.zeros([6, 4, 3, 3]), null, { padding: [1, 1, 1] as any }), /conv2d: padding/);
      assert.throws(() => conv2d(Tensor.zeros([2, 4, 7]), Tensor.zeros([6, 4, 3, 3])), /conv2d: expected x \[B,C,H,W\]/);
    });
  });
});
