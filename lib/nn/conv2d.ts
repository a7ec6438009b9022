// Conv2d and ConvTranspose2d over [B, C, H, W] maps, PyTorch's layers (weight layout and
// default init) with TF/Keras 'same' padding available, and their ONNX nodes.
import { conv2d, conv2dGeometry, type Conv2dOptions, type Pair } from '../ops/conv2d';
import { convTranspose2d, transposeGeometry, type ConvTranspose2dOptions } from '../ops/conv_transpose2d';
import type { GraphBuilder } from '../onnx/graph/builder';
import { Generator } from '../random';
import { Tensor } from '../tensor';
import { uniformInit } from './init';
import { Module } from './module';

interface LayerInit {
  bias?: boolean;
  generator?: Generator;
}
export type Conv2dLayerOptions = Conv2dOptions & LayerInit;
export type ConvTranspose2dLayerOptions = ConvTranspose2dOptions & LayerInit;

/** A map size for reading the pads where they do not depend on it (large, so that no kernel
 * is larger than the map). */
const ANY_SIZE = [1 << 16, 1 << 16];

const kernelPair = (k: Pair): [number, number] => (typeof k === 'number' ? [k, k] : [k[0], k[1]]);

/** ONNX's pads order from ours: [top, left, bottom, right] from [top, bottom, left, right]. */
const onnxPads = (g: readonly number[]): number[] => [g[4], g[6], g[5], g[7]];

/** y = conv2d(x, weight, bias): weight [out, in/groups, KH, KW], PyTorch's default init
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for weight and bias, fanIn = in/groups * KH * KW. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernel: [number, number];
  private readonly opts: Conv2dOptions;
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, opts: Conv2dLayerOptions = {}) {
    super();
    this.kernel = kernelPair(kernelSize);
    this.opts = { stride: opts.stride, padding: opts.padding, dilation: opts.dilation, groups: opts.groups };
    const groups = opts.groups ?? 1;
    if (inChannels % groups || outChannels % groups)
      throw new Error(`Conv2d: groups ${groups} must divide in ${inChannels} and out ${outChannels} channels`);
    conv2dGeometry('Conv2d', ANY_SIZE, this.kernel, this.opts);  // rejects bad options now
    const bound = 1 / Math.sqrt((inChannels / groups) * this.kernel[0] * this.kernel[1]);
    this.weight = this.registerParameter('weight', uniformInit([outChannels, inChannels / groups, ...this.kernel], bound, opts.generator));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', uniformInit([outChannels], bound, opts.generator));
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.opts);
  }
  /**
   * ONNX Conv, same weight layout (both are cross-correlations). Pads are explicit, except
   * 'same' at a stride above 1, whose pads depend on the input size: there auto_pad SAME_UPPER,
   * which is TF's rule (the odd pad at the end).
   */
  toOnnx(g: GraphBuilder, x: string, prefix = 'conv2d'): string {
    const { geometry } = conv2dGeometry('Conv2d', ANY_SIZE, this.kernel, this.opts);
    const inputs = [x, g.tensor(`${prefix}.weight`, this.weight)];
    if (this.bias) inputs.push(g.tensor(`${prefix}.bias`, this.bias));
    const sameByInput = this.opts.padding === 'same' && (geometry[0] > 1 || geometry[1] > 1);
    return g.op('Conv', inputs, {
      kernel_shape: this.kernel, strides: [geometry[0], geometry[1]], dilations: [geometry[2], geometry[3]],
      group: geometry[8], ...(sameByInput ? { auto_pad: 'SAME_UPPER' } : { pads: onnxPads(geometry) }),
    }, `${prefix}/Conv`);
  }
}

/** y = convTranspose2d(x, weight, bias): weight [in, out/groups, KH, KW], PyTorch's default init
 * with fanIn = out/groups * KH * KW (PyTorch reads it from the weight's second dim). */
export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernel: [number, number];
  private readonly opts: ConvTranspose2dOptions;
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, opts: ConvTranspose2dLayerOptions = {}) {
    super();
    this.kernel = kernelPair(kernelSize);
    this.opts = { stride: opts.stride, padding: opts.padding, outputPadding: opts.outputPadding, dilation: opts.dilation, groups: opts.groups };
    const groups = opts.groups ?? 1;
    if (inChannels % groups || outChannels % groups)
      throw new Error(`ConvTranspose2d: groups ${groups} must divide in ${inChannels} and out ${outChannels} channels`);
    transposeGeometry('ConvTranspose2d', ANY_SIZE, this.kernel, this.opts);  // rejects bad options now
    const bound = 1 / Math.sqrt((outChannels / groups) * this.kernel[0] * this.kernel[1]);
    this.weight = this.registerParameter('weight', uniformInit([inChannels, outChannels / groups, ...this.kernel], bound, opts.generator));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', uniformInit([outChannels], bound, opts.generator));
  }
  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, this.opts);
  }
  /** ONNX ConvTranspose with explicit pads and output_padding: for every padding mode they do not
   * depend on the input size (transposeGeometry), so they are read at any. */
  toOnnx(g: GraphBuilder, x: string, prefix = 'conv_transpose2d'): string {
    const { geometry, outPad } = transposeGeometry('ConvTranspose2d', ANY_SIZE, this.kernel, this.opts);
    const inputs = [x, g.tensor(`${prefix}.weight`, this.weight)];
    if (this.bias) inputs.push(g.tensor(`${prefix}.bias`, this.bias));
    return g.op('ConvTranspose', inputs, {
      kernel_shape: this.kernel, strides: [geometry[0], geometry[1]], dilations: [geometry[2], geometry[3]],
      group: geometry[8], pads: onnxPads(geometry), output_padding: outPad,
    }, `${prefix}/ConvTranspose`);
  }
}
