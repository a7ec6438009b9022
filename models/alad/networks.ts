// ALAD's five networks for tabular rows (seed-models.md §4.3, the original's kdd_utilities.py):
// the encoder E, the generator G and the discriminators D_xz, D_xx, D_zz. Every dense layer
// starts Xavier-uniform with zero bias (the original's init); LeakyReLU slope 0.2 (the
// reproduction's 0.01 is a bug we do not copy); dropout is never applied to a logit.
import { batchNorm } from '../../lib/ops/batch_norm';
import { concat, leakyRelu, relu } from '../../lib/ops';
import { BatchNorm1d, Dropout, LeakyReLU, Linear, Module, ReLU } from '../../lib/nn';
import { glorotUniform } from '../../lib/nn/init';
import type { GraphBuilder } from '../../lib/onnx/graph/builder';
import type { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor';

/** Widths and rates of the networks; the defaults are the paper's KDD Cup 99 sizes. */
export interface AladSizes {
  inputs: number;
  latent: number;
  /** E: inputs -> encoderWidth -> latent. */
  encoderWidth: number;
  /** G: latent -> generatorWidths[0] -> generatorWidths[1] -> inputs. */
  generatorWidths: [number, number];
  /** D_xz: each branch and the joint layer (f_xz). */
  dxzWidth: number;
  /** D_xx's feature layer f_xx (the score's features). */
  dxxWidth: number;
  dzzWidth: number;
  /** LeakyReLU slope of E and the discriminators. */
  slope: number;
  /** Dropout rates: D_xz's z branch and joint layer, D_xx's and D_zz's feature layers. */
  dropout: { xz: number; xx: number; zz: number };
  /** D_xz's BatchNorm on the x branch: TensorFlow's defaults (decay 0.99 = momentum 0.01, eps 1e-3). */
  bnMomentum: number;
  bnEps: number;
}

/** A dense layer with Xavier-uniform weights and zero bias (TF's xavier_initializer, tf.layers.dense). */
export function xavierLinear(inFeatures: number, outFeatures: number, gen?: Generator): Linear {
  const layer = new Linear(inFeatures, outFeatures, { generator: gen });
  const w = glorotUniform([outFeatures, inFeatures], inFeatures, outFeatures, gen);
  layer.weight.assign(w.toArray());
  w.dispose();
  layer.bias!.assign(new Float32Array(outFeatures));
  return layer;
}

export class Encoder extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(private readonly s: AladSizes, gen?: Generator) {
    super();
    this.fc1 = this.registerModule('fc1', xavierLinear(s.inputs, s.encoderWidth, gen));
    this.fc2 = this.registerModule('fc2', xavierLinear(s.encoderWidth, s.latent, gen));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(leakyRelu(this.fc1.forward(x), this.s.slope));
  }
  /** forward's ONNX nodes: MatMul/Add, LeakyRelu, MatMul/Add. */
  toOnnx(g: GraphBuilder, x: string, prefix = 'enc'): string {
    const h = new LeakyReLU(this.s.slope).toOnnx(g, this.fc1.toOnnx(g, x, `${prefix}.fc1`), `${prefix}.act1`);
    return this.fc2.toOnnx(g, h, `${prefix}.fc2`);
  }
}

export class Gen extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly fc3: Linear;
  constructor(s: AladSizes, gen?: Generator) {
    super();
    const [a, b] = s.generatorWidths;
    this.fc1 = this.registerModule('fc1', xavierLinear(s.latent, a, gen));
    this.fc2 = this.registerModule('fc2', xavierLinear(a, b, gen));
    this.fc3 = this.registerModule('fc3', xavierLinear(b, s.inputs, gen));
  }
  forward(z: Tensor): Tensor {
    return this.fc3.forward(relu(this.fc2.forward(relu(this.fc1.forward(z)))));
  }
  /** forward's ONNX nodes: three MatMul/Add with Relu between. */
  toOnnx(g: GraphBuilder, z: string, prefix = 'gen'): string {
    const relu = new ReLU();
    const h1 = relu.toOnnx(g, this.fc1.toOnnx(g, z, `${prefix}.fc1`), `${prefix}.act1`);
    const h2 = relu.toOnnx(g, this.fc2.toOnnx(g, h1, `${prefix}.fc2`), `${prefix}.act2`);
    return this.fc3.toOnnx(g, h2, `${prefix}.fc3`);
  }
}

/** D_xz: x -> Dense -> BN -> LReLU; z -> Dense -> LReLU -> Dropout; concat -> Dense -> LReLU -> Dropout (f_xz) -> logit. */
export class DiscriminatorXz extends Module {
  readonly xFc: Linear;
  readonly xBn: BatchNorm1d;
  readonly zFc: Linear;
  readonly yFc: Linear;
  readonly out: Linear;
  private readonly zDrop: Dropout;
  private readonly yDrop: Dropout;
  constructor(private readonly s: AladSizes, gen?: Generator) {
    super();
    const w = s.dxzWidth;
    this.xFc = this.registerModule('xFc', xavierLinear(s.inputs, w, gen));
    this.xBn = this.registerModule('xBn', new BatchNorm1d(w, { momentum: s.bnMomentum, eps: s.bnEps }));
    this.zFc = this.registerModule('zFc', xavierLinear(s.latent, w, gen));
    this.zDrop = this.registerModule('zDrop', new Dropout(s.dropout.xz, gen));
    this.yFc = this.registerModule('yFc', xavierLinear(2 * w, w, gen));
    this.yDrop = this.registerModule('yDrop', new Dropout(s.dropout.xz, gen));
    this.out = this.registerModule('out', xavierLinear(w, 1, gen));
  }
  /**
   * The logit [B, 1]. `trackStats` false normalises with the batch's statistics without moving
   * the running ones: in the original only the discriminator step runs D_xz's BatchNorm update
   * ops, so the generator/encoder step leaves the running statistics alone.
   */
  forward(x: Tensor, z: Tensor, trackStats = true): Tensor {
    let hx = this.xFc.forward(x);
    hx = this.training && !trackStats
      ? batchNorm(hx, { axis: 1, gamma: this.xBn.weight, beta: this.xBn.bias, training: true, eps: this.s.bnEps })
      : this.xBn.forward(hx);
    hx = leakyRelu(hx, this.s.slope);
    const hz = this.zDrop.forward(leakyRelu(this.zFc.forward(z), this.s.slope));
    const y = this.yDrop.forward(leakyRelu(this.yFc.forward(concat([hx, hz], 1)), this.s.slope));
    return this.out.forward(y);
  }
}

/** A pair discriminator: concat(a, b) -> Dense -> LReLU -> Dropout (its features) -> logit. D_xx and D_zz. */
export class PairDiscriminator extends Module {
  readonly fc: Linear;
  readonly out: Linear;
  private readonly drop: Dropout;
  constructor(half: number, width: number, p: number, private readonly slope: number, gen?: Generator) {
    super();
    this.fc = this.registerModule('fc', xavierLinear(2 * half, width, gen));
    this.drop = this.registerModule('drop', new Dropout(p, gen));
    this.out = this.registerModule('out', xavierLinear(width, 1, gen));
  }
  /** The layer before the logit [B, width] (f_xx for D_xx). */
  features(a: Tensor, b: Tensor): Tensor {
    return this.drop.forward(leakyRelu(this.fc.forward(concat([a, b], 1)), this.slope));
  }
  forward(a: Tensor, b: Tensor): Tensor {
    return this.out.forward(this.features(a, b));
  }
  /**
   * Eval-mode ONNX nodes of features (or, with `logits`, forward) for several pairs [B, half]
   * sharing one copy of the weights: the pairs' concats are stacked on the batch axis, run once,
   * and split back, one output [B, width] (or [B, 1]) per pair. Dropout is the identity.
   */
  toOnnx(g: GraphBuilder, pairs: [string, string][], prefix: string, logits = false): string[] {
    const joined = pairs.map(([a, b], i) => g.op('Concat', [a, b], { axis: 1 }, `${prefix}/pair${i}/Concat`));
    const stacked = joined.length === 1 ? joined[0] : g.op('Concat', joined, { axis: 0 }, `${prefix}/stack`);
    let h = this.drop.toOnnx(g, new LeakyReLU(this.slope).toOnnx(g, this.fc.toOnnx(g, stacked, `${prefix}.fc`), `${prefix}.act`), `${prefix}.drop`);
    if (logits) h = this.out.toOnnx(g, h, `${prefix}.out`);
    return joined.length === 1 ? [h] : g.node('Split', [h], { axis: 0 }, pairs.length, `${prefix}/unstack`);
  }
}
