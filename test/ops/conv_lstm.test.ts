// conv_lstm: forward, c_n and every gradient against PyTorch cells written from the ops.h
// equations (tools/fixtures/conv_lstm_cells.py, cross-checked there against torch.nn.LSTM at 1x1),
// f64 gradchecks (shown able to fail), the no-gradient-from-c_n rule and argument errors.
import { strict as assert } from 'node:assert';

import { gradcheck } from '../../lib/autograd/gradcheck';
import { convLstm, CONV_LSTM_PARAMS, type ConvLstmCell } from '../../lib/ops/conv_lstm';
import { sum } from '../../lib/ops/reduce';
import { affine } from '../../lib/ops/elementwise';
import { concat, slice } from '../../lib/ops/shape';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { checkGrads, GRADCHECK, rand, TOL } from './op_checks';

/**
 * f32: each gate sums up to 9*(Cin + F) = 144 products per step through T = 4 steps of
 * recurrence, in another order than PyTorch (GEMM over im2col), and the backward runs BPTT
 * through the same steps. Bounds |d| <= tol * (1 + |torch|). The self-attention-memory fixtures'
 * f32 outputs lie within 3.2e-6 of PyTorch's own f64 run on the same inputs (the generator prints
 * it; peaked attention makes f32 sensitive, so their q/k scales keep the logits moderate).
 */
const F32 = { fwd: { rtol: 2e-5, atol: 2e-5 }, grad: { rtol: 1e-4, atol: 1e-4 } };

const FIXTURES: Record<ConvLstmCell, string[]> = {
  plain: ['plain_hard', 'plain_sigmoid_state', 'plain_mask4_hard', 'plain_mask1', 'plain_nobias',
    'plain_k2', 'plain_f64', 'plain_staead'],
  'input-attention': ['attn_hard', 'attn_mask4_state', 'attn_sigmoid', 'attn_nobias', 'attn_f64', 'attn_13x13'],
  'self-attention-memory': ['sam_hard', 'sam_mask4_state', 'sam_sigmoid_nobias', 'sam_f64', 'sam_5x5'],
  // its gradchecks and errors: conv_lstm_seed.test.ts
  'seed-self-attention-memory': ['seed_hard', 'seed_mask4_state', 'seed_sigmoid_nobias', 'seed_k2', 'seed_f64', 'seed_5x5'],
};

function runFixture(name: string): void {
  tidy(() => {
    const f = loadFixture(`conv_lstm_${name}`);
    const cell = (f.meta.cell as string).replace(/_/g, '-') as ConvLstmCell;  // the fixtures' input_attention
    const leaf = (k: string) => (f.has(k) ? f.tensor(k, { requiresGrad: f.has(`grad.${k}`) }) : null);
    const x = leaf('x')!;
    const params = (f.meta.params as string[]).map(leaf);
    assert.deepEqual(f.meta.params, CONV_LSTM_PARAMS[cell].names, 'the fixture lists the params in the op order');
    const h0 = leaf('h0'), c0 = leaf('c0');
    const { y, cN } = convLstm(x, params, {
      cell, recurrentActivation: f.meta.hard_sigmoid ? 'hard-sigmoid' : 'sigmoid',
      xMask: f.has('x_mask') ? f.tensor('x_mask') : null, h0, c0,
    });
    const tol = x.dtype === 'float64' ? TOL.float64 : F32;
    assertClose(y, f.tensor('out.y'), tol.fwd, 'y');
    assertClose(cN, f.tensor('out.c_n'), tol.fwd, 'c_n');
    const inputs: Record<string, Tensor> = { x };
    (f.meta.params as string[]).forEach((k, i) => { if (params[i]) inputs[k] = params[i]!; });
    if (h0) inputs.h0 = h0;
    if (c0) inputs.c0 = c0;
    for (const k of Object.keys(inputs)) assert.ok(f.has(`grad.${k}`), `the fixture has grad.${k}`);
    checkGrads(f, y, 'y', inputs, tol.grad);
  });
}

/** f64 leaves for a small plain layer: x [2,3,2,4,5], F = 3, 3x3 kernels; h0, c0. */
function plainLeaves(): Tensor[] {
  const F = 3, Cin = 2;
  return [rand([2, 3, Cin, 4, 5], 31), rand([4 * F, Cin, 3, 3], 32, 0.4), rand([4 * F, F, 3, 3], 33, 0.4),
    rand([4 * F], 34, 0.3), rand([2, F, 4, 5], 35, 0.5), rand([2, F, 4, 5], 36, 0.5)];
}

/**
 * f64 leaves for a small input-attention layer: x [2,3,2,4,5], F = 3, 3x3 depthwise kernels, in
 * CONV_LSTM_PARAMS order (dw_x, pw_x, dw_h, pw_h, bias, gw_x, gw_h, gate_bias); h0, c0. Scaled so
 * the attention logits spread over a few units (the softmax and its max both matter).
 */
function attentionLeaves(): { params: Tensor[]; h0: Tensor; c0: Tensor; x: Tensor } {
  const F = 3, Cin = 2;
  return {
    x: rand([2, 3, Cin, 4, 5], 41),
    params: [rand([2 * Cin, 1, 3, 3], 42, 0.8), rand([2 * F, Cin, 1, 1], 43, 0.8),
      rand([3 * F, 1, 3, 3], 44, 0.8), rand([3 * F, F, 1, 1], 45, 0.8), rand([2 * F], 46, 0.3),
      rand([2 * F, Cin], 47, 0.5), rand([2 * F, F], 48, 0.5), rand([2 * F], 49, 0.3)],
    h0: rand([2, F, 4, 5], 50, 0.5), c0: rand([2, F, 4, 5], 51, 0.5),
  };
}

/**
 * f64 leaves for a small self-attention-memory layer: x [2,3,2,3,4], F = 2, A = 2 query/key
 * channels, 3x3 ConvLSTM kernels, in CONV_LSTM_PARAMS order; h0 [2,2,3,4] and c0 [2,4,3,4] (c then
 * M). The q/k projections are wide enough that the attention is far from uniform.
 */
function samLeaves(): { params: Tensor[]; h0: Tensor; c0: Tensor; x: Tensor } {
  const F = 2, Cin = 2, A = 2;
  return {
    x: rand([2, 3, Cin, 3, 4], 61),
    params: [rand([4 * F, Cin, 3, 3], 62, 0.5), rand([4 * F, F, 3, 3], 63, 0.5), rand([4 * F], 64, 0.3),
      rand([2 * A + F, F, 1, 1], 65, 3), rand([2 * A + F], 66, 0.3), rand([A + F, F, 1, 1], 67, 3),
      rand([A + F], 68, 0.3), rand([2 * F, 2 * F, 1, 1], 69, 0.7), rand([2 * F], 70, 0.3),
      rand([3 * F, 3 * F, 1, 1], 71, 0.7), rand([3 * F], 72, 0.3)],
    h0: rand([2, F, 3, 4], 73, 0.8), c0: rand([2, 2 * F, 3, 4], 74, 1),
  };
}

describe('conv_lstm', () => {
  for (const [, names] of Object.entries(FIXTURES))
    for (const name of names)
      it(`matches the PyTorch cell, forward, c_n and every gradient (${name})`, () => runFixture(name));

  it('passes an f64 gradcheck for x, the weights, bias, h0 and c0 (sigmoid and a 4-gate mask)', () => {
    tidy(() => {
      const [x, wx, wh, b, h0, c0] = plainLeaves();
      const mask = Tensor.fromArray(Array.from({ length: 4 * 2 * 2 * 20 }, (_, i) => (i % 3 ? 1 / 0.7 : 0)), [4, 2, 2, 4, 5], { dtype: 'float64' });
      const r = gradcheck((x_, wx_, wh_, b_, h_, c_) =>
        convLstm(x_, [wx_, wh_, b_], { recurrentActivation: 'sigmoid', xMask: mask, h0: h_, c0: c_ }).y,
      [x, wx, wh, b, h0, c0], GRADCHECK);
      assert.ok(r.ok, JSON.stringify(r.failure));
    });
  });

  it('passes an f64 gradcheck of every input-attention input (sigmoid gates, a 4-gate mask, h0, c0)', () => {
    tidy(() => {
      const { x, params, h0, c0 } = attentionLeaves();
      const mask = Tensor.fromArray(Array.from({ length: 4 * 2 * 2 * 20 }, (_, i) => (i % 3 ? 1 / 0.7 : 0)), [4, 2, 2, 4, 5], { dtype: 'float64' });
      const r = gradcheck((x_, h_, c_, ...p) =>
        convLstm(x_, p, { cell: 'input-attention', recurrentActivation: 'sigmoid', xMask: mask, h0: h_, c0: c_ }).y,
      [x, h0, c0, ...params], GRADCHECK);
      assert.ok(r.ok, JSON.stringify(r.failure));
    });
  });

  it('passes an f64 gradcheck of every self-attention-memory input (sigmoid gates, a 4-gate mask, h0, c0 with M)', () => {
    tidy(() => {
      const { x, params, h0, c0 } = samLeaves();
      const mask = Tensor.fromArray(Array.from({ length: 4 * 2 * 2 * 12 }, (_, i) => (i % 3 ? 1 / 0.7 : 0)), [4, 2, 2, 3, 4], { dtype: 'float64' });
      const r = gradcheck((x_, h_, c_, ...p) =>
        convLstm(x_, p, { cell: 'self-attention-memory', recurrentActivation: 'sigmoid', xMask: mask, h0: h_, c0: c_ }).y,
      [x, h0, c0, ...params], GRADCHECK);
      assert.ok(r.ok, JSON.stringify(r.failure));
    });
  });

  it('self-attention-memory: cN ([B,2F,H,W], c then M) carried into c0 continues the sequence exactly', () => {
    tidy(() => {
      const { x: x3, params, h0, c0 } = samLeaves();
      const x = concat([x3, affine(x3, 0.5, 0.1)], 1);  // T = 6
      const opts = { cell: 'self-attention-memory' as const, h0, c0 };
      const whole = convLstm(x, params, opts);
      const first = convLstm(slice(x, 1, 0, 4), params, opts);
      const rest = convLstm(slice(x, 1, 4, 6), params, {
        cell: 'self-attention-memory', h0: slice(first.y, 1, 3, 4).reshape([2, 2, 3, 4]), c0: first.cN,
      });
      assert.deepEqual(whole.cN.shape, [2, 4, 3, 4]);
      assert.deepEqual(Array.from(rest.y.toArray()), Array.from(slice(whole.y, 1, 4, 6).toArray()));
      assert.deepEqual(Array.from(rest.cN.toArray()), Array.from(whole.cN.toArray()));
      // M matters: zeroing its half of c0 changes the continuation
      const cOnly = concat([slice(first.cN, 1, 0, 2), Tensor.zeros([2, 2, 3, 4], { dtype: 'float64' })], 1);
      const reset = convLstm(slice(x, 1, 4, 6), params, {
        cell: 'self-attention-memory', h0: slice(first.y, 1, 3, 4).reshape([2, 2, 3, 4]), c0: cOnly,
      });
      assert.notDeepEqual(Array.from(reset.y.toArray()), Array.from(rest.y.toArray()));
    });
  });

  it("the gradcheck fails on a wrong backward (h0's gradient dropped)", () => {
    tidy(() => {
      const [x, wx, wh, b, h0] = plainLeaves();
      // detaching h0 inside the function keeps the forward and drops its gradient path
      const r = gradcheck((x_, h_) => convLstm(x_, [wx, wh, b], { recurrentActivation: 'sigmoid', h0: Tensor.fromArray(h_.toArray(), h_.shape, { dtype: 'float64' }) }).y,
        [x, h0], GRADCHECK);
      assert.ok(!r.ok, 'a gradient that ignores h0 must fail the check');
    });
  });

  it('sends no gradient through c_n, and h_T is the last step of y', () => {
    tidy(() => {
      const [x, wx, wh, b] = plainLeaves();
      const { y, cN } = convLstm(x, [wx, wh, b]);
      sum(cN).backward();
      assert.ok(!wx.grad || Array.from(wx.grad.toArray()).every((v) => v === 0), 'c_n carries no gradient');
      assert.deepEqual(cN.shape, [2, 3, 4, 5]);
      assert.deepEqual(y.shape, [2, 3, 3, 4, 5]);
    });
  });

  it('rejects bad params and shapes naming the op', () => {
    tidy(() => {
      const x = Tensor.zeros([2, 3, 2, 4, 5]);
      const wx = Tensor.zeros([12, 2, 3, 3]), wh = Tensor.zeros([12, 3, 3, 3]);
      assert.throws(() => convLstm(x, [wx, wh]), /convLstm: the 'plain' cell takes 3 params/);
      assert.throws(() => convLstm(x, [wx, null, null]), /convLstm: w_h is required/);
      assert.throws(() => convLstm(Tensor.zeros([2, 2, 4, 5]), [wx, wh, null]), /convLstm: x must be \[B,T,Cin,H,W\]/);
      assert.throws(() => convLstm(x, [Tensor.zeros([12, 3, 3, 3]), wh, null]), /conv_lstm: w_x must be \[12,2,3,3\]/);
      assert.throws(() => convLstm(x, [wx, wh, null], { xMask: Tensor.zeros([2, 2, 2, 4, 5]) }), /conv_lstm: x_mask must be \[G,B,Cin,H,W\] with G 1 or 4/);
      assert.throws(() => convLstm(x, [wx, wh, null], { h0: Tensor.zeros([2, 3, 4, 4]) }), /conv_lstm: h0 must be \[2,3,4,5\]/);
      const a = attentionLeaves().params.map((p) => Tensor.zeros(p.shape));
      assert.throws(() => convLstm(x, a.slice(0, 7), { cell: 'input-attention' }), /convLstm: the 'input-attention' cell takes 8 params/);
      assert.throws(() => convLstm(x, [a[0], a[1], a[2], Tensor.zeros([9, 3, 3, 3]), ...a.slice(4)], { cell: 'input-attention' }), /conv_lstm: pw_h must be \[3F,F,1,1\]/);
      assert.throws(() => convLstm(x, [a[0], a[1], Tensor.zeros([6, 1, 3, 3]), ...a.slice(3)], { cell: 'input-attention' }), /conv_lstm: dw_h must be \[3F,1,KH,KW\] with F=3/);
      assert.throws(() => convLstm(x, [a[0], a[1], a[2], a[3], a[4], Tensor.zeros([6, 3]), a[6], a[7]], { cell: 'input-attention' }), /conv_lstm: gw_x must be \[6,2\]/);
      // self-attention-memory (F = 3 from w_h, A from w_qkv [2A+F,F,1,1])
      const sam = { cell: 'self-attention-memory' as const };
      const m = [wx, wh, null, Tensor.zeros([7, 3, 1, 1]), null, Tensor.zeros([5, 3, 1, 1]), null,
        Tensor.zeros([6, 6, 1, 1]), null, Tensor.zeros([9, 9, 1, 1]), null];
      assert.equal(convLstm(x, m, sam).cN.shape[1], 6, 'cN holds c and M');
      assert.throws(() => convLstm(x, m.slice(0, 10), sam), /convLstm: the 'self-attention-memory' cell takes 11 params/);
      assert.throws(() => convLstm(x, [...m.slice(0, 9), null, null], sam), /convLstm: w_mem is required/);
      assert.throws(() => convLstm(x, [wx, wh, null, Tensor.zeros([6, 3, 1, 1]), ...m.slice(4)], sam), /conv_lstm: w_qkv must be \[2A\+F,F,1,1\] with A >= 1 and F=3/);
      assert.throws(() => convLstm(x, [...m.slice(0, 5), Tensor.zeros([4, 3, 1, 1]), ...m.slice(6)], sam), /conv_lstm: w_kv_m must be \[5,3,1,1\]/);
      assert.throws(() => convLstm(x, [...m.slice(0, 9), Tensor.zeros([9, 6, 1, 1]), null], sam), /conv_lstm: w_mem must be \[9,9,1,1\]/);
      assert.throws(() => convLstm(x, m, { ...sam, c0: Tensor.zeros([2, 3, 4, 5]) }), /conv_lstm: c0 must be \[2,6,4,5\]/);
    });
  });
});
