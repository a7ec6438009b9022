// The LSTM autoencoder of the HAI notebook (seed 003), every size configurable:
//   encoder: LSTM 128 (sequence) -> BN -> LSTM 64 (last step) -> BN -> Dense 32 (linear)
//   decoder: Dense 64 (linear) -> BN -> repeat T -> LSTM 64 -> BN -> LSTM 128 -> BN -> Dense F per step
// BatchNorm is channels-last with Keras's defaults (momentum 0.99, i.e. 0.01 in PyTorch's
// convention, eps 1e-3), as the seed used Keras.
import { BatchNorm1d, InferencePlan, Linear, LSTM, Module } from '../../lib/nn';
import { mean, square, sub } from '../../lib/ops';
import { mseLoss } from '../../lib/ops/losses';
import { repeat, slice, unsqueeze } from '../../lib/ops/shape';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor';
import type { AnomalyModel } from '../../lib/model';
import type { GraphBuilder } from '../../lib/onnx/graph/builder';

export interface LstmAeConfig {
  /** Channels per time step. */
  inputs: number;
  /** Window length T. */
  window: number;
  /** Hidden sizes of the encoder LSTMs; the last one's final step is the summary. */
  encoder: number[];
  /** Width of the linear bottleneck. */
  latent: number;
  /** Width of the linear layer that opens the decoder. */
  decoderDense: number;
  /** Hidden sizes of the decoder LSTMs. */
  decoder: number[];
  bnMomentum: number;
  bnEps: number;
}

/** The seed's sizes; `inputs` and `window` come from the data. */
export function seedLstmAeConfig(inputs: number, window = 100): LstmAeConfig {
  return { inputs, window, encoder: [128, 64], latent: 32, decoderDense: 64, decoder: [64, 128], bnMomentum: 0.01, bnEps: 1e-3 };
}

export class LstmAe extends Module implements AnomalyModel {
  private readonly encLstm: LSTM[] = [];
  private readonly encBn: BatchNorm1d[] = [];
  private readonly toLatent: Linear;
  private readonly fromLatent: Linear;
  private readonly latentBn: BatchNorm1d;
  private readonly decLstm: LSTM[] = [];
  private readonly decBn: BatchNorm1d[] = [];
  private readonly out: Linear;

  constructor(readonly config: LstmAeConfig, gen?: Generator) {
    super();
    const c = config;
    if (!c.encoder.length || !c.decoder.length) throw new Error('LstmAe: encoder and decoder need at least one LSTM each');
    const bn = (n: number) => new BatchNorm1d(n, { channelAxis: -1, momentum: c.bnMomentum, eps: c.bnEps });
    let width = c.inputs;
    c.encoder.forEach((h, i) => {
      this.encLstm.push(this.registerModule(`enc_lstm${i}`, new LSTM(width, h, { generator: gen })));
      this.encBn.push(this.registerModule(`enc_bn${i}`, bn(h)));
      width = h;
    });
    this.toLatent = this.registerModule('to_latent', new Linear(width, c.latent, { generator: gen }));
    this.fromLatent = this.registerModule('from_latent', new Linear(c.latent, c.decoderDense, { generator: gen }));
    this.latentBn = this.registerModule('latent_bn', bn(c.decoderDense));
    width = c.decoderDense;
    c.decoder.forEach((h, i) => {
      this.decLstm.push(this.registerModule(`dec_lstm${i}`, new LSTM(width, h, { generator: gen })));
      this.decBn.push(this.registerModule(`dec_bn${i}`, bn(h)));
      width = h;
    });
    this.out = this.registerModule('out', new Linear(width, c.inputs, { generator: gen }));
  }

  get window(): number {
    return this.config.window;
  }

  /** Mean squared reconstruction error over the batch, as the seed trained it. */
  loss(x: Tensor): Tensor {
    return mseLoss(this.forward(x), x);
  }

  /** Squared reconstruction error averaged over the window's steps, per channel: [B, F]. */
  channelErrors(x: Tensor): Tensor {
    return mean(square(sub(this.forward(x), x)), 1);
  }

  /** x [B, T, F] -> reconstruction [B, T, F]. */
  forward(x: Tensor): Tensor {
    const { inputs, window } = this.config;
    if (x.ndim !== 3 || x.shape[1] !== window || x.shape[2] !== inputs)
      throw new Error(`LstmAe: input must be [batch, ${window}, ${inputs}], got [${x.shape.join(',')}]`);
    const B = x.shape[0];
    let h = x;
    const last = this.encLstm.length - 1;
    this.encLstm.forEach((lstm, i) => {
      const seq = lstm.forward(h).output;
      // The last encoder LSTM hands on only its final step (Keras return_sequences=False).
      h = this.encBn[i].forward(i === last ? slice(seq, 1, window - 1, window).reshape([B, seq.shape[2]]) : seq);
    });
    const z = this.toLatent.forward(h);
    const d = this.latentBn.forward(this.fromLatent.forward(z));
    h = repeat(unsqueeze(d, 1), [1, window, 1]);
    this.decLstm.forEach((lstm, i) => (h = this.decBn[i].forward(lstm.forward(h).output)));
    return this.out.forward(h);
  }

  /** forward() in eval mode as one native call; its errors output is channelErrors. */
  inferencePlan(): InferencePlan {
    const { inputs, window } = this.config;
    const plan = new InferencePlan(inputs, window);
    try {
      const last = this.encLstm.length - 1;
      this.encLstm.forEach((lstm, i) => {
        lstm.toPlan(plan, i === last);
        this.encBn[i].toPlan(plan);
      });
      this.toLatent.toPlan(plan);
      this.fromLatent.toPlan(plan);
      this.latentBn.toPlan(plan);
      plan.repeat();
      this.decLstm.forEach((lstm, i) => {
        lstm.toPlan(plan);
        this.decBn[i].toPlan(plan);
      });
      this.out.toPlan(plan);
      return plan;
    } catch (e) {
      plan.dispose();
      throw e;
    }
  }

  /**
   * ONNX inference graph of forward() and channelErrors() reading x [batch, window, inputs]:
   * outputs `reconstruction` [batch, window, inputs] and `channel_errors` [batch, inputs].
   */
  toOnnx(g: GraphBuilder, x: string): string[] {
    const { inputs, window } = this.config;
    let h = x;
    const last = this.encLstm.length - 1;
    this.encLstm.forEach((lstm, i) => {
      const seq = lstm.toOnnx(g, h, `enc_lstm${i}`);
      // The last encoder LSTM hands on its final step only: Gather with a scalar index drops the time axis.
      const v = i === last ? g.op('Gather', [seq, g.int64Const([window - 1], true)], { axis: 1 }, `enc_lstm${i}/last_step`) : seq;
      h = this.encBn[i].toOnnx(g, v, `enc_bn${i}`);
    });
    const z = this.toLatent.toOnnx(g, h, 'to_latent');
    const d = this.latentBn.toOnnx(g, this.fromLatent.toOnnx(g, z, 'from_latent'), 'latent_bn');
    const d1 = g.op('Unsqueeze', [d, g.int64Const([1])], {}, 'repeat/Unsqueeze');
    h = g.op('Expand', [d1, g.int64Const([1, window, 1])], {}, 'repeat/Expand'); // [B, 1, D] -> [B, T, D]
    this.decLstm.forEach((lstm, i) => (h = this.decBn[i].toOnnx(g, lstm.toOnnx(g, h, `dec_lstm${i}`), `dec_bn${i}`)));
    const recon = this.out.toOnnx(g, h, 'out');
    const diff = g.op('Sub', [recon, x], {}, 'errors/Sub');
    const sq = g.op('Mul', [diff, diff], {}, 'errors/Square');
    const errors = g.op('ReduceMean', [sq], { axes: [1], keepdims: 0 }, 'errors/ReduceMean');
    g.output('reconstruction', recon, ['batch', window, inputs]);
    g.output('channel_errors', errors, ['batch', inputs]);
    return ['reconstruction', 'channel_errors'];
  }
}
