// Pins the LSTM gate permutation: PyTorch stacks the gate blocks (i, f, g, o), ONNX (i, o, f, c).
// Checked three ways: the permutation function on labelled blocks, the exported initializers
// against the module's PyTorch-ordered parameters, and onnxruntime's behaviour on an LSTM whose
// gates are set apart by their biases alone (against the gate equations written out here, and
// with a control graph that skips the permutation and must disagree).
import { strict as assert } from 'node:assert';
import { onnx } from 'onnx-proto';
import { LSTM } from '../../lib/nn';
import { GraphBuilder } from '../../lib/onnx/graph/builder';
import { onnxGateOrder } from '../../lib/onnx/graph/layout';
import { assertParity, layerGraph, nativeForward, ortRun, randomizeState, uniform } from './helpers';

const H = 3, I = 2;
const sig = (v: number) => 1 / (1 + Math.exp(-v));

function initializer(bytes: Uint8Array, name: string): Float32Array {
  const t = onnx.ModelProto.decode(bytes).graph!.initializer!.find((x) => x.name === name);
  assert.ok(t, `initializer ${name}`);
  const raw = t!.rawData!;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

/** Block b (of 4) of a [4H, cols] array. */
const block = (a: ArrayLike<number>, b: number, cols: number) => Array.from(a).slice(b * H * cols, (b + 1) * H * cols);

/** An LSTM with zero weights and bias_ih giving gate block k (PyTorch order) the value v[k] for every unit. */
function biasOnlyLstm(v: number[]): LSTM {
  const m = new LSTM(I, H);
  for (const t of m.stateDict().values()) t.assign(new Float32Array(t.size));
  m.stateDict().get('bias_ih_l0')!.assign(v.flatMap((x) => Array<number>(H).fill(x)));
  return m.eval();
}

describe('onnx: LSTM gate permutation (PyTorch i,f,g,o -> ONNX i,o,f,c)', function () {
  this.timeout(30000);

  it('onnxGateOrder puts PyTorch blocks 0, 3, 1, 2 at ONNX positions 0, 1, 2, 3', () => {
    const cols = 2;
    const pt = Array.from({ length: 4 * H * cols }, (_, k) => Math.floor(k / (H * cols)) * 100 + (k % (H * cols)));
    const out = onnxGateOrder(pt, H, cols);
    [0, 3, 1, 2].forEach((src, dst) => assert.deepEqual(block(out, dst, cols), block(pt, src, cols), `ONNX block ${dst}`));
  });

  it('the exported W, R and B hold the module parameters with the blocks permuted, B = [b_ih, b_hh]', () => {
    const m = new LSTM(I, H);
    randomizeState(m, 3);
    const bytes = layerGraph(['batch', 4, I], (g, x) => m.toOnnx(g, x, 'lstm'), ['batch', 4, H]);
    const sd = m.stateDict();
    const names: [string, string, number][] = [['lstm.weight_ih_l0', 'weight_ih_l0', I], ['lstm.weight_hh_l0', 'weight_hh_l0', H]];
    for (const [onnxName, ptName, cols] of names) {
      const w = initializer(bytes, onnxName), pt = sd.get(ptName)!.toArray();
      assert.deepEqual(block(w, 0, cols), block(pt, 0, cols), `${ptName}: ONNX i = PyTorch i`);
      assert.deepEqual(block(w, 1, cols), block(pt, 3, cols), `${ptName}: ONNX o = PyTorch o (block 3)`);
      assert.deepEqual(block(w, 2, cols), block(pt, 1, cols), `${ptName}: ONNX f = PyTorch f (block 1)`);
      assert.deepEqual(block(w, 3, cols), block(pt, 2, cols), `${ptName}: ONNX c = PyTorch g (block 2)`);
    }
    const b = initializer(bytes, 'lstm.bias_l0');
    assert.equal(b.length, 8 * H);
    assert.deepEqual(Array.from(b.subarray(0, 4 * H)), Array.from(onnxGateOrder(sd.get('bias_ih_l0')!.toArray(), H)));
    assert.deepEqual(Array.from(b.subarray(4 * H)), Array.from(onnxGateOrder(sd.get('bias_hh_l0')!.toArray(), H)));
    m.dispose();
  });

  it('onnxruntime runs the gate equations with i, f, g, o where PyTorch has them (bias-only LSTM, batch 2)', async () => {
    // Gate pre-activations (PyTorch order i, f, g, o): all distinct, so any swap changes h.
    const z = [1.5, -0.4, 0.8, -1.1];
    const m = biasOnlyLstm(z);
    const T = 3, x = uniform(2 * T * I, 9);
    const bytes = layerGraph(['batch', T, I], (g, v) => m.toOnnx(g, v, 'lstm'), ['batch', T, H]);
    const { y } = await ortRun(bytes, x, [2, T, I]);
    // c_t = sig(z_f) c_{t-1} + sig(z_i) tanh(z_g), h_t = sig(z_o) tanh(c_t), from c_0 = 0.
    let c = 0;
    const expected: number[] = [];
    for (let t = 0; t < T; t++) {
      c = sig(z[1]) * c + sig(z[0]) * Math.tanh(z[2]);
      expected.push(sig(z[3]) * Math.tanh(c));
    }
    for (let b = 0; b < 2; b++)
      for (let t = 0; t < T; t++)
        for (let u = 0; u < H; u++) assert.ok(Math.abs(y[(b * T + t) * H + u] - expected[t]) < 1e-6, `h[${b},${t},${u}] = ${y[(b * T + t) * H + u]}, expected ${expected[t]}`);
    assertParity(y, nativeForward((t) => m.forward(t).output, x, [2, T, I]), 'bias-only LSTM');
    m.dispose();
  });

  it('control: the same LSTM exported WITHOUT the permutation disagrees with the native forward', async () => {
    const m = new LSTM(I, H);
    randomizeState(m, 5, 1);
    m.eval();
    const sd = m.stateDict();
    const g = new GraphBuilder('unpermuted');
    const x = g.input('x', ['batch', 4, I]);
    const xt = g.op('Transpose', [x], { perm: [1, 0, 2] });
    const w = g.floats('W', sd.get('weight_ih_l0')!.toArray(), [1, 4 * H, I]);
    const r = g.floats('R', sd.get('weight_hh_l0')!.toArray(), [1, 4 * H, H]);
    const bias = g.floats('B', [...sd.get('bias_ih_l0')!.toArray(), ...sd.get('bias_hh_l0')!.toArray()], [1, 8 * H]);
    const y = g.op('Squeeze', [g.op('LSTM', [xt, w, r, bias], { hidden_size: H }), g.int64Const([1])]);
    g.output('y', g.op('Transpose', [y], { perm: [1, 0, 2] }), ['batch', 4, H]);
    const input = uniform(4 * I, 4, -2, 2);
    const out = (await ortRun(g.encode(), input, [1, 4, I])).y;
    assert.throws(() => assertParity(out, nativeForward((t) => m.forward(t).output, input, [1, 4, I]), 'unpermuted'), /onnx .* vs native/);
    m.dispose();
  });
});
