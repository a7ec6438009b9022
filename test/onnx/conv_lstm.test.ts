// ONNX: the ConvLSTM2d emitter, every cell, unrolled over the layer's fixed sequence length
// ('plain': Gather, Conv, Split, HardSigmoid/Sigmoid, Tanh, Mul, Add, Unsqueeze, Concat;
// 'input-attention' adds the grouped depthwise/pointwise Convs, ReduceMax/Sub/Exp for the
// attention and ReduceMean + 1x1 Conv for f and o; 'self-attention-memory' adds the memory
// module: 1x1 Convs, Reshape, Transpose, MatMul, Softmax, with M carried between steps;
// 'seed-self-attention-memory' MatMul over the [H,W] maps, Softmax on the last axis, a KxK Conv
// and depthwise Convs with group F), run in onnxruntime-node, equals the native eval forward
// within ATOL/RTOL (1e-4, helpers.ts); the emitted attention map peaks at exactly 1; the SA and
// seed attention rows sum to 1.
import { strict as assert } from 'node:assert';
import { ConvLSTM2d, type ConvLSTM2dOptions } from '../../lib/nn';
import { GraphBuilder } from '../../lib/onnx/graph/builder';
import { Generator } from '../../lib/random';
import { assertParity, layerGraph, nativeForward, ortRun, randomizeState, recordParity, uniform } from './helpers';

const IA = 'input-attention' as const;
const SA = 'self-attention-memory' as const;
const SEED = 'seed-self-attention-memory' as const;
const CASES: { name: string; opts: ConvLSTM2dOptions; T: number; cin: number; F: number; H: number; W: number; scale?: number }[] = [
  // scale: the range of the randomised weights (randomizeState; default 0.5): smaller with 32+
  // channels, so gates are not all saturated; larger with A 1, so the attention is not flat
  { name: 'ConvLSTM2d plain, hard sigmoid, 3x3, T 4, 6x5 maps, every step', opts: {}, T: 4, cin: 3, F: 4, H: 6, W: 5 },
  { name: 'ConvLSTM2d plain, sigmoid, 2x2 (asymmetric same), T 3, last step only', opts: { recurrentActivation: 'sigmoid' as const, kernelSize: 2, returnSequences: false }, T: 3, cin: 2, F: 3, H: 5, W: 5 },
  { name: 'ConvLSTM2d plain, no bias, 13x13, T 5', opts: { bias: false }, T: 5, cin: 4, F: 6, H: 13, W: 13 },
  { name: 'ConvLSTM2d input-attention, hard sigmoid, 3x3, T 4, 6x5 maps, every step', opts: { cell: IA }, T: 4, cin: 3, F: 4, H: 6, W: 5 },
  { name: 'ConvLSTM2d input-attention, sigmoid, 2x2 (asymmetric same), T 3, last step only', opts: { cell: IA, recurrentActivation: 'sigmoid' as const, kernelSize: 2, returnSequences: false }, T: 3, cin: 2, F: 3, H: 5, W: 5 },
  { name: 'ConvLSTM2d input-attention, hard sigmoid, no bias, 13x13, T 5', opts: { cell: IA, bias: false }, T: 5, cin: 4, F: 6, H: 13, W: 13 },
  { name: 'ConvLSTM2d input-attention, sigmoid, no bias, 13x13, T 4', opts: { cell: IA, recurrentActivation: 'sigmoid' as const, bias: false }, T: 4, cin: 5, F: 3, H: 13, W: 13 },
  { name: 'ConvLSTM2d input-attention, sigmoid, 3x3, T 4, 13x13', opts: { cell: IA, recurrentActivation: 'sigmoid' as const }, T: 4, cin: 5, F: 3, H: 13, W: 13 },
  { name: 'ConvLSTM2d self-attention-memory, hard sigmoid, 3x3, T 4, 6x5 maps, A 2, every step', opts: { cell: SA }, T: 4, cin: 3, F: 4, H: 6, W: 5 },
  { name: 'ConvLSTM2d self-attention-memory, sigmoid, 2x2 (asymmetric same), T 3, A 1, last step only', opts: { cell: SA, recurrentActivation: 'sigmoid' as const, kernelSize: 2, attentionChannels: 1, returnSequences: false }, T: 3, cin: 2, F: 3, H: 5, W: 5, scale: 1.5 },
  { name: 'ConvLSTM2d self-attention-memory, hard sigmoid, 3x3, T 4, 5x5, 32 -> 32 ch, A 16', opts: { cell: SA }, T: 4, cin: 32, F: 32, H: 5, W: 5, scale: 0.2 },
  { name: 'ConvLSTM2d self-attention-memory, sigmoid, no bias, 3x3, T 4, 5x5, 32 -> 48 ch, A 8', opts: { cell: SA, recurrentActivation: 'sigmoid' as const, bias: false, attentionChannels: 8 }, T: 4, cin: 32, F: 48, H: 5, W: 5, scale: 0.2 },
  { name: 'ConvLSTM2d self-attention-memory, hard sigmoid, no bias, 3x3, T 5, 13x13', opts: { cell: SA, bias: false }, T: 5, cin: 4, F: 6, H: 13, W: 13 },
  { name: 'ConvLSTM2d seed-self-attention-memory, hard sigmoid, 3x3, T 4, 6x6 maps, every step', opts: { cell: SEED }, T: 4, cin: 3, F: 4, H: 6, W: 6, scale: 1.5 },
  { name: 'ConvLSTM2d seed-self-attention-memory, sigmoid, 2x2 (asymmetric same), T 3, last step only', opts: { cell: SEED, recurrentActivation: 'sigmoid' as const, kernelSize: 2, returnSequences: false }, T: 3, cin: 2, F: 3, H: 5, W: 5, scale: 1.5 },
  { name: 'ConvLSTM2d seed-self-attention-memory, hard sigmoid, 3x3, T 4, 5x5, 32 -> 32 ch', opts: { cell: SEED }, T: 4, cin: 32, F: 32, H: 5, W: 5, scale: 0.2 },
  { name: 'ConvLSTM2d seed-self-attention-memory, sigmoid, no bias, 3x3, T 5, 10x10', opts: { cell: SEED, recurrentActivation: 'sigmoid' as const, bias: false }, T: 5, cin: 4, F: 6, H: 10, W: 10 },
];

/** `rows` rows of length n in a, each summing to 1, the largest weight above `peak` / n. */
function assertRowStochastic(a: Float32Array, rows: number, n: number, peak: number, what: string): void {
  assert.equal(a.length, rows * n);
  let widest = 0;
  for (let r = 0; r < rows; r++) {
    const row = Array.from(a.subarray(r * n, (r + 1) * n));
    const total = row.reduce((x, y) => x + y, 0);
    assert.ok(Math.abs(total - 1) < 1e-5, `${what} row ${r} sums to ${total}`);
    widest = Math.max(widest, ...row);
  }
  assert.ok(widest > peak / n, `${what}: the largest weight ${widest} is near uniform (1/${n} = ${1 / n})`);
}

describe('onnx: ConvLSTM2d equals the native eval forward (onnxruntime CPU)', function () {
  this.timeout(60000);
  for (const c of CASES)
    for (const batch of [1, 3])
      it(`${c.name}, batch ${batch}`, async () => {
        const m = new ConvLSTM2d(c.cin, c.F, { ...c.opts, steps: c.T, generator: new Generator(9) });
        randomizeState(m, 17, c.scale);
        m.eval();
        const shape = [batch, c.T, c.cin, c.H, c.W];
        const x = uniform(shape.reduce((a, b) => a * b), 300 + batch, -2, 2);
        const outDims = c.opts.returnSequences === false ? ['batch', c.F, c.H, c.W] : ['batch', c.T, c.F, c.H, c.W];
        const bytes = layerGraph(['batch', c.T, c.cin, c.H, c.W], (g, v) => m.toOnnx(g, v, 'layer'), outDims);
        const { y } = await ortRun(bytes, x, shape);
        const expected = nativeForward((t) => m.forward(t).output, x, shape);
        recordParity(c.name, assertParity(y, expected, c.name));
        m.dispose();
      });

  it('ConvLSTM2d input-attention: the emitted attention map exp(z - max z) peaks at exactly 1 per sample and channel', async () => {
    const B = 2, T = 3, cin = 3, F = 4, H = 7, W = 6;
    const m = new ConvLSTM2d(cin, F, { cell: IA, steps: T, generator: new Generator(9) });
    randomizeState(m, 23, 0.8);
    m.eval();
    const g = new GraphBuilder('attention_test');
    g.output('y', m.toOnnx(g, g.input('x', ['batch', T, cin, H, W]), 'layer'), ['batch', T, F, H, W]);
    g.output('att', 'layer/t2/attention:out', ['batch', F, H, W]);  // the last step's i (node `${s}/attention`)
    const { att } = await ortRun(g.encode(), uniform(B * T * cin * H * W, 5, -2, 2), [B, T, cin, H, W]);
    const S = H * W;
    for (let bf = 0; bf < B * F; bf++) {
      const map = Array.from(att.subarray(bf * S, (bf + 1) * S));
      assert.ok(Math.abs(Math.max(...map) - 1) < 1e-6, `map ${bf}: max ${Math.max(...map)}`);
      assert.ok(Math.min(...map) > 0 && Math.min(...map) < 0.99, `map ${bf}: min ${Math.min(...map)} (not a flat map)`);
    }
    m.dispose();
  });

  it('ConvLSTM2d self-attention-memory: the emitted A_h and A_m are row-stochastic [B, N, N] and not flat', async () => {
    const B = 2, T = 4, cin = 3, F = 4, H = 5, W = 6, N = H * W;
    const m = new ConvLSTM2d(cin, F, { cell: SA, steps: T, generator: new Generator(9) });
    randomizeState(m, 29, 1.5);
    m.eval();
    const g = new GraphBuilder('sa_attention_test');
    g.output('y', m.toOnnx(g, g.input('x', ['batch', T, cin, H, W]), 'layer'), ['batch', T, F, H, W]);
    g.output('a_h', 'layer/t3/h/A:out', ['batch', N, N]);  // the last step's A_h (node `${s}/h/A`)
    g.output('a_m', 'layer/t3/m/A:out', ['batch', N, N]);
    const out = await ortRun(g.encode(), uniform(B * T * cin * H * W, 7, -2, 2), [B, T, cin, H, W]);
    for (const name of ['a_h', 'a_m']) assertRowStochastic(out[name], B * N, N, 3, name);
    m.dispose();
  });

  it('ConvLSTM2d seed-self-attention-memory: the emitted A_h and A_m are row-stochastic [B, 1, H, W] and not flat', async () => {
    const B = 2, T = 4, cin = 3, F = 4, n = 6;
    const m = new ConvLSTM2d(cin, F, { cell: SEED, steps: T, generator: new Generator(9) });
    randomizeState(m, 31, 1.5);
    m.eval();
    const g = new GraphBuilder('seed_attention_test');
    g.output('y', m.toOnnx(g, g.input('x', ['batch', T, cin, n, n]), 'layer'), ['batch', T, F, n, n]);
    g.output('a_h', 'layer/t3/h/A:out', ['batch', 1, n, n]);  // the last step's A_h (node `${s}/h/A`)
    g.output('a_m', 'layer/t3/m/A:out', ['batch', 1, n, n]);
    const out = await ortRun(g.encode(), uniform(B * T * cin * n * n, 7, -2, 2), [B, T, cin, n, n]);
    for (const name of ['a_h', 'a_m']) assertRowStochastic(out[name], B * n, n, 2, name);
    m.dispose();
  });
});
