// Every layer's ONNX emitter against its native eval-mode forward, with onnxruntime-node on the
// CPU, batch 1 and batch 3 (the batch axis is symbolic), seeded random weights, statistics and
// inputs. Tolerance: |onnx - native| <= 1e-4 + 1e-4 |native| (helpers.ts).
import { strict as assert } from 'node:assert';
import { BatchNorm1d, CausalConv1d, Dropout, ELU, LeakyReLU, Linear, LSTM, ReLU, SELU, Sequential, Sigmoid, Tanh, type Module } from '../../lib/nn';
import { Generator } from '../../lib/random';
import type { Tensor } from '../../lib/tensor';
import type { GraphBuilder } from '../../lib/onnx/graph/builder';
import { assertParity, layerGraph, nativeForward, ortRun, randomizeState, recordParity, uniform } from './helpers';

interface Case {
  name: string;
  make: () => Module & { toOnnx(g: GraphBuilder, x: string, prefix: string): string };
  forward: (m: any, x: Tensor) => Tensor;
  /** Input and output dims after the batch axis. */
  inDims: number[];
  outDims: number[];
}

const gen = () => new Generator(7);
const plain = (m: any, x: Tensor) => m.forward(x);
const CASES: Case[] = [
  { name: 'Linear on [B, T, F]', make: () => new Linear(5, 3, { generator: gen() }), forward: plain, inDims: [4, 5], outDims: [4, 3] },
  { name: 'Linear on [B, F], no bias', make: () => new Linear(5, 3, { bias: false, generator: gen() }), forward: plain, inDims: [5], outDims: [3] },
  { name: 'LSTM, 1 layer', make: () => new LSTM(3, 5, { generator: gen() }), forward: (m, x) => m.forward(x).output, inDims: [7, 3], outDims: [7, 5] },
  { name: 'LSTM, 2 layers, no bias', make: () => new LSTM(4, 3, { numLayers: 2, bias: false, generator: gen() }), forward: (m, x) => m.forward(x).output, inDims: [6, 4], outDims: [6, 3] },
  { name: 'CausalConv1d k=2 d=1', make: () => new CausalConv1d(3, 4, 2, { generator: gen() }), forward: plain, inDims: [3, 9], outDims: [4, 9] },
  { name: 'CausalConv1d k=3 d=4 (reach beyond the window), no bias', make: () => new CausalConv1d(2, 3, 3, { dilation: 4, bias: false, generator: gen() }), forward: plain, inDims: [2, 7], outDims: [3, 7] },
  { name: 'BatchNorm1d channel axis 1 on [B, C, T]', make: () => new BatchNorm1d(4, { eps: 1e-3 }), forward: plain, inDims: [4, 6], outDims: [4, 6] },
  { name: 'BatchNorm1d channels-last on [B, T, C]', make: () => new BatchNorm1d(4, { channelAxis: -1, eps: 1e-3 }), forward: plain, inDims: [6, 4], outDims: [6, 4] },
  { name: 'BatchNorm1d channels-last on [B, C], no affine', make: () => new BatchNorm1d(4, { channelAxis: -1, affine: false }), forward: plain, inDims: [4], outDims: [4] },
  { name: 'BatchNorm1d axis -2 on [B, C, T]', make: () => new BatchNorm1d(3, { channelAxis: -2 }), forward: plain, inDims: [3, 5], outDims: [3, 5] },
  { name: 'Tanh', make: () => new Tanh(), forward: plain, inDims: [3, 4], outDims: [3, 4] },
  { name: 'Sigmoid', make: () => new Sigmoid(), forward: plain, inDims: [3, 4], outDims: [3, 4] },
  { name: 'ReLU', make: () => new ReLU(), forward: plain, inDims: [3, 4], outDims: [3, 4] },
  { name: 'LeakyReLU 0.2', make: () => new LeakyReLU(0.2), forward: plain, inDims: [3, 4], outDims: [3, 4] },
  { name: 'ELU 0.7', make: () => new ELU(0.7), forward: plain, inDims: [3, 4], outDims: [3, 4] },
  { name: 'SELU', make: () => new SELU(), forward: plain, inDims: [3, 4], outDims: [3, 4] },
  {
    name: 'Sequential(Linear, Dropout, ELU, Linear, BatchNorm1d channels-last, Tanh)',
    make: () => new Sequential(new Linear(5, 6, { generator: gen() }), new Dropout(0.3), new ELU(), new Linear(6, 4, { generator: gen() }), new BatchNorm1d(4, { channelAxis: -1 }), new Tanh()),
    forward: plain, inDims: [3, 5], outDims: [3, 4],
  },
];

describe('onnx: layer emitters equal the native eval forward (onnxruntime CPU)', function () {
  this.timeout(60000);
  for (const c of CASES) {
    for (const batch of [1, 3]) {
      it(`${c.name}, batch ${batch}`, async () => {
        const m = c.make();
        randomizeState(m, 11);
        m.eval();
        const shape = [batch, ...c.inDims];
        const x = uniform(shape.reduce((a, b) => a * b), 100 + batch, -2, 2);
        const bytes = layerGraph(['batch', ...c.inDims], (g, v) => m.toOnnx(g, v, 'layer'), ['batch', ...c.outDims]);
        const { y } = await ortRun(bytes, x, shape);
        const expected = nativeForward((t) => c.forward(m, t), x, shape);
        recordParity(c.name, assertParity(y, expected, c.name));
        m.dispose();
      });
    }
  }

  it('Dropout adds no node; a graph that is only a Dropout still has its output (through Identity)', async () => {
    const d = new Dropout(0.5);
    const bytes = layerGraph(['batch', 3], (g, v) => d.toOnnx(g, v, 'drop'), ['batch', 3]);
    const x = uniform(6, 3);
    assert.deepEqual(Array.from((await ortRun(bytes, x, [2, 3])).y), Array.from(x));
  });

  it('refuses what has no exact export: BatchNorm1d without running statistics, a positive channel axis other than 1, a layer without emitter', () => {
    const noStats = new BatchNorm1d(3, { trackRunningStats: false });
    assert.throws(() => layerGraph(['batch', 3], (g, v) => noStats.toOnnx(g, v, 'bn'), ['batch', 3]), /no running statistics to export/);
    const axis2 = new BatchNorm1d(3, { channelAxis: 2 });
    assert.throws(() => layerGraph(['batch', 4, 3], (g, v) => axis2.toOnnx(g, v, 'bn'), ['batch', 4, 3]), /channel axis 1 or a negative .* not 2/);
    class Odd extends Tanh {
      override toOnnx = undefined as any;
    }
    const seq = new Sequential(new Tanh(), new Odd());
    assert.throws(() => layerGraph(['batch', 3], (g, v) => seq.toOnnx(g, v, 'seq'), ['batch', 3]), /seq\.1 \(Odd\) has no ONNX emitter/);
  });
});
