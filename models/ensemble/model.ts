// The ensemble as a model: fitted member detectors (any kinds that read windows of rows) under
// one window, each scored on its own last rows, its score mapped to the common scale of
// scale.ts (fitted on the validation scores by the kind's fit), the surprises combined (max or
// mean) into the ensemble's score. Members' weights and the scales are buffers of this module,
// so one bundle holds them all.
import { noGrad } from '../../lib/autograd/grad_mode';
import { fitErrorScale, scaledScore } from '../../lib/calibrate/error_scale';
import { modelKind, takesRowWindows, type AnomalyModel } from '../../lib/model';
import { Module } from '../../lib/nn';
import { GraphBuilder } from '../../lib/onnx/graph/builder';
import type { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { addAttribution, combine, fitMemberScale, surprise, type CombineRule, type MemberScale } from './scale';

export interface EnsembleMember {
  /** A registered model kind (`lstm-ae`, `pca`, ...), never `ensemble`. */
  kind: string;
  /** Its full config (the kind's defaultConfig with the user's overrides). */
  config: Record<string, unknown>;
}

export interface EnsembleConfig {
  /** Channels per row. */
  inputs: number;
  members: EnsembleMember[];
  /** How the members' surprises make the score. */
  combine: CombineRule;
  /** Q: the rank table of each member's validation scores has Q + 1 quantiles. */
  levels: number;
}

/** One batch scored by every member: raw scores [M][B], scaled channel errors [M][B * F] (null: none). */
interface MemberOutputs {
  scores: Float64Array[];
  channels: (Float32Array | null)[];
}

export class Ensemble extends Module implements AnomalyModel {
  readonly members: AnomalyModel[];
  readonly window: number;
  private readonly quantiles: Tensor;
  private readonly tail: Tensor;
  private readonly channelScale: Tensor;
  /** [1]: 1 once the scales are fitted. */
  private readonly fitted: Tensor;
  private host: { scales: MemberScale[]; channelScale: Float64Array } | null = null;
  /**
   * The last batch's outputs, so channelErrors and scores of one batch score the members once;
   * keyed by the batch's values (a caller may refill one tensor between calls).
   */
  private last: { x: Float32Array; out: MemberOutputs } | null = null;

  constructor(readonly config: EnsembleConfig, gen?: Generator) {
    super();
    const { members, levels, inputs } = config;
    this.members = [];
    try {
      members.forEach((m, i) => {
        const model = this.registerModule(`member${i}`, modelKind(m.kind).create(m.config, gen));
        this.members.push(model);
        if (!takesRowWindows(model)) throw new Error(`ensemble: member ${i} (${m.kind}) does not read windows of rows; only such members can share the ensemble's windows`);
      });
    } catch (e) {
      for (const m of this.members) m.dispose();
      throw e;
    }
    this.window = Math.max(...this.members.map((m) => m.window));
    const f64 = { dtype: 'float64' as const };
    const M = members.length;
    this.quantiles = this.registerBuffer('quantiles', Tensor.zeros([M, levels + 1], f64));
    this.tail = this.registerBuffer('tail', Tensor.zeros([M, 4], f64));
    this.channelScale = this.registerBuffer('channelScale', Tensor.ones([M, inputs], f64));
    this.fitted = this.registerBuffer('fitted', Tensor.zeros([1], f64));
  }

  /** Member i's view of windows [B, window, F]: its own last rows. */
  memberInput(i: number, x: Tensor): Tensor {
    const w = this.members[i].window;
    if (w === this.window) return x;
    const [B, W, F] = x.shape;
    const v = x.toArray();
    const out = new Float32Array(B * w * F);
    for (let b = 0; b < B; b++) out.set(v.subarray((b * W + W - w) * F, (b + 1) * W * F), b * w * F);
    return Tensor.fromArray(out, [B, w, F]);
  }

  /**
   * Fits each member's channel scale and score scale on validation windows given in chunks
   * (`chunks` calls back with each [n, window, F] batch); the members must be fitted already.
   * Returns the ensemble's scores of those windows.
   */
  fitScales(chunks: (visit: (x: Tensor) => void) => void): Float32Array {
    const M = this.members.length, F = this.config.inputs;
    const raw: { scores: number[]; errors: number[] }[] = this.members.map(() => ({ scores: [], errors: [] }));
    // Fitted on what scoring computes: eval mode (a member's BatchNorm on its running statistics).
    this.eval();
    noGrad(() => chunks((x) => {
      const out = this.rawOutputs(x);
      for (let i = 0; i < M; i++) {
        if (out.errors[i]) for (const e of out.errors[i]!) raw[i].errors.push(e);
        if (out.scores[i]) for (const s of out.scores[i]!) raw[i].scores.push(s);
      }
    }));
    const channelScale = new Float64Array(M * F).fill(1);
    raw.forEach((r, i) => r.errors.length && channelScale.set(fitErrorScale(r.errors, F), i * F));
    this.channelScale.assign(channelScale);
    this.host = { scales: [], channelScale };
    // A member without a score of its own scores by its scaled errors, so the scale comes first.
    const scores = raw.map((r, i) => (r.scores.length ? Float64Array.from(r.scores) : this.reduce(i, Float32Array.from(r.errors)).scores));
    const table = new Float64Array(M * (this.config.levels + 1));
    const tail = new Float64Array(M * 4);
    scores.forEach((s, i) => {
      const fit = fitMemberScale(s, this.config.levels);
      table.set(fit.quantiles, i * (this.config.levels + 1));
      tail.set([fit.tail.initialThreshold, fit.tail.tailShare, fit.tail.shape, fit.tail.scale], i * 4);
    });
    this.quantiles.assign(table);
    this.tail.assign(tail);
    this.fitted.assign([1]);
    this.host = null;
    this.last = null;
    return this.combined(scores);
  }

  override loadStateDict(state: Parameters<Module['loadStateDict']>[0], strict = true): void {
    super.loadStateDict(state, strict);
    this.host = null;
    this.last = null;
  }

  /** Not trained by gradient as a whole (the kind's fit trains each member); 0 keeps the contract. */
  loss(): Tensor {
    return Tensor.zeros([]);
  }

  /** The combined surprise of each window: [batch]. */
  scores(x: Tensor): Tensor {
    return Tensor.fromArray(this.combined(this.outputs(x).scores), [x.shape[0]]);
  }

  /** The combined surprise of each window from the members' raw scores [M][B]. */
  private combined(memberScores: ArrayLike<number>[]): Float32Array {
    const { scales } = this.scales();
    const s = new Float64Array(memberScores.length);
    return Float32Array.from({ length: memberScores[0].length }, (_, b) => {
      memberScores.forEach((m, i) => (s[i] = surprise(scales[i], m[b])));
      return combine(s, this.config.combine);
    });
  }

  /**
   * Attribution [batch, inputs]: the members' scaled channel errors as shares, weighted by each
   * member's surprise (scale.ts addAttribution); members without channel errors add nothing.
   */
  channelErrors(x: Tensor): Tensor {
    const out = this.outputs(x);
    const B = x.shape[0], F = this.config.inputs;
    const { scales } = this.scales();
    const res = new Float32Array(B * F);
    out.channels.forEach((c, i) => {
      if (c) for (let b = 0; b < B; b++) addAttribution(c, b * F, F, surprise(scales[i], out.scores[i][b]), res, b * F);
    });
    return Tensor.fromArray(res, [B, F]);
  }

  /**
   * Refused: the members' scales (rank tables and tails) are no graph here. The message also
   * names the members that could not export on their own (each tried on a scratch graph).
   */
  toOnnx(): string[] {
    const refusals: string[] = [];
    this.members.forEach((m, i) => {
      const own = (m as { toOnnx?: (g: GraphBuilder, x: string) => string[] }).toOnnx;
      const kind = this.config.members[i].kind;
      if (typeof own !== 'function') return void refusals.push(`${kind} (no graph)`);
      const g = new GraphBuilder();
      try {
        own.call(m, g, g.input('x', ['batch', m.window, this.config.inputs]));
      } catch (e) {
        refusals.push(`${kind} (${(e as Error).message})`);
      }
    });
    const members = refusals.length ? `; members that cannot export either: ${refusals.join('; ')}` : '';
    throw new Error(`ensemble: no ONNX export (its members' scales, rank tables and tails, are not exported as a graph${members}); serve the bundle with the native backend (Detector, vigil detect)`);
  }

  private checkInput(x: Tensor): void {
    const { inputs } = this.config;
    if (x.ndim !== 3 || x.shape[1] !== this.window || x.shape[2] !== inputs)
      throw new Error(`ensemble: input must be [batch, ${this.window}, ${inputs}], got [${x.shape.join(',')}]`);
  }

  private scales(): { scales: MemberScale[]; channelScale: Float64Array } {
    if (this.host) return this.host;
    if (this.fitted.toArray()[0] !== 1) throw new Error('ensemble: its members\' scales are not fitted (train it with its kind\'s fit, or load a trained bundle)');
    const L = this.config.levels + 1;
    const q = this.quantiles.toArray() as Float64Array;
    const t = this.tail.toArray() as Float64Array;
    const scales = this.members.map((_, i) => {
      const [initialThreshold, tailShare, shape, scale] = t.subarray(i * 4, i * 4 + 4);
      if (!(Number.isFinite(initialThreshold) && tailShare > 0 && tailShare <= 1 && shape >= 0 && Number.isFinite(shape) && scale > 0))
        throw new Error(`ensemble: member ${i}'s stored tail is invalid: ${Array.from(t.subarray(i * 4, i * 4 + 4)).join(', ')}`);
      return { quantiles: q.subarray(i * L, (i + 1) * L), tail: { initialThreshold, tailShare, shape, scale } };
    });
    this.host = { scales, channelScale: this.channelScale.toArray() as Float64Array };
    return this.host;
  }

  /** Every member's raw score and scaled channel errors for a batch (cached for the last batch). */
  private outputs(x: Tensor): MemberOutputs {
    const values = Float32Array.from(x.toArray());
    if (this.last && sameValues(this.last.x, values)) return this.last.out;
    const raw = this.rawOutputs(x);
    const scores: Float64Array[] = [], channels: (Float32Array | null)[] = [];
    raw.errors.forEach((e, i) => {
      const reduced = e ? this.reduce(i, e) : null;
      channels.push(reduced ? reduced.channels : null);
      scores.push(raw.scores[i] ? Float64Array.from(raw.scores[i]!) : reduced!.scores);
    });
    const out = { scores, channels };
    this.last = { x: values, out };
    return out;
  }

  /** Member i's channel errors [n * F] scaled by its channel scale, and their reduction (its score when it has none of its own). */
  private reduce(i: number, errors: Float32Array): { scores: Float64Array; channels: Float32Array } {
    const F = this.config.inputs;
    const scale = (this.host?.channelScale ?? this.scales().channelScale).subarray(i * F, (i + 1) * F);
    const n = errors.length / F;
    const channels = new Float32Array(errors.length);
    const scores = new Float64Array(n);
    const useMax = this.members[i].scoreReduction === 'max';
    for (let b = 0; b < n; b++) scores[b] = scaledScore(errors, b * F, F, useMax, scale, channels, b * F);
    return { scores, channels };
  }

  /** Each member's own outputs for a batch: raw channel errors and its own scores (null where it has none). */
  private rawOutputs(x: Tensor): { errors: (Float32Array | null)[]; scores: (Float32Array | null)[] } {
    this.checkInput(x);
    return tidy(() => {
      const errors: (Float32Array | null)[] = [], scores: (Float32Array | null)[] = [];
      this.members.forEach((m, i) => {
        const xi = this.memberInput(i, x);
        errors.push(m.channelErrors ? Float32Array.from(m.channelErrors(xi).toArray()) : null);
        scores.push(m.scores ? Float32Array.from(m.scores(xi).toArray()) : null);
      });
      return { errors, scores };
    });
  }
}

/** Bit-equal arrays (NaN equals NaN: the same input). */
function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(a[i] !== a[i] && b[i] !== b[i])) return false;
  return true;
}
