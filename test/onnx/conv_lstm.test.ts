// ONNX: the ConvLSTM2d emitter (unrolled over the layer's fixed sequence length: Gather, Conv,
// Split, HardSigmoid/Sigmoid, Tanh, Mul, Add, Unsqueeze, Concat) run in onnxruntime-node equals
// the native eval forward within ATOL/RTOL (1e-4, helpers.ts).
import { ConvLSTM2d } from '../../lib/nn';
import { Generator } from '../../lib/random';
import { assertParity, layerGraph, nativeForward, ortRun, randomizeState, recordParity, uniform } from './helpers';

const CASES = [
  { name: 'ConvLSTM2d plain, hard sigmoid, 3x3, T 4, 6x5 maps, every step', opts: {}, T: 4, cin: 3, F: 4, H: 6, W: 5 },
  { name: 'ConvLSTM2d plain, sigmoid, 2x2 (asymmetric same), T 3, last step only', opts: { recurrentActivation: 'sigmoid' as const, kernelSize: 2, returnSequences: false }, T: 3, cin: 2, F: 3, H: 5, W: 5 },
  { name: 'ConvLSTM2d plain, no bias, 13x13, T 5', opts: { bias: false }, T: 5, cin: 4, F: 6, H: 13, W: 13 },
];

describe('onnx: ConvLSTM2d equals the native eval forward (onnxruntime CPU)', function () {
  this.timeout(60000);
  for (const c of CASES)
    for (const batch of [1, 3])
      it(`${c.name}, batch ${batch}`, async () => {
        const m = new ConvLSTM2d(c.cin, c.F, { ...c.opts, steps: c.T, generator: new Generator(9) });
        randomizeState(m, 17);
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
});
