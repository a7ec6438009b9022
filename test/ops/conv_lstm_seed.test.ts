// conv_lstm, cell 'seed-self-attention-memory' (Macas' SaConvLSTM2DCell without its h/c swap;
// its PyTorch fixtures run in conv_lstm.test.ts): f64 gradchecks of every input, shown able to
// fail, the [c; M] state carry, the H == W requirement and the param errors.
import { strict as assert } from 'node:assert';

import { gradcheck } from '../../lib/autograd/gradcheck';
import { convLstm } from '../../lib/ops/conv_lstm';
import { affine } from '../../lib/ops/elementwise';
import { concat, slice } from '../../lib/ops/shape';
import { Tensor, tidy } from '../../lib/tensor';
import { GRADCHECK, rand } from './op_checks';

const SEED = 'seed-self-attention-memory' as const;

/**
 * f64 leaves for a small seed layer: x [2,3,2,4,4], F = 2, 3x3 kernels, in CONV_LSTM_PARAMS order
 * (w_x, w_h, bias, w_sa, w_z, w_mem, b_mem); h0 [2,2,4,4], c0 [2,4,4,4] (c then M). w_sa wide
 * enough that the [4,4] attention is far from uniform.
 */
function seedLeaves(): { params: Tensor[]; h0: Tensor; c0: Tensor; x: Tensor } {
  const F = 2, Cin = 2, n = 4;
  return {
    x: rand([2, 3, Cin, n, n], 81),
    params: [rand([4 * F, Cin, 3, 3], 82, 0.5), rand([4 * F, F, 3, 3], 83, 0.5), rand([4 * F], 84, 0.3),
      rand([5, F, 1, 1], 85, 4), rand([F, 2, 3, 3], 86, 0.7), rand([6 * F, 1, 3, 3], 87, 0.7), rand([3 * F], 88, 0.3)],
    h0: rand([2, F, n, n], 89, 0.8), c0: rand([2, 2 * F, n, n], 90, 1),
  };
}

const mask = () => Tensor.fromArray(Array.from({ length: 4 * 2 * 2 * 16 }, (_, i) => (i % 3 ? 1 / 0.7 : 0)), [4, 2, 2, 4, 4], { dtype: 'float64' });

describe('conv_lstm seed-self-attention-memory', () => {
  it('passes an f64 gradcheck of every input (sigmoid gates, a 4-gate mask, h0, c0 with M)', () => {
    tidy(() => {
      const { x, params, h0, c0 } = seedLeaves();
      const xMask = mask();
      const r = gradcheck((x_, h_, c_, ...p) =>
        convLstm(x_, p, { cell: SEED, recurrentActivation: 'sigmoid', xMask, h0: h_, c0: c_ }).y,
      [x, h0, c0, ...params], GRADCHECK);
      assert.ok(r.ok, JSON.stringify(r.failure));
    });
  });

  it('passes an f64 gradcheck without the biases, the mask and the initial state', () => {
    tidy(() => {
      const { x, params } = seedLeaves();
      const [wx, wh, , wsa, wz, wmem] = params;
      const r = gradcheck((x_, ...p) => convLstm(x_, [p[0], p[1], null, p[2], p[3], p[4], null], { cell: SEED, recurrentActivation: 'sigmoid' }).y,
        [x, wx, wh, wsa, wz, wmem], GRADCHECK);
      assert.ok(r.ok, JSON.stringify(r.failure));
    });
  });

  it('the gradcheck fails on a wrong backward (M_0 detached from c0)', () => {
    tidy(() => {
      const { x, params, h0, c0 } = seedLeaves();
      // the memory half of c0 re-made as a constant: its gradient path is dropped
      const r = gradcheck((c_) => {
        const m = Tensor.fromArray(slice(c_, 1, 2, 4).toArray(), [2, 2, 4, 4], { dtype: 'float64' });
        return convLstm(x, params, { cell: SEED, h0, c0: concat([slice(c_, 1, 0, 2), m], 1) }).y;
      }, [c0], GRADCHECK);
      assert.ok(!r.ok, "a gradient that ignores M_0 must fail the check");
    });
  });

  it('cN ([B,2F,H,W], c then M) carried into c0 continues the sequence exactly, and M matters', () => {
    tidy(() => {
      const { x: x3, params, h0, c0 } = seedLeaves();
      const x = concat([x3, affine(x3, 0.5, 0.1)], 1);  // T = 6
      const whole = convLstm(x, params, { cell: SEED, h0, c0 });
      const first = convLstm(slice(x, 1, 0, 4), params, { cell: SEED, h0, c0 });
      const hLast = slice(first.y, 1, 3, 4).reshape([2, 2, 4, 4]);
      const rest = convLstm(slice(x, 1, 4, 6), params, { cell: SEED, h0: hLast, c0: first.cN });
      assert.deepEqual(whole.cN.shape, [2, 4, 4, 4]);
      assert.deepEqual(Array.from(rest.y.toArray()), Array.from(slice(whole.y, 1, 4, 6).toArray()));
      assert.deepEqual(Array.from(rest.cN.toArray()), Array.from(whole.cN.toArray()));
      const cOnly = concat([slice(first.cN, 1, 0, 2), Tensor.zeros([2, 2, 4, 4], { dtype: 'float64' })], 1);
      const reset = convLstm(slice(x, 1, 4, 6), params, { cell: SEED, h0: hLast, c0: cOnly });
      assert.notDeepEqual(Array.from(reset.y.toArray()), Array.from(rest.y.toArray()));
    });
  });

  it('needs H == W and says so with the shapes; rejects bad params naming them', () => {
    tidy(() => {
      const F = 3;
      const seedParams = (K: number) => [Tensor.zeros([4 * F, 2, K, K]), Tensor.zeros([4 * F, F, K, K]), null,
        Tensor.zeros([5, F, 1, 1]), Tensor.zeros([F, 2, K, K]), Tensor.zeros([6 * F, 1, K, K]), null];
      const p = seedParams(3);
      const x = Tensor.zeros([2, 3, 2, 4, 4]);
      assert.equal(convLstm(x, p, { cell: SEED }).cN.shape[1], 2 * F, 'cN holds c and M');
      assert.throws(() => convLstm(Tensor.zeros([2, 3, 2, 4, 5]), p, { cell: SEED }),
        /conv_lstm: the SEED_SELF_ATTENTION_MEMORY cell multiplies the HxW maps as matrices, so it needs H == W; x is \[2,3,2,4,5\]/);
      assert.throws(() => convLstm(x, p.slice(0, 6), { cell: SEED }), /convLstm: the 'seed-self-attention-memory' cell takes 7 params/);
      assert.throws(() => convLstm(x, [...p.slice(0, 5), null, null], { cell: SEED }), /convLstm: w_mem is required/);
      assert.throws(() => convLstm(x, [...p.slice(0, 3), Tensor.zeros([4, F, 1, 1]), ...p.slice(4)], { cell: SEED }), /conv_lstm: w_sa must be \[5,3,1,1\]/);
      assert.throws(() => convLstm(x, [...p.slice(0, 4), Tensor.zeros([F, 2, 1, 1]), ...p.slice(5)], { cell: SEED }), /conv_lstm: w_z must be \[3,2,3,3\]/);
      assert.throws(() => convLstm(x, [...p.slice(0, 5), Tensor.zeros([3 * F, 1, 3, 3]), null], { cell: SEED }), /conv_lstm: w_mem must be \[18,1,3,3\]/);
      assert.throws(() => convLstm(x, [...p.slice(0, 6), Tensor.zeros([F])], { cell: SEED }), /conv_lstm: b_mem must be \[9\]/);
      assert.throws(() => convLstm(x, p, { cell: SEED, c0: Tensor.zeros([2, F, 4, 4]) }), /conv_lstm: c0 must be \[2,6,4,4\]/);
    });
  });
});
