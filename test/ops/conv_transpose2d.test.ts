// convTranspose2d: forward and every input gradient against PyTorch fixtures
// (tools/fixtures/conv_transpose2d.py: F.conv_transpose2d as it is for PyTorch's padding and
// output_padding; its full output cropped for Keras 'same'/'valid' and asymmetric pads), an f64
// gradcheck, the Keras size rules, and errors naming the op.
import { strict as assert } from 'node:assert';

import { gradcheck } from '../../lib/autograd/gradcheck';
import { convTranspose2d, type ConvTranspose2dOptions } from '../../lib/ops/conv_transpose2d';
import { Tensor, tidy } from '../../lib/tensor';
import { checkConvFixture, GRADCHECK, rand } from './op_checks';

/**
 * f32 against PyTorch: outputs sum up to 32*9 = 288 products and weight gradients up to
 * 2*7*7 = 98 per tap, in another order than PyTorch's (conv2d's input-gradient GEMM and
 * col2im). Measured |ours - torch| / (1 + |torch|): at most 3.5e-7 forward and 2.4e-6 for
 * gradients (conv_transpose2d_staead); the bounds below (atol = rtol) are conv2d's, which
 * leave more margin here. f64 fixtures: TOL.float64.
 */
const CONVT_TOL = { fwd: { rtol: 1e-5, atol: 1e-5 }, grad: { rtol: 3e-5, atol: 3e-5 } };

const FIXTURES = ['conv_transpose2d_same_s1', 'conv_transpose2d_same_s2', 'conv_transpose2d_same_s2_k4',
  'conv_transpose2d_valid_s2', 'conv_transpose2d_valid_s2_k1', 'conv_transpose2d_pad1_outpad1',
  'conv_transpose2d_dilation2_groups2', 'conv_transpose2d_depthwise', 'conv_transpose2d_asymmetric',
  'conv_transpose2d_staead', 'conv_transpose2d_same_s2_f64'];

describe('convTranspose2d', () => {
  for (const name of FIXTURES) {
    it(`matches PyTorch/Keras, forward and every gradient (${name})`, () => {
      checkConvFixture(name, CONVT_TOL, (x, w, bias, meta) => convTranspose2d(x, w, bias, { stride: meta.stride, dilation: meta.dilation, padding: meta.padding,
          outputPadding: meta.outputPadding, groups: meta.groups }));
    });
  }

  it('passes an f64 gradcheck for x, w and bias (stride 2 "same", output padding, groups)', () => {
    tidy(() => {
      const cases: [number[], number[], ConvTranspose2dOptions][] = [
        [[2, 4, 3, 4], [4, 1, 3, 3], { stride: 2, padding: 'same', groups: 2 }],
        [[1, 2, 3, 3], [2, 3, 3, 2], { stride: [2, 1], padding: [1, 0, 0, 1], outputPadding: [1, 0], dilation: [1, 2] }],
      ];
      for (const [xs, ws, opts] of cases) {
        const groups = opts.groups ?? 1;
        const inputs = [rand(xs, 31), rand(ws, 32, 0.5), rand([ws[1] * groups], 33)];
        const r = gradcheck((x, w, b) => convTranspose2d(x, w, b, opts), inputs, GRADCHECK);
        assert.ok(r.ok, `${JSON.stringify(opts)}: ${JSON.stringify(r.failure)}`);
      }
    });
  });

  it("gives size * stride with 'same' and Keras's length with 'valid'", () => {
    tidy(() => {
      for (const [H, W] of [[5, 5], [7, 6]])
        for (const k of [1, 2, 3, 4])
          for (const stride of [1, 2]) {
            const x = Tensor.zeros([1, 2, H, W]), w = Tensor.zeros([2, 3, k, k]);
            assert.deepEqual(convTranspose2d(x, w, null, { padding: 'same', stride }).shape, [1, 3, H * stride, W * stride]);
            const valid = (n: number) => n * stride + Math.max(k - stride, 0);
            assert.deepEqual(convTranspose2d(x, w, null, { padding: 'valid', stride }).shape, [1, 3, valid(H), valid(W)]);
          }
    });
  });

  it('rejects bad shapes and options naming the op', () => {
    tidy(() => {
      const x = Tensor.zeros([2, 3, 5, 5]);
      assert.throws(() => convTranspose2d(x, Tensor.zeros([4, 2, 3, 3])), /conv_transpose2d: w must be \[Cin,Cout\/groups,KH,KW\]/);
      assert.throws(() => convTranspose2d(x, Tensor.zeros([3, 2, 3, 3]), Tensor.zeros([3])), /convTranspose2d: .*bias \[2\]/);
      assert.throws(() => convTranspose2d(x, Tensor.zeros([3, 2, 3, 3]), null, { stride: 2, padding: 1, outputPadding: 2 }),
        /convTranspose2d: outputPadding \[2,2\] must be below the stride/);
      assert.throws(() => convTranspose2d(x, Tensor.zeros([3, 2, 3, 3]), null, { padding: 'same', outputPadding: 1 }),
        /convTranspose2d: outputPadding needs numeric pads/);
      assert.throws(() => convTranspose2d(x, Tensor.zeros([3, 2, 3, 3]), null, { padding: 9 }), /convTranspose2d: pads/);
    });
  });
});
