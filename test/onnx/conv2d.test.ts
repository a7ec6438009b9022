// ONNX: the Conv2d and ConvTranspose2d emitters (Conv / ConvTranspose with pads, group,
// output_padding, and auto_pad SAME_UPPER for 'same' at stride 2) run in onnxruntime-node equal
// the native eval forward within ATOL/RTOL (1e-4, helpers.ts).
import { Conv2d, ConvTranspose2d, type Module } from '../../lib/nn';
import { Generator } from '../../lib/random';
import type { Tensor } from '../../lib/tensor';
import type { GraphBuilder } from '../../lib/onnx/graph/builder';
import { assertParity, layerGraph, nativeForward, ortRun, randomizeState, recordParity, uniform } from './helpers';

interface Case {
  name: string;
  make: () => Module & { toOnnx(g: GraphBuilder, x: string, prefix: string): string; forward(x: Tensor): Tensor };
  inDims: number[];
  outDims: number[];
}

const gen = () => new Generator(5);
const CASES: Case[] = [
  { name: "Conv2d 3x3 'same' 13x13", make: () => new Conv2d(4, 6, 3, { padding: 'same', generator: gen() }), inDims: [4, 13, 13], outDims: [6, 13, 13] },
  { name: "Conv2d 3x3 stride 2 'same' 6x8 (pads only after: auto_pad SAME_UPPER)", make: () => new Conv2d(3, 4, 3, { stride: 2, padding: 'same', generator: gen() }), inDims: [3, 6, 8], outDims: [4, 3, 4] },
  { name: "Conv2d 3x3 stride 2 'same' 13x13", make: () => new Conv2d(3, 4, 3, { stride: 2, padding: 'same', generator: gen() }), inDims: [3, 13, 13], outDims: [4, 7, 7] },
  { name: 'Conv2d depthwise x2, dilation 2, no bias', make: () => new Conv2d(4, 8, 3, { groups: 4, dilation: 2, padding: 'same', bias: false, generator: gen() }), inDims: [4, 9, 9], outDims: [8, 9, 9] },
  { name: 'Conv2d 2x3, stride 2x1, pads 2,0,1,3, groups 2', make: () => new Conv2d(4, 6, [2, 3], { stride: [2, 1], padding: [2, 0, 1, 3], groups: 2, generator: gen() }), inDims: [4, 8, 7], outDims: [6, 5, 9] },
  { name: "ConvTranspose2d 3x3 stride 2 'same' 5x5 -> 10x10", make: () => new ConvTranspose2d(4, 3, 3, { stride: 2, padding: 'same', generator: gen() }), inDims: [4, 5, 5], outDims: [3, 10, 10] },
  { name: "ConvTranspose2d 3x3 stride 1 'same', groups 2", make: () => new ConvTranspose2d(4, 6, 3, { padding: 'same', groups: 2, generator: gen() }), inDims: [4, 5, 6], outDims: [6, 5, 6] },
  { name: 'ConvTranspose2d stride 2 pad 1 output padding 1 (PyTorch)', make: () => new ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1, generator: gen() }), inDims: [3, 5, 5], outDims: [2, 10, 10] },
  { name: "ConvTranspose2d 1x1 stride 2 'valid' (output padding 1)", make: () => new ConvTranspose2d(3, 2, 1, { stride: 2, padding: 'valid', bias: false, generator: gen() }), inDims: [3, 4, 4], outDims: [2, 8, 8] },
];

describe('onnx: Conv2d and ConvTranspose2d equal the native eval forward (onnxruntime CPU)', function () {
  this.timeout(60000);
  for (const c of CASES)
    for (const batch of [1, 3])
      it(`${c.name}, batch ${batch}`, async () => {
        const m = c.make();
        randomizeState(m, 13);
        m.eval();
        const shape = [batch, ...c.inDims];
        const x = uniform(shape.reduce((a, b) => a * b), 200 + batch, -2, 2);
        const bytes = layerGraph(['batch', ...c.inDims], (g, v) => m.toOnnx(g, v, 'layer'), ['batch', ...c.outDims]);
        const { y } = await ortRun(bytes, x, shape);
        const expected = nativeForward((t) => m.forward(t), x, shape);
        recordParity(c.name, assertParity(y, expected, c.name));
        m.dispose();
      });
});
