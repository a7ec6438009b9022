// ALAD (Zenati et al. 2018; seed 004): a bidirectional GAN over single tabular rows, with
// cycle discriminators in data space (D_xx) and latent space (D_zz). This file holds the model:
// its players' losses (the original's, seed-models.md §4.2, sigmoid cross-entropy on logits,
// batch means) and its scores. Training (which player steps on which loss, in which order) is
// models/alad/train.ts; the networks are models/alad/networks.ts.
import { noGrad } from '../../lib/autograd/grad_mode';
import type { AnomalyModel } from '../../lib/model';
import { Module } from '../../lib/nn';
import type { GraphBuilder } from '../../lib/onnx/graph/builder';
import { abs, add, bceWithLogits, neg, softplus, sqrt, square, sub, sum } from '../../lib/ops';
import type { Generator } from '../../lib/random';
import { Tensor, untracked } from '../../lib/tensor';
import { DiscriminatorXz, Encoder, Gen, PairDiscriminator, type AladSizes } from './networks';

/** The anomaly score: the paper's feature matching (fm) or one of its ablations. */
export type AladScore = 'fm' | 'logit' | 'l1' | 'l2';
export const ALAD_SCORES: readonly AladScore[] = ['fm', 'logit', 'l1', 'l2'];

export interface AladConfig extends AladSizes {
  /**
   * fm: ||f_xx(x, x) - f_xx(x, G(E(x)))||_1 (the paper's); logit: BCE(D_xx(x, G(E(x))), 1);
   * l1, l2: the norm of x - G(E(x)).
   */
  score: AladScore;
  /** The latent cycle term cost_z in the generator's and encoder's losses (`--enable_dzz`). D_zz trains either way, as in the original. */
  dzz: boolean;
  /** Training (models/alad/train.ts): Adam lr and beta1 (beta2 0.999), batch size, weight-average decay. */
  lr: number;
  beta1: number;
  batchSize: number;
  emaDecay: number;
}

/** The paper's KDD Cup 99 configuration for `inputs` columns (121 with the original's encoding). */
export function aladDefaults(inputs: number): AladConfig {
  return {
    inputs, latent: 32, encoderWidth: 64, generatorWidths: [64, 128], dxzWidth: 128, dxxWidth: 128, dzzWidth: 32,
    slope: 0.2, dropout: { xz: 0.5, xx: 0.2, zz: 0.2 }, bnMomentum: 0.01, bnEps: 1e-3,
    score: 'fm', dzz: true, lr: 1e-5, beta1: 0.5, batchSize: 50, emaDecay: 0.999,
  };
}

/**
 * The original's Arrhythmia settings (alad/arrhythmia_utilities.py at 9922b72: latent 64, batch 32,
 * lr 1e-5; G 128-256) on the KDD topology, which has one hidden layer fewer in E, D_xx and D_zz
 * than the original's Arrhythmia networks (E 256-128, D_xx 256-128, D_zz 64-32) and one D_xz
 * width where the original's joint layer is 256: each network keeps the width that feeds its
 * output (E 128, f_xx 128, f_zz 32, D_xz 128). Not the paper's exact networks (docs/models/alad.md).
 */
export function aladArrhythmia(inputs: number): AladConfig {
  return { ...aladDefaults(inputs), latent: 64, encoderWidth: 128, generatorWidths: [128, 256], batchSize: 32 };
}

/** `--config <name>` (the kind's overrides { preset }): kdd (the default) and arrhythmia. */
export const ALAD_NAMED_CONFIGS: Record<string, (inputs: number) => AladConfig> = {
  kdd: aladDefaults,
  arrhythmia: aladArrhythmia,
};

/**
 * Checks a config (one from a bundle included) before any layer is built: sizes are positive
 * integers, rates and the slope finite and in range, every field present (a dropped slope would
 * otherwise reach the activation as undefined and score differently). Errors name the field.
 */
export function checkAladConfig(c: AladConfig): void {
  const err = (m: string) => new Error(`alad: ${m}`);
  const show = (v: unknown) => JSON.stringify(v) ?? String(v);
  const posInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  for (const name of ['inputs', 'latent', 'encoderWidth', 'dxzWidth', 'dxxWidth', 'dzzWidth', 'batchSize'] as const)
    if (!posInt(c[name])) throw err(`${name} must be a positive integer, got ${show(c[name])}`);
  const g = c.generatorWidths;
  if (!Array.isArray(g) || g.length !== 2 || !g.every(posInt)) throw err(`generatorWidths must be two positive integers, got ${show(g)}`);
  if (!(num(c.slope) && c.slope >= 0)) throw err(`slope must be a finite number >= 0, got ${show(c.slope)}`);
  const d = c.dropout;
  if (!d || typeof d !== 'object' || !(['xz', 'xx', 'zz'] as const).every((k) => num(d[k]) && d[k] >= 0 && d[k] < 1))
    throw err(`dropout must be { xz, xx, zz } of rates in [0, 1), got ${show(d)}`);
  if (!(num(c.bnMomentum) && c.bnMomentum >= 0 && c.bnMomentum <= 1)) throw err(`bnMomentum must be a number in [0, 1], got ${show(c.bnMomentum)}`);
  if (!(num(c.bnEps) && c.bnEps >= 0)) throw err(`bnEps must be a finite number >= 0, got ${show(c.bnEps)}`);
  if (!ALAD_SCORES.includes(c.score)) throw err(`score must be one of ${ALAD_SCORES.join(', ')}, got ${show(c.score)}`);
  if (typeof c.dzz !== 'boolean') throw err(`dzz must be true or false, got ${show(c.dzz)}`);
  if (!(num(c.lr) && c.lr > 0)) throw err(`lr must be a finite number > 0, got ${show(c.lr)}`);
  if (!(num(c.beta1) && c.beta1 >= 0 && c.beta1 < 1)) throw err(`beta1 must be a number in [0, 1), got ${show(c.beta1)}`);
  if (!(num(c.emaDecay) && c.emaDecay >= 0 && c.emaDecay <= 1)) throw err(`emaDecay must be a number in [0, 1], got ${show(c.emaDecay)}`);
}


/** Every logit of one forward over a batch x and noise z. */
interface Logits {
  /** D_xz(x, E(x)) and D_xz(G(z), z). */
  encoder: Tensor;
  generator: Tensor;
  /** D_xx(x, x) and D_xx(x, G(E(x))). */
  xReal: Tensor;
  xFake: Tensor;
  /** D_zz(z, z) and D_zz(z, E(G(z))). */
  zReal: Tensor;
  zFake: Tensor;
}

export class Alad extends Module implements AnomalyModel {
  readonly input = { kind: 'rows' } as const;
  readonly window = 1;
  readonly enc: Encoder;
  readonly gen: Gen;
  readonly dxz: DiscriminatorXz;
  readonly dxx: PairDiscriminator;
  readonly dzz: PairDiscriminator;

  constructor(readonly config: AladConfig, private readonly generator?: Generator) {
    super();
    checkAladConfig(config);
    const s = config;
    this.enc = this.registerModule('enc', new Encoder(s, generator));
    this.gen = this.registerModule('gen', new Gen(s, generator));
    this.dxz = this.registerModule('dxz', new DiscriminatorXz(s, generator));
    this.dxx = this.registerModule('dxx', new PairDiscriminator(s.inputs, s.dxxWidth, s.dropout.xx, s.slope, generator));
    this.dzz = this.registerModule('dzz', new PairDiscriminator(s.latent, s.dzzWidth, s.dropout.zz, s.slope, generator));
  }

  /** The constant label tensors of the losses, by shape, dtype, device and value: made once, not twelve times a step. */
  private readonly labels = new Map<string, Tensor>();

  /** BCE of logits against a constant label (1 real, 0 generated). */
  private bce(logits: Tensor, label: 0 | 1): Tensor {
    const key = `${logits.shape.join('x')}/${logits.dtype}/${logits.device}/${label}`;
    let target = this.labels.get(key);
    if (!target || target.disposed) {
      target = untracked(() => Tensor.full(logits.shape, label, { dtype: logits.dtype, device: logits.device }));
      this.labels.set(key, target);
    }
    return bceWithLogits(logits, target);
  }

  override dispose(): void {
    for (const t of this.labels.values()) t.dispose();
    this.labels.clear();
    super.dispose();
  }

  /**
   * One forward of the original's graph; D_xz's running statistics move only if trackStats.
   * `constant` names what runs without recording a tape, because no gradient the phase takes
   * goes through it (same values, same random draws, no saved buffers): 'generators', E and G in
   * the discriminators' phase; 'real-pairs', D_xx(x, x) and D_zz(z, z) in the generators' phase
   * (no E or G in them).
   */
  private logits(x: Tensor, z: Tensor, trackStats: boolean, constant: 'generators' | 'real-pairs'): Logits {
    const untracked = <T>(part: 'generators' | 'real-pairs', f: () => T): T => (constant === part ? noGrad(f) : f());
    const { ex, gz, rx, rz } = untracked('generators', () => {
      const ex = this.enc.forward(x);
      const gz = this.gen.forward(z);
      return { ex, gz, rx: this.gen.forward(ex), rz: this.enc.forward(gz) };
    });
    return {
      encoder: this.dxz.forward(x, ex, trackStats),
      generator: this.dxz.forward(gz, z, trackStats),
      xReal: untracked('real-pairs', () => this.dxx.forward(x, x)),
      xFake: this.dxx.forward(x, rx),
      zReal: untracked('real-pairs', () => this.dzz.forward(z, z)),
      zFake: this.dzz.forward(z, rz),
    };
  }

  /** The discriminators' losses on a batch: each tells real pairs (label 1) from generated ones (0). */
  discriminatorLosses(x: Tensor, z: Tensor): { dxz: Tensor; dxx: Tensor; dzz: Tensor } {
    const l = this.logits(x, z, true, 'generators');
    return {
      dxz: add(this.bce(l.encoder, 1), this.bce(l.generator, 0)),
      dxx: add(this.bce(l.xReal, 1), this.bce(l.xFake, 0)),
      dzz: add(this.bce(l.zReal, 1), this.bce(l.zFake, 0)),
    };
  }

  /**
   * The discriminators' losses and their joint objective (lib/train's Phase.joint), the sum: the
   * three share no weight and E and G run untracked, so each one's loss differs from the sum only
   * by the other two's, which do not depend on its weights.
   */
  discriminatorPhase(x: Tensor, z: Tensor): { dxz: Tensor; dxx: Tensor; dzz: Tensor; joint: Tensor } {
    const d = this.discriminatorLosses(x, z);
    return { ...d, joint: add(add(d.dxz, d.dxx), d.dzz) };
  }

  /**
   * The generator's and encoder's losses: each fools D_xz, and both fool the cycle
   * discriminators with flipped labels (cost_x, and cost_z when config.dzz).
   */
  generatorLosses(x: Tensor, z: Tensor): { gen: Tensor; enc: Tensor } {
    const t = this.generatorTerms(x, z);
    return { gen: add(t.foolG, t.cycle), enc: add(t.foolE, t.cycle) };
  }

  /**
   * The generator's and encoder's losses and their joint objective foolG + foolE + cycle
   * (lib/train's Phase.joint): gen = joint - foolE and enc = joint - foolG, and neither removed
   * term depends on the other player's weights (D_xz(x, E(x)) has no G in it, D_xz(G(z), z) no
   * E), so each player's gradient of the joint objective is that of its own loss, and the cycle
   * terms (shared by both losses) are backpropagated once instead of twice.
   */
  generatorPhase(x: Tensor, z: Tensor): { gen: Tensor; enc: Tensor; joint: Tensor } {
    const t = this.generatorTerms(x, z);
    return { gen: add(t.foolG, t.cycle), enc: add(t.foolE, t.cycle), joint: add(add(t.foolG, t.foolE), t.cycle) };
  }

  /** foolG: G fooling D_xz; foolE: E fooling D_xz; cycle: both fooling D_xx (and D_zz when config.dzz). */
  private generatorTerms(x: Tensor, z: Tensor): { foolG: Tensor; foolE: Tensor; cycle: Tensor } {
    const l = this.logits(x, z, false, 'real-pairs');
    const costX = add(this.bce(l.xReal, 0), this.bce(l.xFake, 1));
    const cycle = this.config.dzz ? add(costX, add(this.bce(l.zReal, 0), this.bce(l.zFake, 1))) : costX;
    return { foolG: this.bce(l.generator, 1), foolE: this.bce(l.encoder, 0), cycle };
  }

  /**
   * Not ALAD's training objective (the kind's fit runs five players, each on its own loss): the
   * sum of the five losses on a batch with fresh noise, with each as a term, for a look at a batch.
   */
  loss(x: Tensor): { loss: Tensor; terms: Record<string, number> } {
    if (!this.generator) throw new Error('alad: loss() draws noise and needs the generator the model was created with');
    const z = this.generator.normal([x.shape[0], this.config.latent]);
    const d = this.discriminatorLosses(x, z);
    const g = this.generatorLosses(x, z);
    const parts = { ...d, ...g };
    const terms = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.item()]));
    return { loss: Object.values(parts).reduce((a, b) => add(a, b)), terms };
  }

  /** G(E(x)). */
  reconstruct(x: Tensor): Tensor {
    return this.gen.forward(this.enc.forward(x));
  }

  /** The anomaly score of each row [batch] (config.score); use in eval mode, with the averaged weights. */
  scores(x: Tensor): Tensor {
    return this.scoreBy(this.config.score, x);
  }

  /** One of the scores, whatever the config names (the ablation compares them on one model). */
  scoreBy(kind: AladScore, x: Tensor): Tensor {
    const rx = this.reconstruct(x);
    switch (kind) {
      case 'fm': return sum(abs(sub(this.dxx.features(x, x), this.dxx.features(x, rx))), 1);
      case 'logit': return softplus(neg(this.dxx.forward(x, rx))).reshape([x.shape[0]]); // BCE(l, 1) = log(1 + e^-l)
      case 'l1': return sum(abs(sub(x, rx)), 1);
      case 'l2': return sqrt(sum(square(sub(x, rx)), 1));
      default: throw new Error(`alad: no score "${String(kind)}" (known: ${ALAD_SCORES.join(', ')})`);
    }
  }

  /**
   * The scoring path as an ONNX graph (lib/onnx/export) reading x [batch, 1, inputs] (scaled
   * rows; window 1): E, G, and for the fm score D_xx's features of (x, x) and (x, G(E(x))) in
   * eval mode (dropout the identity; D_xz, D_zz and BatchNorm are not on the path), with the
   * weights as they are (after training: the averages). Outputs `reconstruction` G(E(x))
   * [batch, inputs] and `scores` [batch], the config's score as scores() computes it.
   */
  toOnnx(g: GraphBuilder, x: string): string[] {
    const F = this.config.inputs;
    const rows = g.op('Flatten', [x], { axis: 1 }, 'rows/Flatten');
    const rx = this.gen.toOnnx(g, this.enc.toOnnx(g, rows, 'enc'), 'gen');
    const axis1 = g.int64Const([1]);
    const sumOver = (v: string, name: string) => g.op('ReduceSum', [v, axis1], { keepdims: 0 }, `score/${name}/ReduceSum`);
    let score: string;
    switch (this.config.score) {
      case 'fm': {
        const [real, fake] = this.dxx.toOnnx(g, [[rows, rows], [rows, rx]], 'dxx');
        score = sumOver(g.op('Abs', [g.op('Sub', [real, fake], {}, 'score/fm/Sub')], {}, 'score/fm/Abs'), 'fm');
        break;
      }
      case 'logit': {
        const [l] = this.dxx.toOnnx(g, [[rows, rx]], 'dxx', true);
        score = g.op('Squeeze', [g.op('Softplus', [g.op('Neg', [l], {}, 'score/logit/Neg')], {}, 'score/logit/Softplus'), axis1], {}, 'score/logit/Squeeze');
        break;
      }
      case 'l1':
        score = sumOver(g.op('Abs', [g.op('Sub', [rows, rx], {}, 'score/l1/Sub')], {}, 'score/l1/Abs'), 'l1');
        break;
      case 'l2': {
        const d = g.op('Sub', [rows, rx], {}, 'score/l2/Sub');
        score = g.op('Sqrt', [sumOver(g.op('Mul', [d, d], {}, 'score/l2/Square'), 'l2')], {}, 'score/l2/Sqrt');
        break;
      }
      default: throw new Error(`alad: no ONNX graph for score "${String(this.config.score)}"`);
    }
    g.output('reconstruction', rx, ['batch', F]);
    g.output('scores', score, ['batch']);
    return ['reconstruction', 'scores'];
  }
}
